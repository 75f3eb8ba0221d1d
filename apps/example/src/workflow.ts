/**
 * A document pipeline: fetch a document, extract its text and its metadata in parallel, then
 * publish a summary. Stages are deterministic so the example runs anywhere, offline.
 */
import { defineStage, defineWorkflow } from "@ratchet/kernel";
import { z } from "zod";

const Document = z.object({ url: z.string().url(), body: z.string(), fetchedAt: z.date() });

/** Fetches the document (here: renders one from the URL, so the example needs no network). */
export const fetchDocument = defineStage({
  id: "fetch",
  name: "Fetch document",
  schemas: { input: z.object({ url: z.string().url() }), output: Document },
  execute: (ctx) => {
    ctx.log.info("fetching", { url: ctx.input.url });
    const topic = new URL(ctx.input.url).pathname.split("/").filter(Boolean).join(" ") || "home";
    return {
      url: ctx.input.url,
      body: `# ${topic}\n\nRatchet runs durable workflows. Each stage commits once; crashes lose nothing.\nThis document is about ${topic}.`,
      fetchedAt: ctx.metadata.requestedAt instanceof Date ? ctx.metadata.requestedAt : new Date(0),
    };
  },
});

/** Extracts plain text and counts words. */
export const extractText = defineStage({
  id: "extract-text",
  name: "Extract text",
  schemas: { input: Document, output: z.object({ text: z.string(), words: z.number().int() }) },
  execute: (ctx) => {
    const text = ctx.input.body.replace(/^#.*$/m, "").replace(/\s+/g, " ").trim();
    return { text, words: text.split(" ").length };
  },
});

/** Extracts the title and the fetch date. */
export const extractMetadata = defineStage({
  id: "extract-metadata",
  name: "Extract metadata",
  schemas: { input: Document, output: z.object({ title: z.string(), fetchedAt: z.date() }) },
  execute: (ctx) => ({
    title: /^# (.*)$/m.exec(ctx.input.body)?.[1] ?? "untitled",
    fetchedAt: ctx.input.fetchedAt,
  }),
});

const Published = z.object({
  id: z.string(),
  title: z.string(),
  words: z.number().int(),
  summary: z.string(),
  fetchedAt: z.date(),
});

/** Publishes a summary built from both extractions. */
export const publish = defineStage({
  id: "publish",
  name: "Publish",
  schemas: {
    input: z.object({
      "extract-text": extractText.schemas.output,
      "extract-metadata": extractMetadata.schemas.output,
    }),
    output: Published,
    config: z.object({ summaryLength: z.number().int().positive().default(60) }),
  },
  execute: (ctx) => {
    const { text, words } = ctx.input["extract-text"];
    const { title, fetchedAt } = ctx.input["extract-metadata"];
    return {
      id: `doc-${ctx.workflowRunId.slice(-8)}`,
      title,
      words,
      summary:
        text.length > ctx.config.summaryLength
          ? `${text.slice(0, ctx.config.summaryLength)}…`
          : text,
      fetchedAt,
    };
  },
});

/** The workflow: fetch → (extract-text ∥ extract-metadata) → publish. */
export const documentWorkflow = defineWorkflow({
  id: "document-pipeline",
  name: "Document pipeline",
  description: "Fetches a document, extracts text and metadata in parallel, publishes a summary",
  input: z.object({ url: z.string().url() }),
  output: Published,
})
  .pipe(fetchDocument)
  .parallel([extractText, extractMetadata])
  .pipe(publish)
  .build();
