/**
 * A structural check that values produced by one zod schema are accepted by another, used by
 * `WorkflowBuilder.build()` to reject adjacent stages whose schemas cannot fit. It is
 * conservative: kinds it does not understand (refinements, custom types, lazy schemas) are
 * assumed compatible, so it never rejects a workflow that could work.
 */
import type { z } from "zod";

/** Why two schemas do not fit. */
export interface Incompatibility {
  /** Dotted path inside the value, `""` for the root. */
  path: string;
  message: string;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  out?: z.ZodType;
  values?: unknown[];
  entries?: Record<string, unknown>;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

const WRAPPERS_ACCEPTING_UNDEFINED = new Set(["optional", "default", "prefault", "catch"]);
const TRANSPARENT_WRAPPERS = new Set(["readonly", "nonoptional", "success"]);
const PRIMITIVES = new Set([
  "string",
  "number",
  "boolean",
  "bigint",
  "date",
  "null",
  "undefined",
  "symbol",
]);

/** Unwraps what a schema produces: pipes produce their output side. */
function produced(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (def.type === "pipe" && def.out) current = def.out;
    else if (
      (TRANSPARENT_WRAPPERS.has(def.type) ||
        def.type === "default" ||
        def.type === "prefault" ||
        def.type === "catch") &&
      def.innerType
    )
      current = def.innerType;
    else return current;
  }
}

/** Unwraps what a schema accepts: pipes accept their input side. */
function accepted(schema: z.ZodType): {
  schema: z.ZodType;
  acceptsUndefined: boolean;
  acceptsNull: boolean;
} {
  let current = schema;
  let acceptsUndefined = false;
  let acceptsNull = false;
  for (;;) {
    const def = defOf(current);
    if (def.type === "pipe" && def.in) current = def.in;
    else if (WRAPPERS_ACCEPTING_UNDEFINED.has(def.type) && def.innerType) {
      acceptsUndefined = true;
      current = def.innerType;
    } else if (def.type === "nullable" && def.innerType) {
      acceptsNull = true;
      current = def.innerType;
    } else if (TRANSPARENT_WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else return { schema: current, acceptsUndefined, acceptsNull };
  }
}

function primitiveOf(def: Def): string | undefined {
  if (PRIMITIVES.has(def.type)) return def.type;
  if (def.type === "literal" && def.values && def.values.length > 0) {
    const kinds = new Set(def.values.map((v) => (v === null ? "null" : typeof v)));
    return kinds.size === 1 ? [...kinds][0] : undefined;
  }
  if (def.type === "enum") return "string";
  return undefined;
}

/** Lists why values of `from` may be rejected by `to` (empty when they fit). */
export function findIncompatibilities(
  from: z.ZodType,
  to: z.ZodType,
  path = "",
): Incompatibility[] {
  const target = accepted(to);
  const targetDef = defOf(target.schema);
  if (
    targetDef.type === "any" ||
    targetDef.type === "unknown" ||
    targetDef.type === "custom" ||
    targetDef.type === "lazy"
  )
    return [];

  const source = produced(from);
  const sourceDef = defOf(source);
  const here = path === "" ? "the value" : `"${path}"`;

  if (
    sourceDef.type === "any" ||
    sourceDef.type === "unknown" ||
    sourceDef.type === "custom" ||
    sourceDef.type === "lazy" ||
    sourceDef.type === "transform"
  )
    return [];
  if (sourceDef.type === "optional" && sourceDef.innerType) {
    if (!target.acceptsUndefined)
      return [{ path, message: `${here} may be undefined but is required` }];
    return findIncompatibilities(sourceDef.innerType, target.schema, path);
  }
  if (sourceDef.type === "nullable" && sourceDef.innerType) {
    if (!target.acceptsNull && targetDef.type !== "null")
      return [{ path, message: `${here} may be null but null is not accepted` }];
    return findIncompatibilities(sourceDef.innerType, target.schema, path);
  }
  if (sourceDef.type === "union" && sourceDef.options) {
    return sourceDef.options.flatMap((option) =>
      findIncompatibilities(option, target.schema, path),
    );
  }
  if (targetDef.type === "union" && targetDef.options) {
    const fits = targetDef.options.some(
      (option) => findIncompatibilities(source, option, path).length === 0,
    );
    return fits
      ? []
      : [{ path, message: `${here} (${sourceDef.type}) matches no option of the expected union` }];
  }

  const sourcePrimitive = primitiveOf(sourceDef);
  const targetPrimitive = primitiveOf(targetDef);
  if (targetPrimitive !== undefined || sourcePrimitive !== undefined) {
    if (
      sourcePrimitive === undefined ||
      targetPrimitive === undefined ||
      sourcePrimitive !== targetPrimitive
    ) {
      return [
        {
          path,
          message: `${here} is ${sourcePrimitive ?? sourceDef.type} but ${targetPrimitive ?? targetDef.type} is expected`,
        },
      ];
    }
    if (targetDef.type === "literal" && targetDef.values) {
      const allowed = new Set(targetDef.values);
      const produces = sourceDef.type === "literal" ? sourceDef.values : undefined;
      if (!produces?.every((v) => allowed.has(v))) {
        return [
          {
            path,
            message: `${here} is not limited to the literal values ${JSON.stringify(targetDef.values)}`,
          },
        ];
      }
    }
    return [];
  }

  if (targetDef.type === "object" && targetDef.shape) {
    if (sourceDef.type !== "object" || !sourceDef.shape) {
      return [{ path, message: `${here} is ${sourceDef.type} but an object is expected` }];
    }
    const problems: Incompatibility[] = [];
    for (const [key, fieldSchema] of Object.entries(targetDef.shape)) {
      const fieldPath = path === "" ? key : `${path}.${key}`;
      const sourceField = sourceDef.shape[key];
      if (sourceField === undefined) {
        if (!accepted(fieldSchema).acceptsUndefined) {
          problems.push({
            path: fieldPath,
            message: `"${fieldPath}" is required but not produced`,
          });
        }
        continue;
      }
      problems.push(...findIncompatibilities(sourceField, fieldSchema, fieldPath));
    }
    return problems;
  }
  if (targetDef.type === "array" && targetDef.element) {
    if (sourceDef.type !== "array" || !sourceDef.element) {
      return [{ path, message: `${here} is ${sourceDef.type} but an array is expected` }];
    }
    return findIncompatibilities(sourceDef.element, targetDef.element, `${path}[]`);
  }
  return [];
}
