#!/usr/bin/env node
/**
 * Takes the docs' screenshots of a running dashboard in headless Chromium:
 * `dashboard-demo-run.png` (a run's page) and `dashboard-workflows.png` (the workflows page).
 *
 *   ratchet demo --runs 4 && ratchet dashboard --database-url ./ratchet-demo.db &
 *   node packages/dashboard/scripts/screenshots.mjs http://127.0.0.1:7700/ docs/images [runId]
 *
 * Without a run id it shows the oldest run of the first page.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [url = "http://127.0.0.1:7700/", outDir = "docs/images", runId] = process.argv.slice(2);
mkdirSync(outDir, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.RATCHET_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url);
  if (runId) await page.goto(`${url}#/runs/${encodeURIComponent(runId)}`);
  else {
    await page.waitForSelector("[data-testid^=run-row-]");
    await page.locator("[data-testid^=run-row-] a").last().click();
  }
  await page.waitForSelector("[data-testid=timeline-chart]");
  await page.screenshot({ path: join(outDir, "dashboard-demo-run.png") });
  await page.getByRole("link", { name: "Workflows" }).click();
  await page.waitForSelector("[data-testid^=graph-] svg", { timeout: 20_000 });
  await page.screenshot({ path: join(outDir, "dashboard-workflows.png") });
  console.log(
    `wrote ${join(outDir, "dashboard-demo-run.png")} and ${join(outDir, "dashboard-workflows.png")}`,
  );
} finally {
  await browser.close();
}
