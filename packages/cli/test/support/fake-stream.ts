/**
 * A fake output stream that records what is written, posing as a terminal or a pipe.
 */
import type { CliIo, OutputStream } from "../../src/io.js";

/** Records writes; `isTTY`, `columns` and `rows` as given. */
export class FakeStream implements OutputStream {
  readonly chunks: string[] = [];

  constructor(
    readonly isTTY = false,
    readonly columns = 100,
    readonly rows = 40,
  ) {}

  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }

  /** Everything written. */
  get text(): string {
    return this.chunks.join("");
  }
}

/** A fake `CliIo` over two fake pipes. */
export function fakeIo(
  options: { cwd?: string; env?: Record<string, string>; tty?: boolean } = {},
): CliIo & { stdout: FakeStream; stderr: FakeStream } {
  return {
    stdout: new FakeStream(options.tty ?? false),
    stderr: new FakeStream(options.tty ?? false),
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
  };
}
