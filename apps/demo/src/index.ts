/**
 * `@ratchet/demo`: Ratchet's demo application — a document-processing pipeline that runs
 * offline and deterministically:
 *
 * ```text
 * fetch → ( extract-text ∥ extract-metadata ∥ thumbnail ) → embed (async batch) → publish
 * ```
 *
 * `fetch` serves documents from a built-in corpus (one fails once with a transient `503`, so
 * the run shows a retry); `embed` submits a simulated embedding batch and suspends until it
 * is done (about 1–1.7 s). `ratchet demo` runs it end to end.
 */
export {
  type BatchStatus,
  type BatchTicket,
  batchDelayMs,
  checkBatch,
  EMBEDDING_DIMENSIONS,
  EMBEDDING_MODEL,
  embedText,
  submitBatch,
} from "./batch-service.js";
export { type CorpusEntry, DEMO_URLS, lookupDocument } from "./corpus.js";
export { abortableSleep, type DemoEnv, realTimeEnv, simulateWork } from "./env.js";
export {
  DocumentMetadata,
  Embedding,
  ExtractedText,
  FetchedDocument,
  PipelineInput,
  PublishedDocument,
  Thumbnail,
} from "./schemas.js";
export {
  createDocumentPipeline,
  DOCUMENT_PIPELINE_ID,
  documentPipeline,
  workflows,
} from "./workflow.js";
