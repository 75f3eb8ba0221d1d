/**
 * The abort side of a running stage: `ctx.signal`, created only when the stage reads it. Most
 * stages never do, and an `AbortController` (plus a listener on the host's signal) per stage
 * is a measurable share of a trivial stage's cost. Aborts that come before the signal exists
 * are remembered and applied when it is created.
 */

/** Aborts one stage execution; `signal` is created on first use. */
export class StageAbort {
  private controller: AbortController | undefined;
  private early: { reason: unknown } | undefined;

  /** @param outer the host's signal (shutdown, timeout), followed by this one. */
  constructor(private readonly outer?: AbortSignal) {}

  /** The stage's `ctx.signal`. */
  get signal(): AbortSignal {
    if (!this.controller) {
      const controller = new AbortController();
      this.controller = controller;
      if (this.early) controller.abort(this.early.reason);
      else if (this.outer?.aborted) controller.abort(this.outer.reason);
      else if (this.outer) {
        const outer = this.outer;
        outer.addEventListener("abort", () => controller.abort(outer.reason), { once: true });
      }
    }
    return this.controller.signal;
  }

  /** Whether the stage was aborted, by `abort` or by the host's signal. */
  get aborted(): boolean {
    return (
      this.early !== undefined ||
      this.controller?.signal.aborted === true ||
      this.outer?.aborted === true
    );
  }

  /** Why it was aborted, if it was. */
  get reason(): unknown {
    if (this.early) return this.early.reason;
    if (this.controller?.signal.aborted) return this.controller.signal.reason;
    return this.outer?.aborted ? this.outer.reason : undefined;
  }

  /** Aborts the stage (once; later calls change nothing). */
  abort(reason: unknown): void {
    if (this.aborted) return;
    if (this.controller) this.controller.abort(reason);
    else this.early = { reason };
  }
}
