/** The document pipeline end to end on the in-memory kernel, with a fake clock and no waiting. */
import { decodeValue } from "@ratchet/kernel";
import { createTestKernel, type FakeClock } from "@ratchet/kernel/testing";
import { describe, expect, it } from "vitest";
import {
  createDocumentPipeline,
  DEMO_URLS,
  type DemoEnv,
  DOCUMENT_PIPELINE_ID,
  type PublishedDocument,
} from "../src/index.js";

function setUp() {
  let clock: FakeClock | undefined;
  const env: DemoEnv = {
    now: () => clock?.now().getTime() ?? 0,
    sleep: async () => {},
    latencyScale: 0,
  };
  const t = createTestKernel({ workflows: [createDocumentPipeline(env)] });
  clock = t.clock;
  const start = (url: string) =>
    t.kernel.dispatch({ type: "run.create", workflowId: DOCUMENT_PIPELINE_ID, input: { url } });
  return { t, start };
}

describe("document-pipeline", () => {
  it("runs fetch → (extract-text ∥ extract-metadata ∥ thumbnail) → embed → publish", async () => {
    const { t, start } = setUp();
    const { workflowRunId } = await start(DEMO_URLS[0] ?? "");
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.status).toBe("COMPLETED");

    const stages = await t.persistence.listStages(workflowRunId);
    expect(stages.map((s) => [s.stageId, s.groupIndex, s.status])).toEqual([
      ["fetch", 0, "COMPLETED"],
      ["extract-text", 1, "COMPLETED"],
      ["extract-metadata", 1, "COMPLETED"],
      ["thumbnail", 1, "COMPLETED"],
      ["embed", 2, "COMPLETED"],
      ["publish", 3, "COMPLETED"],
    ]);
    const output = decodeValue<PublishedDocument>(run.output);
    expect(output).toMatchObject({
      slug: "durable-workflows",
      path: "/library/durable-workflows",
      title: "Durable workflows in practice",
      author: "Ada Ramirez",
      language: "en",
      tags: ["workflows", "durability", "operations"],
      thumbnail: "thumbnails/durable-workflows.svg",
      embedding: { model: "demo-embed-v1" },
    });
    expect(output.publishedAt).toEqual(new Date("2026-03-02T00:00:00Z"));
    expect(output.words).toBeGreaterThan(80);
    expect(output.summary.endsWith("…")).toBe(true);
    expect(output.embedding.chunks).toBeGreaterThan(1);
    const svg = await t.blobStore.get(
      `runs/${workflowRunId}/storage/thumbnails/durable-workflows.svg`,
    );
    expect(new TextDecoder().decode(svg ?? new Uint8Array())).toContain("<svg");
  });

  it("suspends embed until its batch is done, then resumes it", async () => {
    const { t, start } = setUp();
    const { workflowRunId } = await start(DEMO_URLS[3] ?? "");
    await t.driver.runToCompletion(workflowRunId);
    const types = t.events.forRun(workflowRunId).map((e) => `${e.type}:${e.payload.stageId ?? ""}`);
    const suspended = types.indexOf("workflow.step.suspended:embed");
    const completed = types.indexOf("workflow.step.completed:embed");
    expect(suspended).toBeGreaterThan(0);
    expect(completed).toBeGreaterThan(suspended);
    const embed = await t.persistence.getStage(workflowRunId, "embed");
    expect(embed?.completedAt?.getTime() ?? 0).toBeGreaterThanOrEqual(
      (embed?.startedAt?.getTime() ?? 0) + 1_000,
    );
  });

  it("retries the flaky document's fetch once, then completes", async () => {
    const { t, start } = setUp();
    const url = DEMO_URLS.find((u) => u.includes("transactional-outbox")) ?? "";
    const { workflowRunId } = await start(url);
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.status).toBe("COMPLETED");
    const retries = t.events.forRun(workflowRunId).filter((e) => e.type === "workflow.step.retry");
    expect(retries.map((e) => e.payload.stageId)).toEqual(["fetch"]);
    expect((await t.persistence.getStage(workflowRunId, "fetch"))?.attempt).toBe(2);
  });

  it("fails at once, without retries, on a URL outside the corpus", async () => {
    const { t, start } = setUp();
    const { workflowRunId } = await start("https://library.example.org/missing");
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.status).toBe("FAILED");
    expect(run.error).toMatchObject({ code: "DOCUMENT_NOT_FOUND", stageId: "fetch" });
    expect((await t.persistence.getStage(workflowRunId, "fetch"))?.attempt).toBe(1);
  });

  it("rejects input that is not a URL with INVALID_INPUT on input.url", async () => {
    const { start } = setUp();
    await expect(start("not a url")).rejects.toMatchObject({
      code: "INVALID_INPUT",
      field: "input.url",
    });
  });

  it("gives every corpus document the same output on every run (deterministic)", async () => {
    const outputs = [];
    for (let i = 0; i < 2; i++) {
      const { t, start } = setUp();
      const ids = [];
      for (const url of DEMO_URLS) ids.push((await start(url)).workflowRunId);
      await t.driver.drain();
      for (const id of ids) {
        const run = await t.persistence.getRun(id);
        expect(run?.status).toBe("COMPLETED");
        outputs.push(JSON.stringify(run?.output));
      }
    }
    expect(outputs.slice(0, DEMO_URLS.length)).toEqual(outputs.slice(DEMO_URLS.length));
  });
});
