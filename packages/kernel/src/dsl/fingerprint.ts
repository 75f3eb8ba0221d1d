/**
 * A workflow's structural fingerprint: a short hash of its stage graph — stage ids, their
 * order and groups, kinds, routes, where each group goes, and the shape of every schema —
 * computed when the workflow is built. Two builds of the same graph get the same fingerprint in
 * every process; an edit that changes the graph changes it, even when the author forgot to bump
 * the version. Retry policies, timeouts, names and descriptions are left out: changing them
 * cannot strand a run.
 */
import { z } from "zod";
import { stableHash } from "../internal/values/stable-hash.js";
import type { AnyStage } from "./stage.js";

/** What the fingerprint covers. */
export interface FingerprintSource {
  inputSchema: z.ZodType;
  outputSchema: z.ZodType;
  groups: readonly (readonly AnyStage[])[];
  flow: readonly number[];
}

/** Keywords of a JSON schema that document rather than constrain. */
const DOC_KEYS = new Set(["$schema", "description", "title", "examples", "$comment"]);

/** Keywords whose value maps names (property names, definitions) to schemas. */
const NAME_MAPS = new Set(["properties", "patternProperties", "$defs", "definitions"]);

/** The fingerprint of a stage graph: 16 lowercase hex digits. */
export function fingerprintOf(source: FingerprintSource): string {
  const shape = {
    input: schemaShape(source.inputSchema),
    output: schemaShape(source.outputSchema),
    flow: source.flow,
    groups: source.groups.map((group) =>
      group.map((stage) => ({
        id: stage.id,
        kind: stage.kind,
        step: stage.stepType ?? null,
        routes: stage.flow?.routes ?? null,
        passThrough: stage.flow?.passThrough ?? false,
        input: schemaShape(stage.schemas.input),
        output: schemaShape(stage.schemas.output),
        config: schemaShape(stage.schemas.config),
      })),
    ),
  };
  return stableHash(shape);
}

/**
 * A schema's shape as JSON Schema, without documentation. A schema zod cannot express
 * (a custom check, a transform's output) counts as "anything": its code is not part of the
 * shape.
 */
function schemaShape(schema: z.ZodType): unknown {
  try {
    return withoutDocs(
      z.toJSONSchema(schema, { unrepresentable: "any", cycles: "ref", io: "input" }),
      false,
    );
  } catch {
    return { unrepresentable: true };
  }
}

/**
 * A JSON schema without its documentation keywords; `names` says the node maps names to schemas
 * (a property called `title` is kept, the keyword `title` is not).
 */
function withoutDocs(node: unknown, names: boolean): unknown {
  if (Array.isArray(node)) return node.map((item) => withoutDocs(item, false));
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (!names && DOC_KEYS.has(key)) continue;
    out[key] = withoutDocs(value, !names && NAME_MAPS.has(key));
  }
  return out;
}
