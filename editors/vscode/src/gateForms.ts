/**
 * Gate forms: what the run panel shows for an open human gate, built from the server's
 * `tracker/gateOpened` payload, and the answer object a submitted form turns into. One
 * form per mode: choice buttons, free text, hybrid (choices plus text), yes/no, and
 * interview (one field per parsed question). No VS Code API or DOM is used here.
 */
import type { GateAnswer, GateOpened, GateQuestion } from "./protocol";

export type FormField =
  | { type: "text"; id: string; label: string; value: string; multiline: boolean; required: boolean }
  | { type: "select"; id: string; label: string; options: string[]; value: string }
  | { type: "confirm"; id: string; label: string; value: "" | "yes" | "no" };

export interface FormAction {
  id: string;
  label: string;
  /** `choice` answers with `value` at once; `submit` answers with the fields. */
  kind: "choice" | "submit";
  value?: string;
  primary: boolean;
}

export interface GateForm {
  runId: string;
  gateId: string;
  nodeId: string;
  mode: GateOpened["mode"];
  title: string;
  prompt: string;
  fields: FormField[];
  actions: FormAction[];
  timeoutSeconds?: number;
}

export const FREEFORM_FIELD = "freeform";

function isDefault(gate: GateOpened, choice: string): boolean {
  return Boolean(gate.default) && gate.default!.toLowerCase() === choice.toLowerCase();
}

function choiceActions(gate: GateOpened, choices: string[]): FormAction[] {
  const anyDefault = choices.some((c) => isDefault(gate, c));
  return choices.map((choice, index) => ({
    id: `choice-${index}`,
    label: choice,
    kind: "choice",
    value: choice,
    primary: anyDefault ? isDefault(gate, choice) : index === 0,
  }));
}

function questionField(question: GateQuestion): FormField {
  const label = question.text;
  switch (question.kind) {
    case "select": {
      const options = question.options.length ? question.options : [""];
      const prefill = question.prefill
        ? options.find((o) => o.toLowerCase() === question.prefill!.toLowerCase())
        : undefined;
      return { type: "select", id: question.id, label, options, value: prefill ?? options[0] };
    }
    case "confirm": {
      const prefill = (question.prefill ?? "").toLowerCase();
      const value = ["yes", "y", "true"].includes(prefill) ? "yes" : ["no", "n", "false"].includes(prefill) ? "no" : "";
      return { type: "confirm", id: question.id, label, value };
    }
    default:
      return { type: "text", id: question.id, label, value: question.prefill ?? "", multiline: false, required: false };
  }
}

/** The form for one open gate. */
export function buildGateForm(gate: GateOpened): GateForm {
  const form: GateForm = {
    runId: gate.runId,
    gateId: gate.gateId,
    nodeId: gate.nodeId,
    mode: gate.mode,
    title: gate.label || gate.nodeId,
    prompt: gate.prompt && gate.prompt !== gate.label ? gate.prompt : "",
    fields: [],
    actions: [],
    timeoutSeconds: gate.timeoutSeconds,
  };
  switch (gate.mode) {
    case "choice":
      form.actions = choiceActions(gate, gate.choices);
      break;
    case "yes_no":
      form.actions = choiceActions(gate, gate.choices.length ? gate.choices : ["Yes", "No"]);
      break;
    case "freeform":
      form.fields = [
        { type: "text", id: FREEFORM_FIELD, label: "Answer", value: gate.default ?? "", multiline: true, required: true },
      ];
      form.actions = [{ id: "submit", label: "Send", kind: "submit", primary: true }];
      break;
    case "hybrid":
      form.actions = [
        ...choiceActions(gate, gate.choices),
        { id: "submit", label: "Send text", kind: "submit", primary: false },
      ];
      form.fields = [
        { type: "text", id: FREEFORM_FIELD, label: "Or write your own", value: "", multiline: true, required: true },
      ];
      break;
    case "interview":
      form.fields = gate.questions.map(questionField);
      form.actions = [{ id: "submit", label: "Submit answers", kind: "submit", primary: true }];
      break;
    default:
      form.actions = choiceActions(gate, gate.choices);
  }
  return form;
}

export class FormError extends Error {}

/**
 * The `tracker.answerGate` answer for a form: `action` is the clicked action's ID and
 * `values` the current field values by field ID. Throws {@link FormError} when the form
 * cannot be sent as it is (empty required text).
 */
export function answerFromForm(form: GateForm, actionId: string, values: Record<string, string>): GateAnswer {
  const action = form.actions.find((a) => a.id === actionId);
  if (!action) throw new FormError(`unknown action ${actionId}`);
  if (action.kind === "choice") return { choice: action.value ?? action.label };
  if (form.mode === "interview") {
    const answers: Record<string, string> = {};
    for (const field of form.fields) {
      const value = (values[field.id] ?? field.value ?? "").trim();
      if (value) answers[field.id] = value;
    }
    return { answers };
  }
  const text = (values[FREEFORM_FIELD] ?? "").trim();
  if (!text) throw new FormError("Write an answer first.");
  return { freeform: text };
}

/** A one-line description of an answer, for notifications and the log. */
export function describeAnswer(answer: GateAnswer | null | undefined): string {
  if (!answer) return "no answer";
  if (answer.choice !== undefined) return answer.choice;
  if (answer.freeform !== undefined) return answer.freeform;
  if (answer.answers) {
    return Object.entries(answer.answers)
      .map(([id, value]) => `${id}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
      .join(", ");
  }
  return JSON.stringify(answer);
}
