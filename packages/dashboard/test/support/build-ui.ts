/** Vitest global setup: builds the browser UI into dist/ui, so tests serve the current UI. */
import { buildUi } from "../../ui-build.config.js";

/** Runs once before the test files. */
export default async function setup(): Promise<void> {
  await buildUi();
}
