/**
 * A stream with the style chosen for it: what commands print through.
 */
import type { OutputStream } from "../io.js";
import { createStyle, type Style } from "./style.js";

/** Writes lines to a stream. */
export interface Printer {
  readonly stream: OutputStream;
  readonly style: Style;
  /** Writes `text` and a newline. */
  line(text?: string): void;
  /** Writes `value` as indented JSON and a newline. */
  json(value: unknown): void;
}

/** A printer over `stream`, colouring when `color` is true. */
export function createPrinter(stream: OutputStream, color: boolean): Printer {
  return {
    stream,
    style: createStyle(color),
    line(text = "") {
      stream.write(`${text}\n`);
    },
    json(value) {
      stream.write(`${JSON.stringify(value, null, 2)}\n`);
    },
  };
}
