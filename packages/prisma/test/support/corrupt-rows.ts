/**
 * Corrupt rows: invalid JSON, or JSON of the wrong kind, written straight into one run's
 * columns with raw SQL. Reading that run fails with `CORRUPT_ROW` naming the table, column and
 * row (never a bare `SyntaxError`); executing its stages fails with that error and writes
 * nothing; other runs on the same database keep completing.
 */
import { describe } from "vitest";
import type { DatabaseProvider } from "../../src/provider.js";
import { commandTests } from "./corrupt-rows-commands.js";
import { readTests } from "./corrupt-rows-reads.js";
import { useStack } from "./stacks.js";

/** Registers the corrupt-row tests for `provider`. */
export function registerCorruptRows(provider: DatabaseProvider): void {
  const harness = useStack(provider, `corrupt_rows_${provider}`);

  describe(`corrupt rows on ${provider}`, () => {
    readTests(harness);
    commandTests(harness);
  });
}
