/**
 * `extract-metadata`: reads the front matter (title, author, language, date, tags) and the
 * section headings.
 */
import { defineStage, NonRetryableError } from "@ratchet/kernel";
import { type DemoEnv, simulateWork } from "../env.js";
import { DocumentMetadata, FetchedDocument } from "../schemas.js";

/** The `key: value` pairs of a Markdown front-matter block. */
export function frontMatterOf(body: string): Record<string, string> {
  const block = /^---\n([\s\S]*?)\n---\n/.exec(body)?.[1] ?? "";
  const fields: Record<string, string> = {};
  for (const line of block.split("\n")) {
    const match = /^([A-Za-z]+):\s*(.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) fields[match[1]] = match[2].trim();
  }
  return fields;
}

/** Creates the `extract-metadata` stage. */
export function extractMetadataStage(env: DemoEnv) {
  return defineStage({
    id: "extract-metadata",
    name: "Extract metadata",
    description: "Title, author, language, date and tags from the front matter; headings",
    schemas: { input: FetchedDocument, output: DocumentMetadata },
    async execute(ctx) {
      ctx.onProgress({ progress: 0, message: "reading front matter" });
      await simulateWork(env, 120, ctx.signal);
      const fields = frontMatterOf(ctx.input.body);
      const headings = [...ctx.input.body.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1] ?? "");
      const title = fields.title ?? headings[0];
      if (!title) throw new NonRetryableError(`${ctx.input.url} has no title`);
      return {
        title,
        author: fields.author ?? "unknown",
        language: fields.language ?? "und",
        publishedAt: new Date(`${fields.date ?? "1970-01-01"}T00:00:00Z`),
        tags: (fields.tags ?? "")
          .split(",")
          .map((tag) => tag.trim())
          .filter(Boolean),
        headings,
      };
    },
  });
}
