/**
 * Headless Chromium for the end-to-end test: Debian's `chromium` (installed by .ci/run),
 * driven by playwright-core. A missing browser fails the test — it is never skipped.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Where the browser is expected (override with RATCHET_CHROMIUM). */
export const CHROMIUM = process.env.RATCHET_CHROMIUM ?? "/usr/bin/chromium";

/** Launches headless Chromium; throws a clear error when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the dashboard's browser test needs it (apt-get install -y chromium; .ci/run does it)`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
  });
}
