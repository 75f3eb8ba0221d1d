/**
 * The values flowing between the pipeline's stages.
 */
import { z } from "zod";

/** The workflow's input: the URL of a document of the corpus. */
export const PipelineInput = z.object({ url: z.string().url() });

/** What `fetch` returns. */
export const FetchedDocument = z.object({
  url: z.string(),
  /** Last path segment of the URL, e.g. `durable-workflows`. */
  slug: z.string(),
  contentType: z.literal("text/markdown"),
  body: z.string(),
  bytes: z.number().int(),
  etag: z.string(),
  fetchedAt: z.date(),
});
/** What `fetch` returns. */
export type FetchedDocument = z.infer<typeof FetchedDocument>;

/** What `extract-text` returns. */
export const ExtractedText = z.object({
  text: z.string(),
  words: z.number().int(),
  paragraphs: z.number().int(),
  /** The text cut into passages of about {@link CHUNK_WORDS} words, for embedding. */
  chunks: z.array(z.string()),
});
/** What `extract-text` returns. */
export type ExtractedText = z.infer<typeof ExtractedText>;

/** What `extract-metadata` returns. */
export const DocumentMetadata = z.object({
  title: z.string(),
  author: z.string(),
  language: z.string(),
  publishedAt: z.date(),
  tags: z.array(z.string()),
  headings: z.array(z.string()),
});
/** What `extract-metadata` returns. */
export type DocumentMetadata = z.infer<typeof DocumentMetadata>;

/** What `thumbnail` returns: where the rendered SVG is stored. */
export const Thumbnail = z.object({
  key: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  bytes: z.number().int(),
});
/** What `thumbnail` returns. */
export type Thumbnail = z.infer<typeof Thumbnail>;

/** What `embed` returns once its batch completed. */
export const Embedding = z.object({
  batchId: z.string(),
  model: z.string(),
  dimensions: z.number().int(),
  vectors: z.array(z.array(z.number())),
  /** How long the batch took, from submission to completion. */
  batchMs: z.number().int(),
});
/** What `embed` returns. */
export type Embedding = z.infer<typeof Embedding>;

/** The workflow's output: the published record. */
export const PublishedDocument = z.object({
  slug: z.string(),
  url: z.string(),
  path: z.string(),
  title: z.string(),
  author: z.string(),
  language: z.string(),
  publishedAt: z.date(),
  words: z.number().int(),
  readingMinutes: z.number().int(),
  summary: z.string(),
  tags: z.array(z.string()),
  thumbnail: z.string(),
  embedding: z.object({ batchId: z.string(), model: z.string(), chunks: z.number().int() }),
});
/** The workflow's output. */
export type PublishedDocument = z.infer<typeof PublishedDocument>;

/** Words per embedded passage. */
export const CHUNK_WORDS = 40;
