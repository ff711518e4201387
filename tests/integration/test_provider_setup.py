"""Where provider keys come from (``.env`` files, D.12) and the refusal to start agent
nodes whose provider has no key."""

from __future__ import annotations

from pathlib import Path

from tests.agent.fakes.turns import text_turn
from tests.integration.conftest import Stream, provider_env, script, tracker, write_flow
from tests.llm.fakes.env import API_KEYS
from tests.llm.fakes.server import FakeServer

ONE_AGENT = """
workflow One
  start: Start
  exit: Done

  agent Start
    label: Start

  agent Work
{model}    prompt: Do the work.

  agent Done
    label: Done

  edges
    Start -> Work
    Work -> Done
"""


def one_agent(workdir: Path, model: str = "") -> Path:
    return write_flow(workdir, ONE_AGENT.format(model=f"    model: {model}\n" if model else ""))


def test_agent_nodes_are_refused_before_the_run_without_a_key(workdir: Path) -> None:
    flow = one_agent(workdir)
    proc = tracker([str(flow), "--json"], cwd=workdir)
    assert proc.returncode == 1
    assert proc.stdout == ""
    message = proc.stderr
    assert 'agent node "Work" (flow.dip)' in message
    assert "uses anthropic (model claude-sonnet-4-6), but ANTHROPIC_API_KEY is not set" in message
    assert "`tracker setup`" in message and "`tracker doctor`" in message
    assert "Traceback" not in message
    assert not (workdir / ".tracker").exists()


def test_the_refusal_names_the_provider_the_node_needs(server: FakeServer, workdir: Path) -> None:
    flow = one_agent(workdir, model="gemini-2.5-pro")
    proc = tracker([str(flow)], cwd=workdir, env=provider_env("anthropic", server))
    assert proc.returncode == 1
    assert "uses gemini (model gemini-2.5-pro), but GEMINI_API_KEY (or GOOGLE_API_KEY) is not set" in proc.stderr
    assert not server.requests


def test_workflows_without_agent_nodes_need_no_key(workdir: Path) -> None:
    flow = write_flow(
        workdir,
        """
        workflow Tools
          start: Start
          exit: Done

          agent Start
            label: Start

          tool Hello
            timeout: 5s
            command: echo hello

          agent Done
            label: Done

          edges
            Start -> Hello
            Hello -> Done
        """,
    )
    proc = tracker([str(flow), "--json"], cwd=workdir)
    assert proc.returncode == 0, proc.stderr


def test_keys_come_from_the_workdir_env_file(server: FakeServer, workdir: Path) -> None:
    flow = one_agent(workdir)
    key_var, key = API_KEYS["anthropic"]
    (workdir / ".env").write_text(f"# provider settings\nexport {key_var}={key}\nANTHROPIC_BASE_URL='{server.url}'\n")
    script(server, "anthropic", text_turn("done"))
    proc = tracker([str(flow), "--json"], cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    assert server.last_request.header("x-api-key") == key


def test_env_precedence_process_then_workdir_then_user_config(server: FakeServer, workdir: Path, tmp_path: Path) -> None:
    flow = one_agent(workdir)
    key_var, key = API_KEYS["anthropic"]
    config = tmp_path / "config" / "tracker"
    config.mkdir(parents=True)
    (config / ".env").write_text(f"{key_var}=sk-ant-from-config-000\nANTHROPIC_BASE_URL=http://127.0.0.1:9\n")
    (workdir / ".env").write_text(f"ANTHROPIC_BASE_URL={server.url}\n{key_var}=sk-ant-from-workdir-00\n")
    script(server, "anthropic", text_turn("done"), text_turn("done"))

    # the workdir file wins over the user config file
    proc = tracker([str(flow), "--json"], cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    assert server.last_request.header("x-api-key") == "sk-ant-from-workdir-00"

    # the process environment wins over both
    proc = tracker([str(flow), "--json"], cwd=workdir, env={key_var: key})
    assert proc.returncode == 0, proc.stderr
    assert server.last_request.header("x-api-key") == key


def test_the_user_config_env_file_alone_is_enough(server: FakeServer, workdir: Path, tmp_path: Path) -> None:
    flow = one_agent(workdir)
    key_var, key = API_KEYS["anthropic"]
    config = tmp_path / "config" / "tracker"
    config.mkdir(parents=True)
    (config / ".env").write_text(f"{key_var}={key}\nANTHROPIC_BASE_URL={server.url}\n")
    script(server, "anthropic", text_turn("done"))
    proc = tracker([str(flow), "--json"], cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    assert len(server.requests) == 1


def test_a_malformed_env_file_is_a_clear_error(workdir: Path) -> None:
    flow = one_agent(workdir)
    (workdir / ".env").write_text("GOOD=1\nBAD LINE\n")
    proc = tracker([str(flow)], cwd=workdir)
    assert proc.returncode == 1
    assert f"error: {workdir / '.env'}:2:5: expected '=' after BAD" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_env_file_can_set_tracker_variables(workdir: Path) -> None:
    flow = write_flow(
        workdir,
        """
        workflow Gate
          start: Start
          exit: Done

          agent Start
            label: Start

          human Accept
            prompt: "Accept anyway?"

          agent Done
            label: Done

          edges
            Start -> Accept
            Accept -> Done label: accept override: true
        """,
    )
    (workdir / ".env").write_text("TRACKER_FAIL_ON_OVERRIDE=1\n")
    proc = tracker([str(flow), "--json", "--auto-approve"], cwd=workdir)
    assert proc.returncode == 2, proc.stderr
    assert Stream.parse(proc.stdout).terminal()[0]["terminal_status"] == "validation_overridden"


def test_gateway_url_routes_agent_calls(server: FakeServer, workdir: Path) -> None:
    flow = one_agent(workdir)
    key_var, key = API_KEYS["anthropic"]
    script(server, "anthropic", text_turn("done"))
    proc = tracker([str(flow), "--json", "--gateway-url", f"{server.url}/gw/"], cwd=workdir, env={key_var: key})
    assert proc.returncode == 0, proc.stderr
    assert server.last_request.path == "/gw/anthropic/v1/messages"


def test_a_refused_gateway_route_is_reported_before_the_run(workdir: Path) -> None:
    flow = one_agent(workdir, model="deepseek-chat")
    key_var, key = API_KEYS["openai-compat"]
    proc = tracker(
        [str(flow), "--gateway-url", "http://127.0.0.1:9", "--gateway-kind", "bedrock"], cwd=workdir, env={key_var: key}
    )
    assert proc.returncode == 1
    assert "cannot set up the LLM client: gateway route refused" in proc.stderr
