"""Code lenses on the ``workflow`` line: "Run" and "Simulate".

"Simulate" runs ``tracker.simulate`` (the simulate report: execution plan, unreachable
nodes and all paths, from :mod:`tracker.dippin.simulate`). "Run" calls ``tracker.run``,
which the run/gate protocol registers (editor-protocol.md, the next issue); this module
does not register it, so the two cannot collide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams

if TYPE_CHECKING:
    from tracker_lsp.server import TrackerServer

SIMULATE = "tracker.simulate"
RUN = "tracker.run"


def simulate_report(server: TrackerServer, uri: str) -> dict[str, Any]:
    from tracker.dippin import simulate as sim

    snap = server.snapshot(uri)
    if snap is not None:
        result = snap.result
    else:
        from pygls.uris import to_fs_path

        from tracker.dippin import load_file

        path = to_fs_path(uri) if uri.startswith("file:") else None
        if not path:
            raise JsonRpcInvalidParams(f"document is not open and not a file: {uri}")
        try:
            result = load_file(path)
        except OSError as exc:
            raise JsonRpcInvalidParams(f"cannot read {uri}: {exc.strerror or exc}") from None
    if not result.ok:
        raise JsonRpcInvalidParams("the document has syntax errors; fix them before simulating")
    try:
        report = sim.plan_report(result.workflow)
        paths = sim.enumerate_paths(result.workflow)
        report.update(sim.paths_report(paths))
    except sim.SimulationError as exc:
        raise JsonRpcInvalidParams(str(exc)) from None
    return report


def _uri_of(args: Any) -> str:
    if isinstance(args, list) and args:
        first = args[0]
        if isinstance(first, dict):
            return str(first.get("uri", ""))
        return str(first)
    return ""


def register(server: TrackerServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_CODE_LENS, lsp.CodeLensOptions(resolve_provider=False))
    def code_lens(params: lsp.CodeLensParams) -> list[lsp.CodeLens] | None:
        snap = server.snapshot(params.text_document.uri)
        if snap is None or not server.settings.code_lens or not snap.workflow.name:
            return None
        rng = snap.converter.range(snap.workflow.header_range)
        arg = {"uri": params.text_document.uri}
        return [
            lsp.CodeLens(range=rng, command=lsp.Command(title="▶ Run", command=RUN, arguments=[arg])),
            lsp.CodeLens(range=rng, command=lsp.Command(title="Simulate", command=SIMULATE, arguments=[arg])),
        ]

    @server.command(SIMULATE)
    def simulate_command(*args: Any) -> dict[str, Any]:
        return simulate_report(server, _uri_of(list(args)))
