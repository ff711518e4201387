"""``--auto-approve``: deterministic answers, no waiting (engine spec §4.3.6).

choice → the default, else the first option; freeform → ``auto-approved``; hybrid → the
default, else the first label; interview → ``yes`` for yes/no questions, the first
option when there are options, else ``auto-approved``. Actor ``autopilot``.
"""

from __future__ import annotations

from tracker.gates import (
    ACTOR_AUTOPILOT,
    GateAnswer,
    GateRequest,
    InterviewResult,
    QuestionAnswer,
)

AUTO_TEXT = "auto-approved"


class AutoApproveInterviewer:
    actor = ACTOR_AUTOPILOT

    def supports(self, mode: str) -> bool:
        return True

    async def ask(self, request: GateRequest) -> GateAnswer:
        if request.mode == "interview":
            answers = []
            for q in request.questions:
                if q.yes_no:
                    value = "yes"
                elif q.options:
                    value = q.options[0]
                else:
                    value = AUTO_TEXT
                answers.append(QuestionAnswer(q.id, q.text, list(q.options), value))
            return GateAnswer(interview=InterviewResult(answers), actor=self.actor)
        if request.mode == "freeform":
            return GateAnswer(AUTO_TEXT, actor=self.actor)
        if request.mode == "yes_no":
            return GateAnswer("Yes", actor=self.actor)
        options = request.choices
        if request.default and (request.mode == "hybrid" or request.default in options):
            return GateAnswer(request.default, actor=self.actor)
        return GateAnswer(options[0] if options else AUTO_TEXT, actor=self.actor)

    async def close(self) -> None:
        return None
