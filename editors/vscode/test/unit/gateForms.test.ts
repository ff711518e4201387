/** Gate forms for every mode, built from the gates the real server opened. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { answerFromForm, buildGateForm, describeAnswer, FormError, FREEFORM_FIELD } from "../../src/gateForms";
import type { GateOpened } from "../../src/protocol";
import { gatesOf } from "./fixtures";

const recordedGates = gatesOf("gate_modes");
const byMode = (mode: string): GateOpened => {
  const gate = recordedGates.find((g) => g.mode === mode);
  assert.ok(gate, `the recording has a ${mode} gate`);
  return gate;
};

describe("gate forms", () => {
  test("choice: one button per choice, the default first in weight", () => {
    const form = buildGateForm(byMode("choice"));
    assert.deepEqual(form.fields, []);
    assert.deepEqual(
      form.actions.map((a) => [a.label, a.kind, a.primary]),
      [
        ["vanilla", "choice", true],
        ["chocolate", "choice", false],
      ],
    );
    assert.deepEqual(answerFromForm(form, form.actions[1].id, {}), { choice: "chocolate" });
  });

  test("yes/no: Yes and No buttons answering with the choice", () => {
    const form = buildGateForm(byMode("yes_no"));
    assert.deepEqual(form.actions.map((a) => a.label), ["Yes", "No"]);
    assert.deepEqual(answerFromForm(form, form.actions[1].id, {}), { choice: "No" });
    const bare = buildGateForm({ ...byMode("yes_no"), choices: [] });
    assert.deepEqual(bare.actions.map((a) => a.label), ["Yes", "No"]);
  });

  test("hybrid: the choices plus a text field sent as freeform", () => {
    const gate = byMode("hybrid");
    const form = buildGateForm(gate);
    assert.deepEqual(form.actions.map((a) => a.label), ["formal", "casual", "Send text"]);
    assert.equal(form.actions.find((a) => a.label === "casual")!.primary, true, "the default is primary");
    assert.equal(form.fields.length, 1);
    assert.equal(form.fields[0].type, "text");
    assert.match(form.prompt, /Pick a tone/);
    assert.deepEqual(answerFromForm(form, "submit", { [FREEFORM_FIELD]: "  warm  " }), { freeform: "warm" });
    assert.deepEqual(answerFromForm(form, form.actions[0].id, {}), { choice: "formal" });
    assert.throws(() => answerFromForm(form, "submit", { [FREEFORM_FIELD]: " " }), FormError);
  });

  test("freeform: one text area prefilled with the default", () => {
    const gate: GateOpened = { ...byMode("hybrid"), mode: "freeform", choices: [], default: "casual" };
    const form = buildGateForm(gate);
    assert.deepEqual(form.fields.map((f) => [f.type, f.id, f.type === "text" && f.value]), [["text", FREEFORM_FIELD, "casual"]]);
    assert.deepEqual(form.actions.map((a) => a.kind), ["submit"]);
    assert.deepEqual(answerFromForm(form, "submit", { [FREEFORM_FIELD]: "formal please" }), { freeform: "formal please" });
  });

  test("interview: one field per parsed question (text, confirm, select)", () => {
    const gate = byMode("interview");
    const form = buildGateForm(gate);
    assert.deepEqual(
      form.fields.map((f) => f.type),
      gate.questions.map((q) => q.kind),
    );
    assert.deepEqual(form.fields.map((f) => f.type), ["text", "confirm", "select"]);
    const select = form.fields[2];
    assert.equal(select.type, "select");
    assert.deepEqual(select.type === "select" && select.options, ["email", "chat"]); // the server keeps "other" out of the options
    const ids = form.fields.map((f) => f.id);
    const answer = answerFromForm(form, "submit", { [ids[0]]: "Tracker", [ids[1]]: "yes", [ids[2]]: "chat" });
    assert.deepEqual(answer, { answers: { [ids[0]]: "Tracker", [ids[1]]: "yes", [ids[2]]: "chat" } });
    assert.equal(describeAnswer(answer), `${ids[0]}: Tracker, ${ids[1]}: yes, ${ids[2]}: chat`);
  });

  test("interview: prefills from an earlier answer, blank answers are left out", () => {
    const gate = byMode("interview");
    const prefilled: GateOpened = {
      ...gate,
      questions: gate.questions.map((q) => ({ ...q, prefill: q.kind === "select" ? "CHAT" : q.kind === "confirm" ? "no" : "Tracker" })),
    };
    const form = buildGateForm(prefilled);
    assert.deepEqual(
      form.fields.map((f) => f.value),
      ["Tracker", "no", "chat"],
    );
    const answer = answerFromForm(form, "submit", { [form.fields[0].id]: "  " });
    assert.deepEqual(Object.keys(answer.answers ?? {}), [form.fields[1].id, form.fields[2].id]);
  });

  test("the title is the gate's label; a prompt equal to the label is not repeated", () => {
    const form = buildGateForm(byMode("yes_no"));
    assert.equal(form.title, "Ready to begin?");
    assert.equal(form.prompt, "");
  });
});
