/**
 * What the simulation does with signals and child runs: it sends signals at random times
 * (before a run reaches its wait, while it waits, after it ended), sends one id twice and one
 * payload under two ids, races a signal against a wait's time-out (one of the two commands
 * paused half-way while the other runs), crashes a worker right after a child run's end
 * commits and right after that end reached the parent, and follows the child runs the kernel
 * starts as runs of the simulation. Once faults stop, every run still waiting for a signal it
 * cannot time out of gets one — except a child whose parent has ended: the kernel must cancel it.
 */
import { dutyCommand } from "../../duties/duties.js";
import { RatchetError } from "../../errors.js";
import { signalGroupOf } from "../../in-memory/store.js";
import type { Kernel } from "../../kernel.js";
import { isTerminalRunStatus, type JsonValue, type RunRecord } from "../../records.js";
import {
  type ArmedCrash,
  armCrash,
  childEndDeliveredSince,
  childEndedSince,
} from "./aimed-crashes.js";
import { SIMULATION_STALE_LEASE_GRACE_MS } from "./clocks.js";
import type { Task, Worker } from "./core.js";
import { isSimulatedDatabaseError, SimulatedCrash } from "./faults.js";
import type { SignalSend } from "./signal-log.js";
import { SimulationTasks } from "./tasks.js";
import { summarise } from "./trace.js";
import { targetGroup } from "./wait-model.js";
import { signalKeyOf, WAIT_TARGETS } from "./wait-workflows.js";

/** Where a signal goes: a run's own, or a key's. */
interface Destination {
  /** The run it is meant for (by key, the run waiting for the key). */
  runId: string;
  name: string;
  /** Sent by this key rather than to the run. */
  key?: string;
}

/** Steps an aimed crash stays armed for before it is given up. */
const ARMED_STEPS = 30;

/** The signal and child-run actions of the fault phase, and the quiescent phase's last signals. */
export abstract class SimulationWaitActions extends SimulationTasks {
  private signalSeq = 0;
  private runsSeen = 0;
  /** The child runs adopted as the simulation's runs. */
  private readonly children: string[] = [];
  /** The crash aimed at a child's end or its delivery, while it is armed. */
  private armed: ArmedCrash | undefined;

  /** Adopts new child runs and gives up an expired aimed crash, then checks the invariants. */
  protected override verify(): void {
    // Put off (see SimulationTasks.verify): a child run seen now may yet roll back.
    if (this.transactions.open > 0) {
      super.verify();
      return;
    }
    this.adoptChildRuns();
    if (this.armed && (this.step > this.armed.until || this.phase !== "faults")) {
      this.armed.disarm();
      this.armed = undefined;
    }
    super.verify();
  }

  /** The weight of a signal or child-run action among a step's actions (0: nothing to do). */
  protected waitWeight(): number {
    if (this.children.length > 0) return 3;
    for (const runId of this.runIds) {
      const workflowId = this.store.runs.get(runId)?.workflowId;
      if (workflowId !== undefined && WAIT_TARGETS[workflowId]) return 3;
    }
    return 0;
  }

  /** One signal or child-run action of the fault phase. */
  protected async waitStep(): Promise<void> {
    const sent = this.signalLog.sends.length > 0;
    const faults = this.faultsOn;
    const weights = [
      5, // a signal to a random destination, whenever
      sent ? 1 : 0, // an id sent before, again (another payload)
      sent ? 1 : 0, // a payload sent before, under a new id
      faults && this.timedWaits().length > 0 ? 2 : 0, // a signal racing a time-out
      faults && !this.armed && this.children.some((id) => this.isOpen(id)) ? 2 : 0, // crash after a child's end
      faults && !this.armed && this.children.length > 0 ? 2 : 0, // crash after a child's end reached its parent
    ];
    const worker = this.prng.pick(this.workers);
    switch (this.prng.weighted(weights)) {
      case 0: {
        const destinations = this.destinations();
        if (destinations.length > 0) await this.sendNew(worker, this.prng.pick(destinations), "");
        return;
      }
      case 1:
        return this.sendAgain(worker, this.prng.pick(this.signalLog.sends), "id");
      case 2:
        return this.sendAgain(worker, this.prng.pick(this.signalLog.sends), "content");
      case 3:
        return this.raceTimeout();
      case 4:
        return this.armCrash("child-end");
      case 5:
        return this.armCrash("delivery");
      default:
    }
  }

  /**
   * The quiescent phase's signals: each run still to reach (or waiting at) a wait with no
   * time-out gets the signals it lacks, so it can end — unless it is a child whose parent has
   * ended.
   */
  protected async releaseWaiters(): Promise<void> {
    for (const runId of [...this.runIds]) {
      const run = this.store.runs.get(runId);
      const targets = run && WAIT_TARGETS[run.workflowId];
      if (!run || !targets || isTerminalRunStatus(run.status) || this.parentEnded(run)) continue;
      const needed = new Map<string, number>();
      for (const target of targets)
        if (target.timeoutMs === undefined) {
          const group = targetGroup(run, target);
          needed.set(group, (needed.get(group) ?? 0) + 1);
        }
      for (const target of targets) {
        const group = targetGroup(run, target);
        let missing = (needed.get(group) ?? 0) - this.storedIn(group);
        needed.delete(group);
        for (; missing > 0; missing--) {
          await this.sendNew(
            this.prng.pick(this.workers),
            this.destinationOf(run, target),
            "last ",
          );
          this.step++;
          this.verify();
        }
      }
    }
  }

  // ---- signals --------------------------------------------------------------------------------

  /** Sends a new signal (fresh id and payload) to `to`. */
  private async sendNew(worker: Worker, to: Destination, label: string): Promise<void> {
    const signalId = this.nextSignalId();
    await this.send(worker, to, signalId, { n: this.signalSeq }, label);
  }

  /** Sends `earlier`'s id with another payload, or its payload under a new id. */
  private async sendAgain(worker: Worker, earlier: SignalSend, same: "id" | "content") {
    const to: Destination = {
      runId: earlier.runId ?? this.runOfKey(earlier.key as string, earlier.name),
      name: earlier.name,
      ...(earlier.key !== undefined ? { key: earlier.key } : {}),
    };
    const run = this.store.runs.get(to.runId);
    if (run && this.parentEnded(run)) return;
    if (same === "id") {
      this.result.waits.sameIdAgain++;
      this.signalSeq += 1;
      await this.send(worker, to, earlier.signalId, { n: this.signalSeq, again: true }, "same id ");
    } else {
      this.result.waits.sameContentAgain++;
      await this.send(worker, to, this.nextSignalId(), earlier.payload, "same content ");
    }
  }

  private nextSignalId(): string {
    this.signalSeq += 1;
    return `sig-${String(this.signalSeq).padStart(5, "0")}`;
  }

  /** Sends one signal as a task, recording it and what `run.signal` answered. */
  private async send(
    worker: Worker,
    to: Destination,
    signalId: string,
    payload: JsonValue,
    label: string,
  ): Promise<void> {
    const run = this.store.runs.get(to.runId);
    const send = this.signalLog.add({
      signalId,
      name: to.name,
      ...(to.key !== undefined ? { key: to.key } : { runId: to.runId }),
      payload,
      step: this.step,
      toEndedRun:
        to.key === undefined &&
        run !== undefined &&
        isTerminalRunStatus(run.status) &&
        this.store.signals.get(signalId) === undefined,
    });
    const counts = this.result.waits;
    counts.signalsSent++;
    const described = `${label}run.signal ${signalId} ${to.name} → ${to.key !== undefined ? `key ${to.key}` : to.runId}`;
    await this.task(worker, described, async (k) => {
      this.result.commands++;
      try {
        const result = await k.dispatch({
          type: "run.signal",
          ...(to.key !== undefined ? { key: to.key } : { workflowRunId: to.runId }),
          name: to.name,
          payload,
          signalId,
        });
        send.outcome = {
          status: result.status,
          ...(result.workflowRunId !== undefined ? { runId: result.workflowRunId } : {}),
          ...(result.stageId !== undefined ? { stageId: result.stageId } : {}),
        };
        if (result.status === "delivered") counts.delivered++;
        else if (result.status === "buffered") counts.buffered++;
        else counts.duplicates++;
        this.note(`${worker.id} ${described} → ${summarise(result)}`);
      } catch (error) {
        send.outcome = { error: errorCode(error) };
        if (send.outcome.error === "RUN_ENDED") counts.refusedEnded++;
        throw error;
      }
    });
  }

  /**
   * A signal racing a time-out: the clock is moved to about when a timed wait comes due, then
   * a signal is sent and the scheduler fired (which times the wait out), in either order, the
   * first of them paused a few port calls in (before or after its commit) while the other runs.
   */
  private async raceTimeout(): Promise<void> {
    const wait = this.prng.pick(this.timedWaits());
    const due = (wait.expiresAt as Date).getTime() + this.prng.int(-1_500, 2_500);
    const now = this.clock.now().getTime();
    if (due > now) this.clock.advance(due - now);
    const to: Destination = {
      runId: wait.runId,
      name: wait.name,
      ...(wait.matchKey !== null ? { key: wait.matchKey } : {}),
    };
    this.result.waits.timeoutRaces++;
    const slots = [this.prng.pick(this.workers).slot, this.prng.pick(this.workers).slot];
    const live = (slot: number) => this.workers[slot] as Worker;
    const signal = () => this.sendNew(live(slots[0] as number), to, "racing ");
    const timeOut = () => {
      const worker = live(slots[1] as number);
      const command = dutyCommand("schedule", {
        workerId: worker.id,
        staleLeaseThresholdMs: SIMULATION_STALE_LEASE_GRACE_MS,
      });
      return this.command(worker, "racing schedule.fireDue", (k) => k.dispatch(command as never));
    };
    const signalFirst = this.prng.chance(0.5);
    const [first, second] = signalFirst ? [signal, timeOut] : [timeOut, signal];
    const pausing = live((signalFirst ? slots[0] : slots[1]) as number);
    pausing.faults.pauseInCalls = this.prng.int(1, 6);
    const before = this.paused.length;
    await first();
    pausing.faults.pauseInCalls = undefined;
    const mine: Task | undefined =
      this.paused.length > before ? this.paused[this.paused.length - 1] : undefined;
    this.verify();
    await second();
    this.verify();
    const at = mine ? this.paused.indexOf(mine) : -1;
    if (mine && at >= 0 && this.workers[mine.worker.slot] === mine.worker) {
      this.paused.splice(at, 1);
      await this.resume(mine);
    }
  }

  /** Runs one command as a task and traces its result. */
  private async command(
    worker: Worker,
    label: string,
    dispatch: (kernel: Kernel) => Promise<unknown>,
  ): Promise<void> {
    await this.task(worker, label, async (k) => {
      this.result.commands++;
      const result = await dispatch(k);
      this.note(`${worker.id} ${label} → ${summarise(result)}`);
    });
  }

  /** Arms every worker to die right after a child's end, or its delivery (`aimed-crashes.ts`). */
  private armCrash(kind: "child-end" | "delivery"): void {
    const happened =
      kind === "child-end"
        ? childEndedSince(this.store, this.children)
        : childEndDeliveredSince(this.store);
    const died = (worker: Worker, what: string, where: string) => {
      this.armed = undefined;
      if (kind === "child-end") this.result.waits.childEndCrashes++;
      else this.result.waits.deliveryCrashes++;
      this.note(`${worker.id} dies right after ${what} (${where})`);
    };
    this.armed = armCrash(this.workers, happened, died, this.step + ARMED_STEPS);
    this.note(
      `workers armed to die after a child run's ${kind === "child-end" ? "end" : "end's delivery"}`,
    );
  }

  // ---- runs ---------------------------------------------------------------------------------------

  /** Takes the child runs the kernel started (of the simulation's runs) as runs of the simulation. */
  private adoptChildRuns(): void {
    const runs = this.store.runs;
    if (runs.size === this.runsSeen) return;
    this.runsSeen = runs.size;
    const known = new Set(this.runIds);
    for (const run of runs.values()) {
      if (run.parentRunId === null || known.has(run.id) || !known.has(run.parentRunId)) continue;
      this.runIds.push(run.id);
      this.children.push(run.id);
      known.add(run.id);
      this.result.waits.childRuns++;
    }
  }

  /** Where the simulation's runs wait for signals (a child whose parent ended: nowhere). */
  private destinations(): Destination[] {
    const out: Destination[] = [];
    for (const runId of this.runIds) {
      const run = this.store.runs.get(runId);
      const targets = run && WAIT_TARGETS[run.workflowId];
      if (!run || !targets || this.parentEnded(run)) continue;
      for (const target of targets) out.push(this.destinationOf(run, target));
    }
    return out;
  }

  private destinationOf(run: RunRecord, target: { name: string; keyed: boolean }): Destination {
    return {
      runId: run.id,
      name: target.name,
      ...(target.keyed ? { key: signalKeyOf(run.workflowId, run.input) } : {}),
    };
  }

  /** The run a key belongs to (keys are unique per workflow and input). */
  private runOfKey(key: string, name: string): string {
    for (const runId of this.runIds) {
      const run = this.store.runs.get(runId);
      const keyed = run && WAIT_TARGETS[run.workflowId]?.some((t) => t.keyed && t.name === name);
      if (keyed && signalKeyOf(run.workflowId, run.input) === key) return runId;
    }
    return "";
  }

  /** Waits with a time-out of the simulation's running runs. */
  private timedWaits() {
    const waits = [];
    for (const wait of this.store.signalWaits.values()) {
      if (wait.expiresAt === null || wait.kind !== "signal") continue;
      if (this.store.runs.get(wait.runId)?.status === "RUNNING") waits.push(wait);
    }
    return waits;
  }

  /** Signals stored in `group` (consumed or not). */
  private storedIn(group: string): number {
    let count = 0;
    for (const signal of this.store.signals.values()) if (signalGroupOf(signal) === group) count++;
    return count;
  }

  private isOpen(runId: string): boolean {
    const run = this.store.runs.get(runId);
    return run !== undefined && !isTerminalRunStatus(run.status);
  }

  private parentEnded(run: RunRecord): boolean {
    if (run.parentRunId === null) return false;
    const parent = this.store.runs.get(run.parentRunId);
    return parent !== undefined && isTerminalRunStatus(parent.status);
  }
}

/** How a send's error is recorded (see `SignalSendOutcome`). */
function errorCode(error: unknown): string {
  if (error instanceof SimulatedCrash) return "CRASH";
  if (isSimulatedDatabaseError(error)) return "DATABASE_ERROR";
  if (error instanceof RatchetError) return error.code;
  return "ERROR";
}
