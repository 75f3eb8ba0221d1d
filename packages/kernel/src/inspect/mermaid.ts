/**
 * A workflow definition as a Mermaid `flowchart`: its stages in execution order, a parallel
 * group as a fan-out into its stages and a fan-in after them, where each group goes next
 * (its following group, a jump, the end), the routes of control-flow steps (a choice's
 * branches, a loop's way back) and what each waiting step waits for. It reads the built
 * workflow's stage graph — `groups`, `flow` and each stage's `flow.routes` and step type —
 * the same graph the kernel runs and the fingerprint hashes.
 */
import { END } from "../dsl/flow.js";
import type { AnyStage } from "../dsl/stage.js";
import type { AnyWorkflow } from "../dsl/workflow-model.js";

/** Node ids of the run's start and end (`end` alone is a Mermaid keyword). */
const START_NODE = "run_start";
const END_NODE = "run_end";

/** An edge of the diagram. */
interface Edge {
  from: string;
  to: string;
  label?: string;
  /** Dotted: a route taken only sometimes (a loop going round again, a routing step). */
  dotted?: boolean;
}

/**
 * Text made safe inside a quoted Mermaid label: Mermaid's entity codes for the characters that
 * would end the label, start an entity or be read as HTML or Markdown.
 */
export function escapeMermaidLabel(text: string): string {
  return text
    .replace(/#/g, "#35;")
    .replace(/"/g, "#quot;")
    .replace(/&/g, "#amp;")
    .replace(/</g, "#lt;")
    .replace(/>/g, "#gt;")
    .replace(/`/g, "#96;")
    .replace(/[\r\n\t]+/g, " ");
}

/** What a waiting step waits for, in a few words; `undefined` for a step that does not wait. */
function waitText(stage: AnyStage): string | undefined {
  switch (stage.stepType) {
    case "signal":
      return `wait: signal "${stage.waitsFor?.name ?? stage.id}"`;
    case "approval": {
      const title = stage.approval?.title;
      return title === undefined ? "wait: approval" : `wait: approval "${title}"`;
    }
    case "child":
      return `wait: child workflow "${stage.childWorkflowId ?? "?"}"`;
    case "map":
      return `wait: map over workflow "${stage.childWorkflowId ?? "?"}"`;
    case "sleep":
      return "wait: sleep";
    case "poll":
      return "wait: poll";
    default:
      return stage.kind === "async-batch" ? "wait: async batch (poll)" : undefined;
  }
}

/** The node of a stage: its shape by step type, its id, name and what it waits for. */
function stageNode(nodeId: string, stage: AnyStage): string {
  const lines = [stage.id];
  if (stage.name && stage.name !== stage.id) lines.push(stage.name);
  const wait = waitText(stage);
  if (wait !== undefined) lines.push(wait);
  else if (stage.stepType === "choice" || stage.stepType === "loop" || stage.stepType === "pass")
    lines.push(stage.stepType);
  else if (stage.stepType === "parallel") lines.push("join branches");
  const label = `"${lines.map(escapeMermaidLabel).join("<br/>")}"`;
  if (stage.stepType === "choice") return `${nodeId}{${label}}`;
  if (stage.stepType === "loop") return `${nodeId}{{${label}}}`;
  if (wait !== undefined) return `${nodeId}(${label})`;
  return `${nodeId}[${label}]`;
}

function edgeLine(edge: Edge): string {
  const arrow = edge.dotted ? "-.->" : "-->";
  const label = edge.label === undefined ? "" : `|"${escapeMermaidLabel(edge.label)}"|`;
  return `${edge.from} ${arrow}${label} ${edge.to}`;
}

/**
 * The workflow as Mermaid `flowchart TD` text (paste it into any Mermaid renderer).
 *
 * - `run_start` and `run_end` are the run's start and end.
 * - Each stage is a node (id `s<group>_<index>`) labelled with its id, its name when it differs,
 *   and for a waiting step what it waits for (`wait: signal "payment"`, `wait: approval`,
 *   `wait: child workflow "x"`, `wait: map over workflow "x"`, `wait: sleep`, `wait: poll`).
 *   Choices are diamonds, loops hexagons, waiting steps rounded boxes.
 * - A parallel group fans out from a `fork<group>` node into its stages and back into a
 *   `join<group>` node.
 * - Solid edges are where a group goes when it closes (the next group, a jump, the end) and the
 *   branches of a choice; dotted edges are routes taken only sometimes: a loop's way back
 *   (`again`; its way on is `done`) and any other routing step's routes (`route`).
 *
 * Labels are escaped with Mermaid entity codes, so any stage name or signal name is safe.
 *
 * @example
 * ```ts
 * console.log(workflowMermaid(orderWorkflow));
 * // flowchart TD
 * //   run_start(["start"])
 * //   s0_0["reserve"]
 * //   …
 * ```
 */
export function workflowMermaid(workflow: AnyWorkflow): string {
  const { groups, flow } = workflow;
  const nodeOf = (g: number, i: number) => `s${g}_${i}`;
  const parallel = (g: number) => (groups[g]?.length ?? 0) > 1;
  const entry = (g: number) => (g === END ? END_NODE : parallel(g) ? `fork${g}` : nodeOf(g, 0));
  const exit = (g: number) => (parallel(g) ? `join${g}` : nodeOf(g, 0));
  const entryOfStage = (stageId: string) => {
    const found = workflow.getStage(stageId);
    return found === undefined ? END_NODE : entry(found.groupIndex);
  };

  const nodes = [`${START_NODE}(["start"])`];
  const edges: Edge[] = [{ from: START_NODE, to: entry(0) }];
  groups.forEach((group, g) => {
    if (parallel(g)) {
      nodes.push(`fork${g}(("fork"))`);
      group.forEach((stage, i) => {
        nodes.push(stageNode(nodeOf(g, i), stage));
        edges.push({ from: `fork${g}`, to: nodeOf(g, i) }, { from: nodeOf(g, i), to: `join${g}` });
      });
      nodes.push(`join${g}(("join"))`);
    } else nodes.push(stageNode(nodeOf(g, 0), group[0] as AnyStage));

    const from = exit(g);
    const next = entry(flow[g] ?? END);
    const router = group.length === 1 ? group[0]?.flow : undefined;
    const routes = router?.routes ?? [];
    const stepType = group[0]?.stepType;
    if (routes.length === 0) edges.push({ from, to: next });
    else if (stepType === "choice") {
      // A choice always names where it goes: its branches are its ways out.
      for (const target of routes) edges.push({ from, to: entryOfStage(target) });
    } else if (stepType === "loop") {
      for (const target of routes)
        edges.push({ from, to: entryOfStage(target), label: "again", dotted: true });
      edges.push({ from, to: next, label: "done" });
    } else {
      for (const target of routes)
        edges.push({ from, to: entryOfStage(target), label: "route", dotted: true });
      edges.push({ from, to: next });
    }
  });
  nodes.push(`${END_NODE}(["end"])`);

  const seen = new Set<string>();
  const lines = edges.map(edgeLine).filter((line) => !seen.has(line) && seen.add(line));
  return [
    "flowchart TD",
    `  %% workflow ${workflow.id} version ${workflow.version} (fingerprint ${workflow.fingerprint})`,
    ...nodes.map((node) => `  ${node}`),
    ...lines.map((line) => `  ${line}`),
  ].join("\n");
}
