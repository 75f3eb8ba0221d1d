/**
 * `publish`: assembles the published record from every earlier stage's output (read with
 * `ctx.require`) and returns it as the workflow's output.
 */
import { defineStage } from "@ratchet/kernel";
import { z } from "zod";
import { type DemoEnv, simulateWork } from "../env.js";
import {
  type DocumentMetadata,
  Embedding,
  type ExtractedText,
  type FetchedDocument,
  PublishedDocument,
  type Thumbnail,
} from "../schemas.js";

/** The first `words` words of `text`, with an ellipsis when cut. */
export function summarize(text: string, words: number): string {
  const all = text.split(/\s+/).filter(Boolean);
  return all.length <= words ? all.join(" ") : `${all.slice(0, words).join(" ")}…`;
}

/** Creates the `publish` stage. */
export function publishStage(env: DemoEnv) {
  return defineStage({
    id: "publish",
    name: "Publish",
    description: "Assembles and publishes the document record",
    schemas: {
      input: Embedding,
      output: PublishedDocument,
      config: z.object({
        basePath: z.string().default("/library"),
        summaryWords: z.number().int().positive().default(16),
      }),
    },
    async execute(ctx) {
      ctx.onProgress({ progress: 0, message: "publishing" });
      await simulateWork(env, 140, ctx.signal);
      const doc = ctx.require<FetchedDocument>("fetch");
      const text = ctx.require<ExtractedText>("extract-text");
      const meta = ctx.require<DocumentMetadata>("extract-metadata");
      const thumbnail = ctx.require<Thumbnail>("thumbnail");
      return {
        slug: doc.slug,
        url: doc.url,
        path: `${ctx.config.basePath}/${doc.slug}`,
        title: meta.title,
        author: meta.author,
        language: meta.language,
        publishedAt: meta.publishedAt,
        words: text.words,
        readingMinutes: Math.max(1, Math.round(text.words / 200)),
        summary: summarize(text.text, ctx.config.summaryWords),
        tags: meta.tags,
        thumbnail: thumbnail.key,
        embedding: {
          batchId: ctx.input.batchId,
          model: ctx.input.model,
          chunks: ctx.input.vectors.length,
        },
      };
    },
  });
}
