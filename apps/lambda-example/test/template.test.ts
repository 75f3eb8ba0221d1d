/**
 * The SAM template (`template.yaml`), checked offline: it parses as CloudFormation YAML, every
 * intrinsic names something that exists, and its settings agree with the bundle (file and
 * export), the handler (event shapes, partial batch responses) and its time margins. It cannot
 * check what only AWS can (`sam validate` talks to AWS; `cfn-lint template.yaml` runs offline
 * where it is installed, see docs/hosts.md).
 */
import { relative } from "node:path";
import { describe, expect, it } from "vitest";
import * as handlerModule from "../src/handler.js";
import { DEFAULT_CRON } from "../src/runtime.js";
import { BUNDLE_DIR, BUNDLE_FILE } from "./support/bundle.js";
import {
  codeDir,
  danglingReferences,
  handlerTarget,
  loadTemplate,
  referencesIn,
} from "./support/cloudformation.js";

const template = loadTemplate();
const resource = (name: string) => {
  const found = template.Resources[name];
  if (!found) throw new Error(`template.yaml has no resource ${name}`);
  return found;
};
const fn = resource("WorkerFunction");
const props = fn.Properties ?? {};
const events = props.Events as Record<
  string,
  { Type: string; Properties: Record<string, unknown> }
>;

describe("template.yaml (AWS SAM)", () => {
  it("is a SAM template whose intrinsics all name a parameter, resource or condition", () => {
    expect(template.AWSTemplateFormatVersion).toBe("2010-09-09");
    expect(template.Transform).toBe("AWS::Serverless-2016-10-31");
    expect(referencesIn(template).length).toBeGreaterThan(10);
    expect(danglingReferences(template)).toEqual([]);
    // The checker does catch a dangling name.
    const broken = loadTemplate().Resources;
    delete broken.JobDeadLetterQueue;
    expect(danglingReferences({ ...template, Resources: broken }).map((r) => r.name)).toContain(
      "JobDeadLetterQueue",
    );
  });

  it("deploys the bundle: CodeUri is its folder, Handler its file and exported handler", () => {
    expect(fn.Type).toBe("AWS::Serverless::Function");
    expect(relative(BUNDLE_DIR, codeDir(String(props.CodeUri)))).toBe("");
    const target = handlerTarget(String(props.Handler));
    expect(target.file).toBe(BUNDLE_FILE);
    // The bundle's entry is src/handler.ts: its exports are the bundle's.
    expect(typeof (handlerModule as Record<string, unknown>)[target.name]).toBe("function");
    // A Node.js runtime at least as new as the bundle's target (node20), and one AWS still
    // lets you create (nodejs20.x was blocked for new functions on 2026-06-01).
    const runtime = /^nodejs(\d+)\.x$/.exec(String(props.Runtime));
    expect(Number(runtime?.[1])).toBeGreaterThanOrEqual(22);
  });

  it("reads DATABASE_URL from a hidden parameter and the queue URL from the queue", () => {
    const variables = (props.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables.DATABASE_URL).toEqual({ Ref: "DatabaseUrl" });
    expect(template.Parameters?.DatabaseUrl?.NoEcho).toBe(true);
    // Ref of an SQS queue is its URL, what the publisher sends to.
    expect(variables.RATCHET_JOB_QUEUE_URL).toEqual({ Ref: "JobQueue" });
    expect(props.Policies).toContainEqual({
      SQSSendMessagePolicy: { QueueName: { "Fn::GetAtt": ["JobQueue", "QueueName"] } },
    });
  });

  it("feeds the job queue to the handler with partial batch responses, and a dead-letter queue", () => {
    const sqs = Object.values(events).filter((event) => event.Type === "SQS");
    expect(sqs).toHaveLength(1);
    const mapping = sqs[0]?.Properties ?? {};
    expect(mapping.Queue).toEqual({ "Fn::GetAtt": ["JobQueue", "Arn"] });
    expect(mapping.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    // At most 10 without a batching window (an SQS limit); several, to amortise a cold start.
    expect(mapping.BatchSize).toBeGreaterThanOrEqual(2);
    expect(mapping.BatchSize).toBeLessThanOrEqual(10);
    const queue = resource("JobQueue").Properties ?? {};
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { "Fn::GetAtt": ["JobDeadLetterQueue", "Arn"] },
      maxReceiveCount: expect.any(Number),
    });
    expect((queue.RedrivePolicy as { maxReceiveCount: number }).maxReceiveCount).toBeGreaterThan(1);
    expect(resource("JobDeadLetterQueue").Type).toBe("AWS::SQS::Queue");
  });

  it("runs the maintenance tick from an EventBridge rule every minute", () => {
    const schedules = Object.values(events).filter((event) => event.Type === "Schedule");
    expect(schedules).toHaveLength(1);
    // Type Schedule is an EventBridge rule: it delivers the "Scheduled Event" the handler
    // recognises (ScheduleV2, EventBridge Scheduler, would deliver another shape).
    expect(schedules[0]?.Properties.Schedule).toBe("rate(1 minute)");
  });

  it("has timeouts consistent with the handler's margin and the queue's visibility", () => {
    const timeoutS = Number(props.Timeout);
    // The schedule leaves DEFAULT_CRON.marginMs unused; most of the invocation must remain.
    expect(timeoutS * 1000).toBeGreaterThanOrEqual(3 * DEFAULT_CRON.marginMs);
    // Lambda and SQS: a visibility timeout of at least 6 × the function timeout.
    const visibility = Number(resource("JobQueue").Properties?.VisibilityTimeout);
    expect(visibility).toBeGreaterThanOrEqual(6 * timeoutS);
  });
});
