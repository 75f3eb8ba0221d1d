/**
 * The workflow behaviour suite on the in-memory adapters. A "restart" builds new adapters
 * over the same store, so only what the store holds survives.
 */

import {
  createInMemoryBlobStore,
  createInMemoryJobTransport,
  createInMemoryPersistence,
  createInMemoryScheduler,
  InMemoryStore,
} from "../../src/in-memory/index.js";
import { workflowConformance } from "../../src/testing/conformance/index.js";

workflowConformance({
  name: "in-memory",
  create: async () => {
    const store = new InMemoryStore();
    const blobStore = createInMemoryBlobStore();
    const portsOver = () => ({
      persistence: createInMemoryPersistence(store),
      jobTransport: createInMemoryJobTransport(store),
      scheduler: createInMemoryScheduler(store),
      blobStore,
    });
    return { ports: portsOver(), restart: async () => portsOver(), close: async () => {} };
  },
});
