/**
 * `stageCommitterConformance`: the shared test suite of stage committers — a store's own
 * (`Persistence.stageCommitter`) or the kernel's transactional fallback. It checks what a
 * completion writes (see `ports/stage-committer.ts`) through the ports and, when given, raw
 * backdoor readers.
 */
import { describe } from "vitest";
import { useFixture } from "./shared.js";
import type { StageCommitterConformanceOptions } from "./stage-committer-fixture.js";
import { groupCloseTests } from "./stage-committer-group-close.js";
import { runUpdateTests } from "./stage-committer-run-update.js";
import { settlementTests } from "./stage-committer-settlement.js";
import { skippedCloseTests } from "./stage-committer-skipped.js";

export type {
  StageCommitterConformanceOptions,
  StageCommitterFixture,
} from "./stage-committer-fixture.js";

/** Registers the stage committer suite. */
export function stageCommitterConformance(options: StageCommitterConformanceOptions): void {
  describe(`${options.name}: stage committer conformance`, () => {
    const fixture = useFixture(options);
    runUpdateTests(fixture);
    groupCloseTests(fixture);
    skippedCloseTests(fixture);
    settlementTests(fixture);
  });
}
