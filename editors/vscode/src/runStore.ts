/**
 * The runs this window knows: one {@link RunModel} per run ID, fed by the server's
 * notifications (and by snapshots fetched on demand). Panels subscribe to a run's raw
 * messages; the tree view and status bar listen to {@link RunStore.onDidChange}.
 */
import * as vscode from "vscode";
import type { GateClosed, GateOpened, RunSnapshot } from "./protocol";
import { applyMessage, createModel, type RunMessage, type RunModel } from "./runModel";

export class RunStore implements vscode.Disposable {
  readonly models = new Map<string, RunModel>();
  private readonly subscribers = new Map<string, Set<(message: RunMessage) => void>>();
  private readonly changed = new vscode.EventEmitter<string>();
  private readonly gateOpened = new vscode.EventEmitter<GateOpened>();
  private readonly gateClosed = new vscode.EventEmitter<GateClosed>();
  readonly onDidChange = this.changed.event;
  readonly onGateOpened = this.gateOpened.event;
  readonly onGateClosed = this.gateClosed.event;

  get(runId: string): RunModel | undefined {
    return this.models.get(runId);
  }

  model(runId: string): RunModel {
    let model = this.models.get(runId);
    if (!model) {
      model = createModel(runId);
      this.models.set(runId, model);
    }
    return model;
  }

  apply(runId: string, message: RunMessage): void {
    const model = this.model(runId);
    const wasOpen = message.type === "gateOpened" && model.gates.some((g) => g.gateId === message.gate.gateId);
    const alreadyClosed = message.type === "gateOpened" && message.gate.gateId in model.closedGates;
    applyMessage(model, message);
    for (const subscriber of this.subscribers.get(runId) ?? []) subscriber(message);
    if (message.type === "gateOpened" && !wasOpen && !alreadyClosed) this.gateOpened.fire(message.gate);
    if (message.type === "gateClosed") this.gateClosed.fire(message.closed);
    if (message.type !== "event" || message.params.event.type.startsWith("pipeline_")) this.changed.fire(runId);
  }

  /** Replace what is known about a run with a full snapshot (restore, resume). */
  reset(snapshot: RunSnapshot): RunModel {
    const model = createModel(snapshot.runId);
    this.models.set(snapshot.runId, model);
    applyMessage(model, { type: "snapshot", snapshot });
    this.changed.fire(snapshot.runId);
    return model;
  }

  subscribe(runId: string, subscriber: (message: RunMessage) => void): vscode.Disposable {
    let set = this.subscribers.get(runId);
    if (!set) {
      set = new Set();
      this.subscribers.set(runId, set);
    }
    set.add(subscriber);
    return new vscode.Disposable(() => set!.delete(subscriber));
  }

  active(): RunModel[] {
    return [...this.models.values()].filter((m) => m.active);
  }

  dispose(): void {
    this.changed.dispose();
    this.gateOpened.dispose();
    this.gateClosed.dispose();
  }
}
