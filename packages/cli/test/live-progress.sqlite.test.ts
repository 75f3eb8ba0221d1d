/**
 * `run --wait` in process on a fake terminal: the live view redraws in place while the run
 * executes on a temporary SQLite file, and leaves the final frame on screen.
 */
import { createSqliteFile } from "@ratchet/prisma/testing";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../src/main.js";
import { stripAnsi } from "../src/render/style.js";
import { fakeIo } from "./support/fake-stream.js";

describe("live progress on a terminal", () => {
  const db = createSqliteFile("cli-live");
  afterAll(() => db.cleanup());

  it("redraws the run and its stages until it completes", async () => {
    const io = fakeIo({ tty: true });
    const code = await main(
      [
        "run",
        "document-pipeline",
        "--input",
        '{"url":"https://library.example.org/reports/async-batches"}',
        "--wait",
        "--database-url",
        db.url,
      ],
      io,
    );
    expect(io.stderr.text).toBe("");
    expect(code).toBe(0);
    const frames = io.stdout.chunks.filter((chunk) => chunk.includes("\u001b[0J"));
    expect(frames.length).toBeGreaterThan(5);
    // every frame after the first moves the cursor up over the previous one, then clears
    const up = (frame: string) => Number(frame.slice(2, frame.indexOf("A\r\u001b[0J")));
    expect(frames.slice(1).every((frame) => frame.startsWith("\u001b[") && up(frame) > 0)).toBe(
      true,
    );
    expect(
      frames.some((frame) =>
        /… embed\s+\S+ m?s\s+waiting for its async batch/.test(stripAnsi(frame)),
      ),
    ).toBe(true);
    const last = stripAnsi(frames.at(-1) ?? "").replace(/^\r/, "");
    expect(last).toMatch(/^✓ [0-9a-f]{8}\s+COMPLETED/);
    for (const stage of [
      "fetch",
      "extract-text",
      "extract-metadata",
      "thumbnail",
      "embed",
      "publish",
    ])
      expect(last).toMatch(new RegExp(`✓ ${stage}\\s+\\d`));
    expect(stripAnsi(io.stdout.text)).toContain(
      "title           Suspending for asynchronous batches",
    );
  });
});
