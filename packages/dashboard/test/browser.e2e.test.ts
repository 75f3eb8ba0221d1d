/**
 * End to end in a real headless Chromium: a Node host works on SQLite (a temp file) while the
 * dashboard serves it; the test opens the runs list, opens a run, watches it complete live
 * (a stage it releases while the page is open — no reload), and cancels another run from the
 * page (then reads CANCELLED from the database). Also the workflows page's Mermaid graph.
 * Screenshots go to $RATCHET_DASHBOARD_SCREENSHOTS when set (docs/images/dashboard-runs.png and
 * dashboard-run.png come from here; dashboard-workflows.png from scripts/screenshots.mjs).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createNodeHost, type NodeHost } from "@ratchet/host-node";
import { createKernel, createRegistry, type Kernel, systemClock } from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { createSqliteStack, type PrismaStack } from "@ratchet/prisma";
import { createSqliteFile } from "@ratchet/prisma/testing";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDashboard, type Dashboard } from "../src/index.js";
import { launchChromium } from "./support/browser.js";
import { gate, testWorkflows } from "./support/workflows.js";

const screenshots = process.env.RATCHET_DASHBOARD_SCREENSHOTS;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let db: ReturnType<typeof createSqliteFile>;
let stack: PrismaStack;
let kernel: Kernel;
let host: NodeHost;
let dashboard: Dashboard;
let browser: Browser;

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function shot(page: Page, name: string): Promise<void> {
  if (!screenshots) return;
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, name) });
}

beforeAll(async () => {
  browser = await launchChromium();
  db = createSqliteFile("dashboard-e2e");
  stack = await createSqliteStack({ file: db.file });
  kernel = createKernel({
    persistence: stack.persistence,
    jobTransport: stack.jobTransport,
    scheduler: stack.scheduler,
    blobStore: stack.blobStore,
    eventSink: new CollectingEventSink(),
    clock: systemClock,
    registry: createRegistry(testWorkflows),
  });
  host = createNodeHost({
    kernel,
    jobTransport: stack.jobTransport,
    wakeups: stack.wakeups,
    concurrency: 4,
    orchestrationIntervalMs: 100,
    jobPollIntervalMs: 50,
    maxIdlePollIntervalMs: 200,
    shutdownTimeoutMs: 5_000,
    logger: { warn: () => {}, error: () => {} },
    handleSignals: false,
  });
  await host.start();
  dashboard = await createDashboard({
    queries: stack.queries,
    dispatch: (command) => kernel.dispatch(command),
    workflows: testWorkflows,
    appendLogs: (logs) => stack.persistence.appendLogs(logs),
    port: 0,
    pollIntervalMs: 200,
  });
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  for (const runId of gate.waiting.keys()) gate.release(runId);
  await host?.stop();
  await stack?.close();
  db?.cleanup();
});

it("shows the list, follows a run to COMPLETED live, and cancels another run from its page", async () => {
  const create = async (n: number) =>
    (await kernel.dispatch({ type: "run.create", workflowId: "gated", input: { n } }))
      .workflowRunId;
  const watched = await create(1);
  const doomed = await create(2);
  const failed = (
    await kernel.dispatch({ type: "run.create", workflowId: "broken", input: { n: 3 } })
  ).workflowRunId;
  await until("both gated runs to be held", () => gate.isHeld(watched) && gate.isHeld(doomed));
  await until(
    "the broken run to fail",
    async () => (await stack.queries.getRun(failed))?.run.status === "FAILED",
  );

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(dashboard.url);

  // The list shows the three runs, live.
  await page.getByTestId(`run-row-${watched}`).waitFor();
  await page.getByTestId(`run-row-${doomed}`).waitFor();
  await expect.poll(() => page.getByTestId(`run-row-${failed}`).textContent()).toContain("FAILED");
  await shot(page, "dashboard-runs.png");

  // Open the watched run: its "hold" stage is running on the host's worker.
  await page.getByTestId(`run-row-${watched}`).getByRole("link").click();
  await expect.poll(() => page.getByTestId("run-status").textContent()).toBe("RUNNING");
  await expect
    .poll(() => page.getByTestId("stage-hold").getAttribute("data-state"))
    .toBe("RUNNING");
  expect(await page.getByTestId("stage-prepare").getAttribute("data-state")).toBe("COMPLETED");
  expect(await page.getByTestId("stage-finish").getAttribute("data-state")).toBe("NOT_STARTED");

  await shot(page, "dashboard-run.png");

  // Release the stage while the page is open: it must follow without a reload.
  await page.evaluate(() => {
    (window as unknown as { marker: string }).marker = "same page";
  });
  gate.release(watched);
  await expect
    .poll(() => page.getByTestId("run-status").textContent(), { timeout: 20_000 })
    .toBe("COMPLETED");
  await expect
    .poll(() => page.getByTestId("stage-finish").getAttribute("data-state"))
    .toBe("COMPLETED");
  expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe(
    "same page",
  );
  expect(await page.getByTestId("output").textContent()).toContain('"n": 21');
  await page.getByTestId("bar-hold-1").waitFor();
  await shot(page, "e2e-completed.png");
  // "prepare" failed once, then completed: two bars, the first one failed.
  expect(await page.getByTestId("bar-prepare-1").getAttribute("class")).toContain("tl-failed");
  expect(await page.getByTestId("bar-prepare-2").getAttribute("class")).toContain("tl-completed");

  // Back to the list, open the other run and cancel it from its page.
  await page.getByRole("link", { name: "Runs" }).click();
  await page.getByTestId(`run-row-${doomed}`).getByRole("link").click();
  await expect.poll(() => page.getByTestId("run-status").textContent()).toBe("RUNNING");
  await page.getByTestId("actor").fill("e2e-operator");
  await page.getByTestId("action-cancel").click();
  await page.getByTestId("action-confirm-cancel").click();
  await expect.poll(() => page.getByTestId("run-status").textContent()).toBe("CANCELLED");
  expect((await stack.queries.getRun(doomed))?.run.status).toBe("CANCELLED");
  const audit = (await stack.queries.listLogs(doomed)).filter((l) => l.stageId === null);
  expect(audit.map((l) => l.message)).toEqual([
    expect.stringMatching(/^dashboard: cancel by e2e-operator from .*: ok$/),
  ]);
  await expect.poll(() => page.getByTestId("logs").textContent()).toContain("dashboard: cancel");

  // The workflows page draws each workflow's graph with Mermaid.
  await page.getByRole("link", { name: "Workflows" }).click();
  await page.locator('[data-testid="graph-gated"] svg').waitFor({ timeout: 20_000 });
  expect(await page.locator('[data-testid="graph-gated"] svg').textContent()).toContain("hold");
  await shot(page, "e2e-workflows.png");
  expect(errors).toEqual([]);
});

it("approves a pending approval from the run's page, and the host finishes the run", async () => {
  const runId = (
    await kernel.dispatch({ type: "run.create", workflowId: "refund", input: { n: 7 } })
  ).workflowRunId;
  await until(
    "the approval to wait",
    async () =>
      (await stack.queries.getRun(runId))?.stages.some((s) => s.status === "SUSPENDED") ?? false,
  );
  const page = await browser.newPage();
  await page.goto(`${dashboard.url}#/runs/${runId}`);
  await expect
    .poll(() => page.getByTestId("stage-manager").getAttribute("data-state"))
    .toBe("SUSPENDED");
  await page.getByTestId("actor").fill("ann");
  await page.getByTestId("approve-manager").click();
  await expect
    .poll(() => page.getByTestId("run-status").textContent(), { timeout: 20_000 })
    .toBe("COMPLETED");
  const audit = (await stack.queries.listLogs(runId)).filter((l) => l.stageId === null);
  expect(audit.map((l) => l.message)).toEqual([
    expect.stringMatching(/^dashboard: approve manager by ann from .*: ok$/),
  ]);
  expect(JSON.stringify((await stack.queries.getRun(runId))?.run.output)).toContain("ann");
});

it("with a token: asks for it, then keeps it in a cookie for the API and the live stream", async () => {
  const token = "browser-test-token";
  const guarded = await createDashboard({
    queries: stack.queries,
    dispatch: (command) => kernel.dispatch(command),
    workflows: testWorkflows,
    token,
    port: 0,
    pollIntervalMs: 200,
  });
  try {
    const page = await browser.newPage();
    await page.goto(guarded.url);
    await page.getByText("This dashboard needs its token").waitFor();
    await page.getByPlaceholder("token").fill(token);
    await page.getByRole("button", { name: "Open" }).click();
    await page.locator("[data-testid^=run-row-]").first().waitFor();
    expect(page.url()).not.toContain(token);
    await expect.poll(() => page.locator(".live.on").count()).toBe(1);
  } finally {
    await guarded.close();
  }
});
