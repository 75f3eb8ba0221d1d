/**
 * Reads `template.yaml` as CloudFormation does: YAML whose short-form intrinsic tags (`!Ref`,
 * `!GetAtt`, `!Sub`, `!If`, …) become their long forms (`{ Ref }`, `{ "Fn::GetAtt": [..] }`),
 * and lists every name the intrinsics refer to, so a test can check each one exists.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, type Tags, type YAMLMap, type YAMLSeq } from "yaml";

const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The SAM template's path. */
export const TEMPLATE_PATH = join(APP_DIR, "template.yaml");

const INTRINSICS = [
  "Ref",
  "Condition",
  "GetAtt",
  "If",
  "Sub",
  "Join",
  "Equals",
  "Not",
  "And",
  "Or",
  "Select",
  "Split",
  "FindInMap",
  "Base64",
  "GetAZs",
  "ImportValue",
  "Cidr",
];

const longName = (name: string) => (name === "Ref" || name === "Condition" ? name : `Fn::${name}`);

/** The short-form tags, on scalars, sequences and mappings. */
const CLOUDFORMATION_TAGS: Tags = INTRINSICS.flatMap((name) => [
  {
    tag: `!${name}`,
    resolve: (value: string) => ({
      [longName(name)]: name === "GetAtt" ? value.split(".") : value,
    }),
  },
  ...(["seq", "map"] as const).map((collection) => ({
    tag: `!${name}`,
    collection,
    resolve: (node: YAMLMap.Parsed | YAMLSeq.Parsed) => ({ [longName(name)]: node.toJSON() }),
  })),
]);

/** A template, loosely typed: tests read the parts they check. */
export interface Template {
  AWSTemplateFormatVersion?: string;
  Transform?: string | string[];
  Parameters?: Record<string, Record<string, unknown>>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  Outputs?: Record<string, unknown>;
}

/** Parses `template.yaml` (or `text`) with the CloudFormation tags. */
export function loadTemplate(text: string = readFileSync(TEMPLATE_PATH, "utf8")): Template {
  return parse(text, { customTags: CLOUDFORMATION_TAGS }) as Template;
}

/** A name an intrinsic refers to, and where. */
export interface Reference {
  kind: "Ref" | "GetAtt" | "Sub" | "Condition";
  name: string;
  path: string;
}

/** Every `Ref`, `Fn::GetAtt`, `${Name}` in `Fn::Sub` and `Fn::If` condition under `node`. */
export function referencesIn(node: unknown, path = ""): Reference[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => referencesIn(item, `${path}[${i}]`));
  if (node === null || typeof node !== "object") return [];
  const found: Reference[] = [];
  for (const [key, value] of Object.entries(node)) {
    const at = path === "" ? key : `${path}.${key}`;
    if (key === "Ref" && typeof value === "string") found.push({ kind: "Ref", name: value, path });
    if (key === "Fn::GetAtt" && Array.isArray(value) && typeof value[0] === "string") {
      found.push({ kind: "GetAtt", name: value[0], path });
    }
    if (key === "Fn::Sub") {
      const [text, vars] = Array.isArray(value) ? value : [value, {}];
      const own = new Set(Object.keys((vars as object | undefined) ?? {}));
      for (const match of String(text).matchAll(/\$\{([^}!]+)\}/g)) {
        const name = (match[1] ?? "").split(".")[0] ?? "";
        if (!own.has(name)) found.push({ kind: "Sub", name, path });
      }
    }
    if (key === "Fn::If" && Array.isArray(value) && typeof value[0] === "string") {
      found.push({ kind: "Condition", name: value[0], path });
    }
    found.push(...referencesIn(value, at));
  }
  return found;
}

/** The references in `template` that name nothing it (or AWS) defines. */
export function danglingReferences(template: Template): Reference[] {
  const resources = new Set(Object.keys(template.Resources));
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  const conditions = new Set(Object.keys(template.Conditions ?? {}));
  const defined = (ref: Reference) => {
    if (ref.kind === "Condition") return conditions.has(ref.name);
    if (ref.kind === "GetAtt") return resources.has(ref.name);
    return resources.has(ref.name) || parameters.has(ref.name) || ref.name.startsWith("AWS::");
  };
  return referencesIn(template).filter((ref) => !defined(ref));
}

/** The bundle file and export a Lambda `Handler` setting names (`index.handler` → index.mjs, handler). */
export function handlerTarget(handler: string, extension = ".mjs"): { file: string; name: string } {
  const dot = handler.lastIndexOf(".");
  return { file: `${handler.slice(0, dot)}${extension}`, name: handler.slice(dot + 1) };
}

/** Where a resource's `CodeUri` points, from the app's folder. */
export function codeDir(codeUri: string): string {
  return resolve(APP_DIR, codeUri);
}
