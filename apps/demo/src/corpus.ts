/**
 * The demo's built-in corpus: a few Markdown documents keyed by URL, so "fetching" needs no
 * network. One of them fails once with a simulated `503` to show retries.
 */

/** A document of the corpus as the simulated server returns it. */
export interface CorpusEntry {
  url: string;
  /** Markdown with a front-matter block (title, author, language, date, tags). */
  body: string;
  /** How many first attempts fail with a transient `503` before the server answers. */
  transientFailures: number;
}

const BASE = "https://library.example.org";

const DOCUMENTS: readonly CorpusEntry[] = [
  {
    url: `${BASE}/guides/durable-workflows`,
    transientFailures: 0,
    body: `---
title: Durable workflows in practice
author: Ada Ramirez
language: en
date: 2026-03-02
tags: workflows, durability, operations
---
# Durable workflows in practice

A durable workflow survives the failures that ordinary code does not. Every stage records its
result before the next one starts, so a crash in the middle of the night costs one stage at
most, never the whole pipeline.

## Stages and groups

Work is split into stages. Stages that do not depend on each other run in parallel groups, and
the next group starts only when every stage of the current one has completed.

## Operating it

Workers can be stopped and started at any time. A stopped worker hands its jobs back to the
queue, and another worker picks them up where they were left.`,
  },
  {
    url: `${BASE}/articles/transactional-outbox`,
    transientFailures: 1,
    body: `---
title: The transactional outbox
author: Jonas Weber
language: en
date: 2025-11-18
tags: events, consistency, databases
---
# The transactional outbox

Publishing an event after a database commit looks simple until the process dies between the
two. The outbox pattern writes the event into the same transaction as the state change, and a
separate publisher delivers it afterwards.

## At least once

Because the publisher may crash after delivering but before marking an event as sent, every
event can arrive twice. Consumers deduplicate on the event id; in exchange, no event is ever
lost.

## Ordering

Events of one run keep their order, while a slow consumer of one run never holds back the
others.`,
  },
  {
    url: `${BASE}/notes/retries-and-backoff`,
    transientFailures: 0,
    body: `---
title: Retries and exponential back-off
author: Mei Tanaka
language: en
date: 2026-01-09
tags: reliability, retries
---
# Retries and exponential back-off

Most failures are transient: a timeout, a restarted server, a full connection pool. Retrying
after a pause that doubles each time gives the other side room to recover.

## Knowing when to stop

Some errors will never go away by themselves. A missing document or an invalid request should
fail at once instead of burning attempts, so the error tells the engine not to retry.`,
  },
  {
    url: `${BASE}/papers/sqlite-wal`,
    transientFailures: 0,
    body: `---
title: SQLite in write-ahead-log mode
author: Priya Natarajan
language: en
date: 2025-08-27
tags: sqlite, storage, concurrency
---
# SQLite in write-ahead-log mode

In WAL mode readers never block the writer and the writer never blocks readers. One writer at a
time is enough for a surprising amount of work when every transaction is short.

## Embedded by default

A single file needs no server, no credentials and no setup, which makes it a good default for
development and for small deployments. When one machine is no longer enough, the same schema
moves to PostgreSQL.`,
  },
  {
    url: `${BASE}/reports/async-batches`,
    transientFailures: 0,
    body: `---
title: Suspending for asynchronous batches
author: Tomás Oliveira
language: en
date: 2026-05-14
tags: batches, suspension, embeddings
---
# Suspending for asynchronous batches

Some work happens elsewhere and takes its time: an embedding batch, a transcoding job, a human
approval. Holding a worker while waiting wastes it, so the stage submits the work, suspends,
and is checked again later.

## Resuming

When the batch reports completion, the stage resumes with its result and the workflow moves
on, on whichever worker happens to check it.`,
  },
];

const BY_URL = new Map(DOCUMENTS.map((doc) => [doc.url, doc]));

/** Every URL of the corpus, in a stable order. */
export const DEMO_URLS: readonly string[] = DOCUMENTS.map((doc) => doc.url);

/** The corpus entry served at `url`, if any. */
export function lookupDocument(url: string): CorpusEntry | undefined {
  return BY_URL.get(url);
}
