/**
 * What a complete `ratchet demo` prints (plain output): every stage of every run, each run's
 * output, and the summary.
 */
import { expect } from "vitest";

const STAGES = ["fetch", "extract-text", "extract-metadata", "thumbnail", "embed", "publish"];
const DOCUMENTS = [
  "durable-workflows",
  "transactional-outbox",
  "retries-and-backoff",
  "sqlite-wal",
  "async-batches",
];

/** Checks the plain output of a demo of `runs` runs that all completed. */
export function expectCompleteDemo(stdout: string, runs: number): void {
  for (const doc of DOCUMENTS.slice(0, runs)) {
    for (const stage of STAGES)
      expect(stdout).toMatch(new RegExp(`^${doc}\\s+${stage}\\s+✓ completed in`, "m"));
    expect(stdout).toMatch(new RegExp(`^${doc}\\s+✓ run completed in`, "m"));
    expect(stdout).toMatch(new RegExp(`^✓ ${doc}  COMPLETED`, "m"));
  }
  // the flaky document's fetch is retried once; every embed suspends for its batch
  expect(stdout).toMatch(
    /^transactional-outbox\s+fetch\s+↻ attempt 1 failed: \[STAGE_ERROR\] .*503/m,
  );
  expect(stdout).toMatch(/^transactional-outbox\s+fetch\s+✓ completed in .* after 2 attempts$/m);
  expect(stdout.match(/embed\s+… suspended, waiting for its async batch/g)).toHaveLength(runs);
  expect(stdout).toContain("Outputs");
  expect(stdout).toContain("title           Durable workflows in practice");
  expect(stdout).toContain("Summary");
  expect(stdout).toMatch(new RegExp(`runs\\s+${runs} completed, 0 failed \\(of ${runs}\\)`));
  expect(stdout).toMatch(
    new RegExp(
      `stages\\s+${runs * STAGES.length} completed; ${runs * STAGES.length + 1} attempts executed, 1 retry`,
    ),
  );
  expect(stdout).toMatch(new RegExp(`batches\\s+${runs} async batch stages suspended and resumed`));
  expect(stdout).toMatch(/total\s+\d/);
}
