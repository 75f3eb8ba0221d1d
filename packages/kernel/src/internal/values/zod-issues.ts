/**
 * Turns zod errors into Ratchet's validation issues.
 */
import type { z } from "zod";
import type { ValidationIssue } from "../../errors.js";

/** Flattens a zod error into issues whose paths start with `root`. */
export function zodIssues(error: z.ZodError, root: string): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: [root, ...issue.path.map((p) => (typeof p === "number" ? `[${p}]` : String(p)))]
      .join(".")
      .replace(/\.\[/g, "["),
    message: issue.message,
    code: issue.code,
  }));
}
