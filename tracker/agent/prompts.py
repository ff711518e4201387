"""The fixed texts a session sends to the model, in this project's own words.

Only the first line of the prior-attempts message is a compatibility string (engine spec
§5.2.1); everything else may be reworded freely.
"""

from __future__ import annotations

BASE_SYSTEM_PROMPT = (
    "You are a coding agent working in a project directory. The file tools (read, write, "
    "edit, glob, grep_search, apply_patch) take paths relative to the working directory: "
    "write `src/app.py`, not `/home/me/project/src/app.py`. Shell commands run through the "
    "bash tool may use absolute paths. At meaningful moments (starting or finishing a "
    "phase, a notable result) call report_status with one short, honest sentence about "
    "what you are doing or have just finished and how far along the job is. Do it "
    "alongside real work rather than on every turn, and describe the actual work instead "
    "of repeating the name of the step."
)

RESTRICTED_SYSTEM_PROMPT = (
    "Reply with plain text only and do not try to call any tool. No tools are available "
    "in this session."
)

COMMIT_ONLY_GUARD = (
    "Scope restriction: in this step you may only inspect the project and commit work that "
    "already exists. Do not create, edit or delete source files. If the implementation this "
    "step expects is missing, stop and reply with `STATUS: fail`."
)

PRIOR_ATTEMPTS_HEADER = "Prior attempts summary (avoid repeating failed approaches):"

PLANNING_REQUEST = (
    "Before changing anything, outline your plan: which files you will look at, what you "
    "will change, and in which order. Do not call any tools yet."
)
PLANNING_GO = "Now carry out the plan, making progress with tool calls."

TRUNCATED_CONTINUE = (
    "Your previous response was cut off at the output limit. Continue exactly where it "
    "stopped, and prefer tool calls (write, edit, apply_patch) over long blocks of text."
)
TRUNCATED_CALL_RESULT = (
    "This call was NOT executed: your previous response was cut off at the output limit, "
    "so its arguments may be incomplete. Issue the call again with complete arguments."
)
EMPTY_RESPONSE_RETRY = "Your previous response was empty. Please give your response now."
REFLECTION = (
    "At least one tool call failed. Before going on, say briefly what went wrong, which "
    "assumption turned out to be wrong, and the smallest fix; then continue."
)
TOOLS_DISABLED_RESULT = (
    "This call was NOT executed: tools are disabled in this session. Reply with plain text."
)
STEERING_PREFIX = "[STEERING] "


def verify_repair_prompt(command: str, exit_code: int, output: str) -> str:
    return (
        "Verification failed after your edits.\n"
        f"Command: {command}\n"
        f"Exit code: {exit_code}\n"
        "Output (truncated to the last 16KB):\n"
        f"{output}\n\n"
        "Fix the failing test or lint problem; verification will run again afterwards."
    )


def prior_attempts_message(summaries: list[str]) -> str:
    """The user message listing earlier attempts, or ``""`` when every summary is blank."""
    blocks: list[str] = []
    for summary in (s for s in summaries if s.strip()):
        lines = [f"  - {line.strip()}" for line in summary.splitlines() if line.strip()]
        blocks.append("\n".join([f"Attempt {len(blocks) + 1}:", *lines]))
    if not blocks:
        return ""
    return "\n".join([PRIOR_ATTEMPTS_HEADER, *blocks]).strip()
