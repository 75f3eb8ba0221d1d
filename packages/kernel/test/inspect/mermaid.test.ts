/**
 * `workflowMermaid`: the diagram's structure — which node leads to which, with which label —
 * for sequences, parallel groups, choices, loops, jumps, waiting steps and `workflow()`
 * step-builder workflows; and labels that cannot break out of their quotes.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineAsyncBatchStage,
  defineStage,
  defineWorkflow,
  escapeMermaidLabel,
  workflow,
  workflowMermaid,
} from "../../src/index.js";

const any = z.any();
const stage = (id: string, name = id) =>
  defineStage({ id, name, schemas: { input: any, output: any }, execute: () => ({}) });
const base = (id: string) => defineWorkflow({ id, name: id, input: any, output: any });
const noop = { handler: async () => ({}) };

/** A diagram read back: node labels by id, and edges written with the nodes' first label line. */
interface Diagram {
  labels: Map<string, string>;
  /** `from -> to`, `from -label-> to` (solid) or `from ..label..> to` (dotted). */
  edges: string[];
  lines: string[];
}

const NODE = /^ {2}([A-Za-z0-9_]+)(?:\(\[|\(\(|\{\{|\[|\(|\{)"([^"]*)"(?:\]\)|\)\)|\}\}|\]|\)|\})$/;
const EDGE = /^ {2}([A-Za-z0-9_]+) (-->|-\.->)(?:\|"([^"]*)"\|)? ([A-Za-z0-9_]+)$/;

function read(text: string): Diagram {
  const lines = text.split("\n");
  expect(lines[0]).toBe("flowchart TD");
  const labels = new Map<string, string>();
  const raw: [string, string, string, string | undefined][] = [];
  for (const line of lines.slice(1)) {
    if (line.startsWith("  %% ")) continue;
    const node = NODE.exec(line);
    if (node) {
      labels.set(node[1] as string, node[2] as string);
      continue;
    }
    const edge = EDGE.exec(line);
    if (!edge) throw new Error(`not a node or an edge: ${JSON.stringify(line)}`);
    raw.push([edge[1] as string, edge[2] as string, edge[4] as string, edge[3]]);
  }
  const name = (id: string) => {
    const label = labels.get(id);
    if (label === undefined) throw new Error(`edge to undeclared node ${id}`);
    return label.split("<br/>")[0] as string;
  };
  const edges = raw.map(([from, arrow, to, label]) => {
    if (arrow === "-.->") return `${name(from)} ..${label ?? ""}..> ${name(to)}`;
    return label === undefined
      ? `${name(from)} -> ${name(to)}`
      : `${name(from)} -${label}-> ${name(to)}`;
  });
  return { labels, edges, lines };
}

const sorted = (edges: readonly string[]) => [...edges].sort();

const labelOf = (diagram: Diagram, first: string) =>
  [...diagram.labels.values()].find((label) => label.split("<br/>")[0] === first);

describe("workflowMermaid", () => {
  it("draws a sequence from start to end, in order", () => {
    const diagram = read(
      workflowMermaid(base("seq").pipe(stage("a")).pipe(stage("b")).pipe(stage("c")).build()),
    );
    expect(diagram.edges).toEqual(["start -> a", "a -> b", "b -> c", "c -> end"]);
    expect(diagram.lines[1]).toMatch(
      /^ {2}%% workflow seq version 1 \(fingerprint [0-9a-f]{16}\)$/,
    );
  });

  it("fans a parallel group out from a fork and back into a join", () => {
    const diagram = read(
      workflowMermaid(
        base("par")
          .pipe(stage("fetch"))
          .parallel([stage("text"), stage("meta"), stage("thumb")])
          .pipe(stage("publish"))
          .build(),
      ),
    );
    expect(sorted(diagram.edges)).toEqual(
      sorted([
        "start -> fetch",
        "fork -> text",
        "text -> join",
        "fork -> meta",
        "meta -> join",
        "fork -> thumb",
        "thumb -> join",
        "fetch -> fork",
        "join -> publish",
        "publish -> end",
      ]),
    );
  });

  it("gives a choice its branches as ways out, and a parallel group after a choice its fork", () => {
    const diagram = read(
      workflowMermaid(
        base("branchy")
          .pipe(stage("a"))
          .choice("pick", {
            choices: [
              { condition: () => true, next: "big" },
              { condition: () => false, next: "right" },
            ],
            default: "small",
          })
          .pipe(stage("big"), { end: true })
          .pipe(stage("small"), { next: "done" })
          .parallel([stage("left"), stage("right")])
          .pipe(stage("done"))
          .build(),
      ),
    );
    expect(diagram.edges).toEqual(
      expect.arrayContaining([
        "a -> pick",
        "pick -> big",
        "pick -> fork",
        "pick -> small",
        "big -> end",
        "small -> done",
        "join -> done",
        "done -> end",
      ]),
    );
    // The choice's own next (the group after it) is no way out: a choice always routes.
    expect(diagram.edges.filter((edge) => edge.startsWith("pick "))).toHaveLength(3);
    expect(labelOf(diagram, "pick")).toBe("pick<br/>choice");
    expect(diagram.lines).toContain('  s1_0{"pick<br/>choice"}');
  });

  it("draws a loop's way back dotted (again) and its way on (done)", () => {
    const diagram = read(
      workflowMermaid(
        base("loopy")
          .pipe(stage("work"))
          .loop("more", { condition: () => true, target: "work", maxIterations: 3 })
          .pipe(stage("after"))
          .build(),
      ),
    );
    expect(diagram.edges).toEqual([
      "start -> work",
      "work -> more",
      "more ..again..> work",
      "more -done-> after",
      "after -> end",
    ]);
    expect(diagram.lines).toContain('  s1_0{{"more<br/>loop"}}');
  });

  it("labels waiting steps with what they wait for", () => {
    const child = base("shipment").pipe(stage("ship")).build();
    const batch = defineAsyncBatchStage({
      id: "embed",
      name: "Embed in batches",
      schemas: { input: any, output: any },
      execute: () => ({}),
      checkCompletion: () => ({ ready: true, output: {} }),
    });
    const diagram = read(
      workflowMermaid(
        base("waits")
          .waitForSignal("paid", { name: "payment" })
          .approval("ok", { title: "Refund > 100 EUR" })
          .child("send", child)
          .map("each", child, { items: () => [] })
          .sleep("nap", 1_000)
          .poll("check", { intervalMs: 1_000, check: () => ({ done: true, result: 1 }) })
          .pipe(batch)
          .build(),
      ),
    );
    expect(diagram.edges).toEqual([
      "start -> paid",
      "paid -> ok",
      "ok -> send",
      "send -> each",
      "each -> nap",
      "nap -> check",
      "check -> embed",
      "embed -> end",
    ]);
    expect(labelOf(diagram, "paid")).toBe("paid<br/>wait: signal #quot;payment#quot;");
    expect(labelOf(diagram, "ok")).toBe("ok<br/>wait: approval #quot;Refund #gt; 100 EUR#quot;");
    expect(labelOf(diagram, "send")).toBe("send<br/>wait: child workflow #quot;shipment#quot;");
    expect(labelOf(diagram, "each")).toBe("each<br/>wait: map over workflow #quot;shipment#quot;");
    expect(labelOf(diagram, "nap")).toBe("nap<br/>wait: sleep");
    expect(labelOf(diagram, "check")).toBe("check<br/>wait: poll");
    expect(labelOf(diagram, "embed")).toBe(
      "embed<br/>Embed in batches<br/>wait: async batch (poll)",
    );
    expect(diagram.lines).toContain('  s0_0("paid<br/>wait: signal #quot;payment#quot;")');
  });

  it("draws a workflow() step-builder workflow: parallel branches, a jump, an end", () => {
    const diagram = read(
      workflowMermaid(
        workflow("steps")
          .task("validate", noop)
          .parallel("fulfil", {
            branches: [
              workflow.branch("shipping").task("ship", noop).build(),
              workflow.branch("notification").task("notify", noop).task("log", noop).build(),
            ],
          })
          .choice("route", {
            choices: [{ condition: () => true, next: "rare" }],
            default: "finish",
          })
          .task("rare", { ...noop, end: true })
          .task("finish", noop)
          .build(),
      ),
    );
    expect(sorted(diagram.edges)).toEqual(
      sorted([
        "start -> validate",
        "validate -> fork",
        "fork -> ship",
        "ship -> join",
        "fork -> notification",
        "notification -> join",
        "join -> fulfil",
        "fulfil -> route",
        "route -> rare",
        "route -> finish",
        "rare -> end",
        "finish -> end",
      ]),
    );
    expect(labelOf(diagram, "fulfil")).toBe("fulfil<br/>join branches");
  });

  it("escapes names so no label breaks out of its quotes", () => {
    const text = workflowMermaid(
      base("esc").pipe(stage("a", 'Say "hi" <b>&</b> #1 `code`\nnext')).build(),
    );
    expect(text).toContain(
      '  s0_0["a<br/>Say #quot;hi#quot; #lt;b#gt;#amp;#lt;/b#gt; #35;1 #96;code#96; next"]',
    );
    expect(read(text).edges).toEqual(["start -> a", "a -> end"]);
    expect(escapeMermaidLabel('#quot;"')).toBe("#35;quot;#quot;");
  });
});
