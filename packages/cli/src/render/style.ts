/**
 * ANSI colours, and when to use them: never with `--no-color`, `NO_COLOR` or a dumb terminal,
 * always with `FORCE_COLOR` (other than `0`), otherwise only on a terminal.
 */
import type { OutputStream } from "../io.js";

/** Colour functions; all return the text unchanged when colours are off. */
export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const wrap = (enabled: boolean, open: number, close: number) => (text: string) =>
  enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;

/** A style with colours on or off. */
export function createStyle(enabled: boolean): Style {
  return {
    enabled,
    bold: wrap(enabled, 1, 22),
    dim: wrap(enabled, 2, 22),
    red: wrap(enabled, 31, 39),
    green: wrap(enabled, 32, 39),
    yellow: wrap(enabled, 33, 39),
    cyan: wrap(enabled, 36, 39),
  };
}

/** Whether to colour output written to `stream`. */
export function colorEnabled(
  stream: OutputStream,
  env: Readonly<Record<string, string | undefined>>,
  noColorFlag: boolean,
): boolean {
  if (noColorFlag) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== "") return force !== "0" && force !== "false";
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return stream.isTTY === true && env.TERM !== "dumb";
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

/** `text` without ANSI escape sequences. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

/** Columns `text` takes on a terminal (escapes excluded; one column per code point). */
export function visibleWidth(text: string): number {
  return [...stripAnsi(text)].length;
}

/** `text` cut to `width` columns (colours dropped when it has to be cut). */
export function truncate(text: string, width: number): string {
  if (visibleWidth(text) <= width) return text;
  const plain = [...stripAnsi(text)];
  return width <= 1 ? plain.slice(0, width).join("") : `${plain.slice(0, width - 1).join("")}…`;
}

/** `text` padded with spaces to `width` columns. */
export function padEnd(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - visibleWidth(text)));
}
