/**
 * The demo workflow, `document-pipeline`:
 *
 * ```text
 * fetch → ( extract-text ∥ extract-metadata ∥ thumbnail ) → embed (async batch) → publish
 * ```
 */
import { type AnyWorkflow, defineWorkflow } from "@ratchet/kernel";
import { type DemoEnv, realTimeEnv } from "./env.js";
import { PipelineInput, PublishedDocument } from "./schemas.js";
import { embedStage } from "./stages/embed.js";
import { extractMetadataStage } from "./stages/extract-metadata.js";
import { extractTextStage } from "./stages/extract-text.js";
import { fetchStage } from "./stages/fetch.js";
import { publishStage } from "./stages/publish.js";
import { thumbnailStage } from "./stages/thumbnail.js";

/** Id of the demo workflow. */
export const DOCUMENT_PIPELINE_ID = "document-pipeline";

/** Builds the document pipeline over `env` (real time by default; tests pass a fake clock). */
export function createDocumentPipeline(env: DemoEnv = realTimeEnv) {
  return defineWorkflow({
    id: DOCUMENT_PIPELINE_ID,
    name: "Document pipeline",
    description:
      "Fetches a document, extracts its text and metadata and renders a thumbnail in parallel, embeds it in an async batch, publishes it",
    input: PipelineInput,
    output: PublishedDocument,
  })
    .pipe(fetchStage(env))
    .parallel([extractTextStage(env), extractMetadataStage(env), thumbnailStage(env)])
    .pipe(embedStage(env))
    .pipe(publishStage(env))
    .build();
}

/** The document pipeline in real time. */
export const documentPipeline = createDocumentPipeline();

/** Every demo workflow (what `ratchet worker` registers by default). */
export const workflows: readonly AnyWorkflow[] = [documentPipeline];
