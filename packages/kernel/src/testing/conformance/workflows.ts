/**
 * `workflowConformance`: whole workflows — every step type and policy — run through the
 * kernel's deterministic driver on an adapter's ports, with a `FakeClock` (no real waits) and
 * restarts in the middle. Every store runs the same tests.
 */
import { describe } from "vitest";
import { useFixture } from "./shared.js";
import { approvalTests } from "./workflows/approvals.js";
import { breakerTests } from "./workflows/breakers.js";
import { childTests } from "./workflows/children.js";
import { compensationTests } from "./workflows/compensation.js";
import { concurrencyTests } from "./workflows/concurrency.js";
import { controlFlowTests } from "./workflows/control-flow.js";
import { customEventTests } from "./workflows/custom-events.js";
import { delayedStartTests } from "./workflows/delayed-start.js";
import { fanOutTests } from "./workflows/fan-out.js";
import type { WorkflowConformanceOptions } from "./workflows/fixture.js";
import { debounceTests, flowLimitTests, singletonTests } from "./workflows/flow-limits.js";
import { hookTests } from "./workflows/hooks.js";
import { metadataTests } from "./workflows/metadata.js";
import { retryTests } from "./workflows/retries.js";
import { signalTests } from "./workflows/signals.js";
import { skippedTests } from "./workflows/skipped.js";
import { stepStyleTests } from "./workflows/step-style.js";
import { timerTests } from "./workflows/timers.js";

export type {
  WorkflowConformanceOptions,
  WorkflowFixture,
  WorkflowPorts,
} from "./workflows/fixture.js";

/** Registers the workflow behaviour suite for one adapter. */
export function workflowConformance(options: WorkflowConformanceOptions): void {
  describe(`workflow conformance: ${options.name}`, () => {
    const fixture = useFixture(options);
    retryTests(fixture);
    metadataTests(fixture);
    controlFlowTests(fixture);
    timerTests(fixture);
    concurrencyTests(fixture);
    flowLimitTests(fixture);
    singletonTests(fixture);
    debounceTests(fixture);
    stepStyleTests(fixture);
    signalTests(fixture);
    approvalTests(fixture);
    childTests(fixture);
    delayedStartTests(fixture);
    fanOutTests(fixture);
    customEventTests(fixture);
    skippedTests(fixture);
    compensationTests(fixture);
    hookTests(fixture);
    breakerTests(fixture);
  });
}
