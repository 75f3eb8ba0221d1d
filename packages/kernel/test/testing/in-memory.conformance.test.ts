/**
 * The in-memory adapters against the shared conformance suites. The backdoors read the
 * store's tables directly (scanning rows, not using the adapters' indexes).
 */

import { createInMemoryStack, type InMemoryStore } from "../../src/in-memory/index.js";
import { systemClock } from "../../src/index.js";
import { uuidv7Generator } from "../../src/internal/ids.js";
import { transactionalCommitter } from "../../src/ports/transactional-committer.js";
import {
  blobStoreConformance,
  jobTransportConformance,
  type PersistenceBackdoor,
  persistenceConformance,
  runQueriesConformance,
  schedulerConformance,
  stageCommitterConformance,
} from "../../src/testing/conformance/index.js";

function persistenceBackdoor(store: InMemoryStore): PersistenceBackdoor {
  return {
    async readRun(id) {
      const row = store.runs.get(id);
      return row === undefined ? null : structuredClone(row);
    },
    async readStage(runId, stageId) {
      const row = [...store.stages.values()].find(
        (s) => s.runId === runId && s.stageId === stageId,
      );
      if (row === undefined) return null;
      const { output, seq: _seq, ...record } = structuredClone(row);
      return { ...record, output: output ?? null };
    },
    async readLogs(runId) {
      return [...store.logs.values()]
        .filter((log) => log.runId === runId)
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.seq - b.seq)
        .map(({ seq: _seq, ...log }) => structuredClone(log));
    },
    async readOutbox(runId) {
      return [...store.outbox.values()]
        .filter((event) => event.runId === runId)
        .sort((a, b) => a.sequence - b.sequence)
        .map(({ seq: _seq, ...event }) => structuredClone(event));
    },
    async readIdempotencyKey(key, commandType) {
      const row = [...store.idempotencyKeys.values()].find(
        (k) => k.key === key && k.commandType === commandType,
      );
      return row === undefined ? null : { status: row.status, result: structuredClone(row.result) };
    },
  };
}

runQueriesConformance({
  name: "in-memory",
  create: async () => {
    const { persistence, jobTransport, queries } = createInMemoryStack();
    return { persistence, jobTransport, queries, close: async () => {} };
  },
});

persistenceConformance({
  name: "in-memory",
  create: async () => {
    const { store, persistence, queries } = createInMemoryStack();
    return { persistence, queries, backdoor: persistenceBackdoor(store), close: async () => {} };
  },
});

function jobBackdoor(store: InMemoryStore) {
  return {
    async readJob(jobId: string) {
      const row = store.jobs.get(jobId);
      if (row === undefined) return null;
      const { seq: _seq, orderAt: _orderAt, ...job } = structuredClone(row);
      return job;
    },
  };
}

stageCommitterConformance({
  name: "in-memory (its own committer)",
  create: async () => {
    const { store, persistence, jobTransport, queries } = createInMemoryStack();
    const committer = persistence.stageCommitter?.(jobTransport);
    if (!committer)
      throw new Error("the in-memory persistence offers no committer for its own transport");
    return {
      committer,
      persistence,
      queries,
      jobTransport,
      backdoor: { ...persistenceBackdoor(store), ...jobBackdoor(store) },
      close: async () => {},
    };
  },
});

stageCommitterConformance({
  name: "in-memory (transactional committer)",
  create: async () => {
    const { store, persistence, jobTransport, scheduler, queries } = createInMemoryStack();
    return {
      committer: transactionalCommitter({
        persistence,
        jobTransport,
        scheduler,
        clock: systemClock,
        newId: uuidv7Generator(systemClock),
      }),
      persistence,
      queries,
      jobTransport,
      backdoor: { ...persistenceBackdoor(store), ...jobBackdoor(store) },
      close: async () => {},
    };
  },
});

jobTransportConformance({
  name: "in-memory",
  create: async () => {
    const { store, persistence, jobTransport } = createInMemoryStack();
    return {
      jobTransport,
      persistence,
      backdoor: jobBackdoor(store),
      close: async () => {},
    };
  },
});

schedulerConformance({
  name: "in-memory",
  create: async () => {
    const { store, persistence, scheduler } = createInMemoryStack();
    return {
      scheduler,
      persistence,
      backdoor: {
        async readScheduled(type, correlationId) {
          const row = [...store.scheduled.values()].find(
            (s) => s.type === type && s.correlationId === correlationId,
          );
          if (row === undefined) return null;
          const { id, payload, runAt } = structuredClone(row);
          return { id, type, correlationId, payload, runAt };
        },
      },
      close: async () => {},
    };
  },
});

blobStoreConformance({
  name: "in-memory",
  create: async () => ({ blobStore: createInMemoryStack().blobStore, close: async () => {} }),
});
