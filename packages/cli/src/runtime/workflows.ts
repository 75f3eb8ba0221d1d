/**
 * Which workflows a command registers: the built-in demo workflows, or those exported by a
 * user module given with `--workflows ./path/to/module.js` (a `workflows` array, or a default
 * export that is an array).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { workflows as demoWorkflows } from "@ratchet/demo";
import { type AnyWorkflow, createRegistry, type DefinitionRef } from "@ratchet/kernel";
import { UsageError } from "../cli/errors.js";

/** The built-in workflows (the demo's `document-pipeline`). */
export function builtInWorkflows(): readonly AnyWorkflow[] {
  return demoWorkflows;
}

function isWorkflow(value: unknown): value is AnyWorkflow {
  const candidate = value as Partial<AnyWorkflow> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.id === "string" &&
    Array.isArray(candidate.groups) &&
    typeof candidate.getStage === "function"
  );
}

/** Loads the workflows of the module at `path` (relative to `cwd`). */
export async function loadWorkflowModule(path: string, cwd: string): Promise<AnyWorkflow[]> {
  const file = resolve(cwd, path);
  const hint =
    "The module must export `workflows` (an array of built workflows) or a default array; build TypeScript to JavaScript first.";
  if (!existsSync(file))
    throw new UsageError(`--workflows: no such file ${file}`, { field: "--workflows", hint });
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(
      `--workflows: cannot load ${path}: ${error instanceof Error ? error.message : String(error)}`,
      { field: "--workflows", hint, cause: error },
    );
  }
  const exported = module.workflows ?? module.default;
  if (!Array.isArray(exported) || exported.length === 0 || !exported.every(isWorkflow)) {
    throw new UsageError(`--workflows: ${path} exports no workflows`, {
      field: "--workflows",
      hint,
    });
  }
  return exported;
}

/** The workflows for a command: the module's when `--workflows` is given, else the built-in ones. */
export async function resolveWorkflows(
  modulePath: string | undefined,
  cwd: string,
): Promise<readonly AnyWorkflow[]> {
  return modulePath === undefined ? builtInWorkflows() : loadWorkflowModule(modulePath, cwd);
}

/** The stage ids of a workflow, in order (for showing stages not reached yet). */
export function stageIdsOf(workflow: AnyWorkflow | undefined): string[] {
  return workflow ? workflow.groups.flatMap((group) => group.map((stage) => stage.id)) : [];
}

/**
 * The definition among `workflows` a run started on (same id, version and fingerprint; for a
 * run stored before versions, the workflow's newest version), if they register it.
 */
export function definitionOf(
  run: DefinitionRef,
  workflows: readonly AnyWorkflow[],
): AnyWorkflow | undefined {
  return createRegistry(workflows).getDefinition(run);
}

/** The newest version of `workflowId` among `workflows` (the one new runs start on), if any. */
export function newestVersionOf(
  workflowId: string,
  workflows: readonly AnyWorkflow[],
): AnyWorkflow | undefined {
  return createRegistry(workflows).getWorkflow(workflowId);
}
