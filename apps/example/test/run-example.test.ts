import { describe, expect, it } from "vitest";
import { runExample } from "../src/run-example.js";

describe("example: document pipeline on in-memory adapters", () => {
  it("runs fetch → (extract-text ∥ extract-metadata) → publish to completion", async () => {
    const result = await runExample("https://example.com/guides/durable-workflows");
    expect(result.run.status).toBe("COMPLETED");
    expect(result.stages.map((s) => [s.stageId, s.status])).toEqual([
      ["fetch", "COMPLETED"],
      ["extract-text", "COMPLETED"],
      ["extract-metadata", "COMPLETED"],
      ["publish", "COMPLETED"],
    ]);
    const output = result.output as {
      title: string;
      words: number;
      summary: string;
      fetchedAt: Date;
    };
    expect(output.title).toBe("guides durable-workflows");
    expect(output.words).toBe(17);
    expect(output.summary.endsWith("…")).toBe(true);
    expect(output.fetchedAt).toEqual(new Date("2026-11-22T12:00:00Z"));
    expect(result.events.at(-1)?.type).toBe("workflow.completed");
  });

  it("fails clearly on an invalid URL", async () => {
    await expect(runExample("not a url")).rejects.toMatchObject({
      code: "INVALID_INPUT",
      field: "input.url",
    });
  });
});
