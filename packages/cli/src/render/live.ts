/**
 * The live view on a terminal: the frame is redrawn in place (cursor up, clear to the end of
 * the screen, draw) every `intervalMs`, so durations tick and spinners turn; `stop()` draws
 * the final frame and leaves it on screen.
 */
import type { OutputStream } from "../io.js";
import type { ProgressTracker } from "../progress/tracker.js";
import { renderFrame, SPINNER } from "./frame.js";
import type { Style } from "./style.js";

/** Options of {@link LiveRenderer}. */
export interface LiveOptions {
  /** Between redraws (default 100 ms). */
  intervalMs?: number;
  /** Lines under the runs, computed at each redraw. */
  footer?: () => readonly string[];
  /** The time (default `Date.now`). */
  now?: () => number;
}

const CURSOR_UP = (n: number) => `\u001b[${n}A`;
const CLEAR_DOWN = "\u001b[0J";

/** Redraws the tracked runs in place until stopped. */
export class LiveRenderer {
  private timer: ReturnType<typeof setInterval> | undefined;
  private drawnLines = 0;
  private frames = 0;

  constructor(
    private readonly stream: OutputStream,
    private readonly tracker: ProgressTracker,
    private readonly style: Style,
    private readonly options: LiveOptions = {},
  ) {}

  /** Draws the first frame and starts redrawing. */
  start(): void {
    if (this.timer) return;
    this.draw();
    this.timer = setInterval(() => this.draw(), this.options.intervalMs ?? 100);
    this.timer.unref?.();
  }

  /** Stops redrawing and draws the final frame. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.draw();
  }

  /** Draws one frame over the previous one. */
  draw(): void {
    const lines = renderFrame(this.tracker.list(), {
      now: (this.options.now ?? Date.now)(),
      style: this.style,
      columns: this.stream.columns ?? 80,
      rows: this.stream.rows ?? 24,
      spinner: SPINNER[this.frames++ % SPINNER.length] ?? "…",
      footer: this.options.footer?.() ?? [],
    });
    const up = this.drawnLines > 0 ? CURSOR_UP(this.drawnLines) : "";
    this.stream.write(`${up}\r${CLEAR_DOWN}${lines.map((line) => `${line}\n`).join("")}`);
    this.drawnLines = lines.length;
  }
}
