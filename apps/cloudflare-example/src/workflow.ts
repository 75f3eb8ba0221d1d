/**
 * The example's workflow: digest a feed. Parse its entries, then count words and collect tags
 * in parallel, then write the digest. Deterministic, so it runs anywhere offline.
 */
import { defineStage, defineWorkflow } from "@ratchet/kernel";
import { z } from "zod";

const Entry = z.object({ title: z.string(), tags: z.array(z.string()) });
const Feed = z.object({ feed: z.string().min(1), entries: z.array(Entry) });

/** Normalises the feed's entries. */
export const parseFeed = defineStage({
  id: "parse-feed",
  name: "Parse feed",
  schemas: { input: Feed, output: Feed },
  execute: (ctx) => ({
    feed: ctx.input.feed,
    entries: ctx.input.entries.map((e) => ({
      title: e.title.trim(),
      tags: e.tags.map((t) => t.toLowerCase()),
    })),
  }),
});

/** Counts the words of every title. */
export const countWords = defineStage({
  id: "count-words",
  name: "Count words",
  schemas: { input: Feed, output: z.object({ words: z.number().int() }) },
  execute: (ctx) => ({
    words: ctx.input.entries.reduce((n, e) => n + e.title.split(/\s+/).filter(Boolean).length, 0),
  }),
});

/** Collects the distinct tags, sorted. */
export const collectTags = defineStage({
  id: "collect-tags",
  name: "Collect tags",
  schemas: { input: Feed, output: z.object({ tags: z.array(z.string()) }) },
  execute: (ctx) => ({ tags: [...new Set(ctx.input.entries.flatMap((e) => e.tags))].sort() }),
});

/** The digest the workflow produces. */
export const Digest = z.object({
  headline: z.string(),
  words: z.number().int(),
  tags: z.array(z.string()),
});

/** Writes the digest from both results. */
export const writeDigest = defineStage({
  id: "write-digest",
  name: "Write digest",
  schemas: {
    input: z.object({
      "count-words": countWords.schemas.output,
      "collect-tags": collectTags.schemas.output,
    }),
    output: Digest,
  },
  execute: (ctx) => {
    const { words } = ctx.input["count-words"];
    const { tags } = ctx.input["collect-tags"];
    return { headline: `${words} words about ${tags.join(", ") || "nothing"}`, words, tags };
  },
});

/** parse-feed → (count-words ∥ collect-tags) → write-digest */
export const digestWorkflow = defineWorkflow({
  id: "feed-digest",
  name: "Feed digest",
  input: Feed,
  output: Digest,
})
  .pipe(parseFeed)
  .parallel([countWords, collectTags])
  .pipe(writeDigest)
  .build();
