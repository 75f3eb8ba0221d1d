/**
 * `extract-text`: strips the Markdown to plain text, counts words and paragraphs, and cuts the
 * text into passages for embedding.
 */
import { defineStage } from "@ratchet/kernel";
import { type DemoEnv, simulateWork } from "../env.js";
import { CHUNK_WORDS, ExtractedText, FetchedDocument } from "../schemas.js";

/** The Markdown body without its front matter. */
export function withoutFrontMatter(body: string): string {
  return body.replace(/^---\n[\s\S]*?\n---\n/, "");
}

/** Plain-text paragraphs of a Markdown body (headings dropped, lines joined). */
export function paragraphsOf(body: string): string[] {
  return withoutFrontMatter(body)
    .split(/\n\s*\n/)
    .map((block) =>
      block
        .split("\n")
        .filter((line) => !line.startsWith("#"))
        .join(" ")
        .replace(/\s+/g, " ")
        .trim(),
    )
    .filter((paragraph) => paragraph.length > 0);
}

/** Cuts `words` into passages of at most `size` words. */
export function chunkWords(words: readonly string[], size: number): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i += size) chunks.push(words.slice(i, i + size).join(" "));
  return chunks;
}

/** Creates the `extract-text` stage. */
export function extractTextStage(env: DemoEnv) {
  return defineStage({
    id: "extract-text",
    name: "Extract text",
    description: "Plain text, word and paragraph counts, passages for embedding",
    schemas: { input: FetchedDocument, output: ExtractedText },
    async execute(ctx) {
      ctx.onProgress({ progress: 0, message: "parsing Markdown" });
      await simulateWork(env, 180, ctx.signal);
      const paragraphs = paragraphsOf(ctx.input.body);
      const text = paragraphs.join("\n\n");
      const words = text.split(/\s+/).filter(Boolean);
      return {
        text,
        words: words.length,
        paragraphs: paragraphs.length,
        chunks: chunkWords(words, CHUNK_WORDS),
      };
    },
  });
}
