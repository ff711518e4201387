"""Runs and gates from headless Neovim against the real tracker-lsp
(``editors/nvim/tests/run_spec.lua``): ``:TrackerRun`` with scripted ``vim.ui`` answers
(the seam pickers use) and the interview form, routing by the answers, the run buffer with
every node's final state and the log, dismissed gates brought back by ``:TrackerGates``,
gates answered elsewhere closing their prompt, ``:TrackerCancel`` then ``:TrackerResume``,
parameter prompts, ``:TrackerRuns``, ``:TrackerSimulate``, ``:TrackerGraph``,
``:TrackerDiagnose`` and server errors shown verbatim."""

from __future__ import annotations

import pytest

from tests.nvim.conftest import SpecRun, run_spec


@pytest.fixture(scope="module")
def spec() -> SpecRun:
    return run_spec("run_spec.lua")


def test_choice_freeform_and_interview_gates_route_the_run(spec: SpecRun) -> None:
    data = spec.case(
        ":TrackerRun answers a choice, a freeform and an interview gate, and routes by them"
    )
    assert len(data["run_id"]) >= 8


def test_every_gate_mode_of_the_example(spec: SpecRun) -> None:
    spec.case(
        'gate_modes: yes/no, a choice with a default, hybrid "other…" falls back to input, interview'
    )


def test_a_dismissed_gate_comes_back_with_tracker_gates(spec: SpecRun) -> None:
    spec.case("a dismissed gate stays pending and :TrackerGates brings it back")


def test_a_gate_answered_elsewhere_closes_its_prompt(spec: SpecRun) -> None:
    spec.case("a gate answered elsewhere closes its prompt and the form")


def test_cancel_then_resume_completes_a_run(spec: SpecRun) -> None:
    spec.case(":TrackerCancel then :TrackerResume completes a run")


def test_declared_vars_are_asked_for(spec: SpecRun) -> None:
    spec.case(":TrackerRun asks for declared vars with vim.ui.input; key=value skips the prompt")


def test_tracker_runs_opens_a_picked_run(spec: SpecRun) -> None:
    spec.case(":TrackerRuns opens the buffer of the picked run")


def test_simulate_and_graph_buffers(spec: SpecRun) -> None:
    spec.case(":TrackerSimulate and :TrackerGraph show the workflow in scratch buffers")


def test_diagnose_buffer(spec: SpecRun) -> None:
    spec.case(":TrackerDiagnose shows the report of a run")


def test_enter_on_a_node_jumps_to_its_declaration(spec: SpecRun) -> None:
    spec.case("<CR> on a node of the run buffer jumps to its declaration")


def test_code_lenses_run_and_simulate(spec: SpecRun) -> None:
    spec.case("the code lenses run and simulate through the plugin")


def test_builtin_vim_ui_prompts(spec: SpecRun) -> None:
    spec.case("Neovim's own vim.ui prompts answer gates and close when answered elsewhere")


def test_server_errors_are_shown_verbatim(spec: SpecRun) -> None:
    spec.case("server errors are shown verbatim")


def test_every_case_of_the_spec_is_checked(spec: SpecRun) -> None:
    assert spec.returncode == 0, spec.output[-4000:]
    assert len(spec.cases) == 13
