/**
 * Why a `--workflows` module failed to load, said so a user can act on it: a package it imports
 * that is not installed where the module is (Node resolves a module's imports from the
 * module's own folder, never from the CLI's), a relative import that does not exist, a
 * TypeScript file given as it is, or an error the module itself threw.
 */
import { dirname, extname } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../cli/errors.js";

/** What every `--workflows` error adds. */
export const MODULE_HINT =
  "The module must export `workflows` (an array of built workflows) or a default array; build TypeScript to JavaScript first.";

const TYPESCRIPT = new Set([".ts", ".mts", ".cts", ".tsx"]);

/** The error for `path` (as given), resolved to `file`, that failed to import with `error`. */
export function moduleLoadError(path: string, file: string, error: unknown): UsageError {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const options = { field: "--workflows", cause: error };
  if (code === "ERR_UNKNOWN_FILE_EXTENSION" && TYPESCRIPT.has(extname(file))) {
    return new UsageError(`--workflows: ${path} is TypeScript, which Node does not load as it is`, {
      ...options,
      hint: "Compile it to JavaScript (e.g. `npx tsc`) and pass the .js file.",
    });
  }
  if (code === "ERR_MODULE_NOT_FOUND") {
    const missingPackage = /Cannot find package '([^']+)' imported from (.+)$/m.exec(message);
    if (missingPackage) {
      const name = packageName(missingPackage[1] ?? "");
      const importer = displayPath(missingPackage[2] ?? file);
      return new UsageError(
        `--workflows: ${path} cannot be loaded: ${importer} imports '${name}', which is not installed in ${dirname(importer)} or any folder above it`,
        {
          ...options,
          hint: `Install it in the module's project: npm install ${name}. A module's imports resolve from the module's own folder, not from the ratchet command's installation.`,
        },
      );
    }
    const missingFile = /Cannot find module '([^']+)' imported from (.+)$/m.exec(message);
    if (missingFile) {
      return new UsageError(
        `--workflows: ${path} cannot be loaded: ${displayPath(missingFile[2] ?? file)} imports ${displayPath(missingFile[1] ?? "")}, which does not exist`,
        {
          ...options,
          hint: "Check the import's path (an ES module import names the file with its extension, e.g. './stages.js').",
        },
      );
    }
  }
  return new UsageError(`--workflows: cannot load ${path}: ${message}`, {
    ...options,
    hint: MODULE_HINT,
  });
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

/** A `file://` URL as a path; anything else as it is. */
function displayPath(value: string): string {
  const trimmed = value.trim();
  return trimmed.startsWith("file://") ? fileURLToPath(trimmed) : trimmed;
}
