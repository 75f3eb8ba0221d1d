import { createInMemoryStack } from "@ratchet/kernel/testing";
import { serverlessEndToEnd } from "./support/end-to-end.js";

serverlessEndToEnd({
  name: "in memory",
  open: async () => ({ ports: createInMemoryStack(), close: async () => {} }),
});
