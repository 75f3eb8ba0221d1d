/**
 * `fetch`: downloads the document — here, serves it from the built-in corpus. A document
 * marked flaky answers `503` to its first attempt (a retryable error); an unknown URL is a
 * `404` that fails at once (`NonRetryableError`).
 */
import { defineStage, NonRetryableError } from "@ratchet/kernel";
import { DEMO_URLS, lookupDocument } from "../corpus.js";
import { type DemoEnv, simulateWork } from "../env.js";
import { fnv1aHex } from "../hash.js";
import { FetchedDocument, PipelineInput } from "../schemas.js";

/** Creates the `fetch` stage. */
export function fetchStage(env: DemoEnv) {
  return defineStage({
    id: "fetch",
    name: "Fetch document",
    description: "Downloads the document (from the demo's built-in corpus)",
    schemas: { input: PipelineInput, output: FetchedDocument },
    retry: { maxAttempts: 3, backoffMs: 300, maxBackoffMs: 2_000 },
    async execute(ctx) {
      const { url } = ctx.input;
      ctx.onProgress({ progress: 0, message: `GET ${url}` });
      const entry = lookupDocument(url);
      await simulateWork(env, 150 + (entry?.body.length ?? 0) / 20, ctx.signal);
      if (!entry) {
        throw new NonRetryableError(
          `GET ${url}: 404 Not Found (not one of the demo's ${DEMO_URLS.length} documents, e.g. ${DEMO_URLS[0]})`,
          { code: "DOCUMENT_NOT_FOUND", field: "input.url" },
        );
      }
      if (ctx.attempt <= entry.transientFailures) {
        ctx.log.warn("server unavailable, will retry", { url, attempt: ctx.attempt });
        throw new Error(`GET ${url}: 503 Service Unavailable (simulated transient failure)`);
      }
      const slug = new URL(url).pathname.split("/").filter(Boolean).at(-1) ?? "index";
      ctx.log.info("fetched", { url, bytes: entry.body.length });
      return {
        url,
        slug,
        contentType: "text/markdown" as const,
        body: entry.body,
        bytes: new TextEncoder().encode(entry.body).length,
        etag: `"${fnv1aHex(entry.body)}"`,
        fetchedAt: new Date(env.now()),
      };
    },
  });
}
