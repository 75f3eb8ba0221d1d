/**
 * What the CLI touches of its process — output streams, environment, working directory —
 * behind an interface, so tests run commands against fake streams.
 */

/** A stream the CLI writes text to (`process.stdout`, or a fake in tests). */
export interface OutputStream {
  write(chunk: string): unknown;
  /** True for a terminal: progress is then drawn live. */
  isTTY?: boolean;
  /** Terminal width, when known. */
  columns?: number;
  /** Terminal height, when known. */
  rows?: number;
}

/** The CLI's view of its process. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths (SQLite files, `--workflows` modules) are resolved against. */
  cwd: string;
}

/** The real process. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}
