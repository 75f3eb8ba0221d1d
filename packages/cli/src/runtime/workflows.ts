/**
 * Which workflows a command registers: the built-in demo workflows, or those exported by a
 * user module given with `--workflows ./path/to/module.js` (a `workflows` array, or a default
 * export that is an array).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type AnyWorkflow, createRegistry, type DefinitionRef } from "@ratchet/kernel";
import { UsageError } from "../cli/errors.js";
import { MODULE_HINT, moduleLoadError } from "./module-load-error.js";

/**
 * The built-in workflows (the demo's `document-pipeline`), imported when first asked for: a
 * command given `--workflows` never loads the demo.
 */
export async function builtInWorkflows(): Promise<readonly AnyWorkflow[]> {
  return (await import("@ratchet/demo")).workflows;
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

/**
 * Loads the workflows of the module at `path`, resolved against `cwd` (the user's project: the
 * module's own imports, `@ratchet/kernel` and `zod` among them, resolve from its folder).
 */
export async function loadWorkflowModule(path: string, cwd: string): Promise<AnyWorkflow[]> {
  const file = resolve(cwd, path);
  if (!existsSync(file)) {
    throw new UsageError(`--workflows: no such file ${file} (${path} from ${cwd})`, {
      field: "--workflows",
      hint: "Pass the path of a JavaScript module, relative to the current directory or absolute.",
    });
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw moduleLoadError(path, file, error);
  }
  const exported = module.workflows ?? module.default;
  if (!Array.isArray(exported) || exported.length === 0 || !exported.every(isWorkflow)) {
    const names = Object.keys(module);
    throw new UsageError(
      `--workflows: ${path} exports no workflows (${names.length === 0 ? "it exports nothing" : `its exports: ${names.join(", ")}`})`,
      { field: "--workflows", hint: MODULE_HINT },
    );
  }
  return exported;
}

/**
 * The file URL of the `--workflows` module at `path` (resolved against `cwd`), which the
 * children of isolated stages import; `undefined` without `--workflows`.
 */
export function workflowModuleUrl(path: string | undefined, cwd: string): string | undefined {
  return path === undefined ? undefined : pathToFileURL(resolve(cwd, path)).href;
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
