"""Authoring in headless Neovim with only the plugin on the runtimepath, against the real
tracker-lsp: the filetype, the ``tracker`` client, diagnostics at the right line, quick
fixes, completion after ``${ctx.`` (requested and through the built-in
``vim.lsp.completion`` while typing), hover, go to definition, rename, formatting,
document symbols, semantic tokens and folds (``editors/nvim/tests/lsp_spec.lua``)."""

from __future__ import annotations

import pytest

from tests.nvim.conftest import SpecRun, run_spec


@pytest.fixture(scope="module")
def spec() -> SpecRun:
    return run_spec("lsp_spec.lua")


def test_dip_files_get_the_dippin_filetype_syntax_and_options(spec: SpecRun) -> None:
    spec.case("a .dip file gets the dippin filetype, syntax and buffer options")


def test_the_tracker_client_attaches(spec: SpecRun) -> None:
    spec.case("the tracker client attaches with the run protocol")


def test_a_mistake_gets_its_diagnostic_at_the_right_line(spec: SpecRun) -> None:
    data = spec.case("a mistake gets its diagnostic at the right line")
    assert data["ms_to_diagnostics"] > 0


def test_quick_fix_applied_as_code_action(spec: SpecRun) -> None:
    spec.case("the quick fix of a diagnostic is applied as a code action")


def test_completion_offers_upstream_keys(spec: SpecRun) -> None:
    spec.case("completion after ${ctx. offers the upstream keys")


def test_builtin_completion_pops_up_while_typing(spec: SpecRun) -> None:
    spec.case("built-in completion (vim.lsp.completion) pops up after typing ${ctx.")


def test_hover_on_a_node(spec: SpecRun) -> None:
    spec.case("hover on a node ID shows its kind and label")


def test_go_to_definition(spec: SpecRun) -> None:
    spec.case("go to definition jumps to the node declaration")


def test_rename(spec: SpecRun) -> None:
    spec.case("rename changes a node ID everywhere")


def test_formatting(spec: SpecRun) -> None:
    spec.case("formatting writes the canonical form")


def test_document_symbols(spec: SpecRun) -> None:
    spec.case("document symbols list the workflow and its nodes")


def test_semantic_tokens(spec: SpecRun) -> None:
    spec.case("semantic tokens mark node kinds and IDs")


def test_folds_from_the_server(spec: SpecRun) -> None:
    spec.case("folds come from the server once attached")


def test_help_file(spec: SpecRun) -> None:
    spec.case(":help tracker opens the plugin help")


def test_every_case_of_the_spec_is_checked(spec: SpecRun) -> None:
    assert spec.returncode == 0, spec.output[-4000:]
    assert len(spec.cases) == 14
