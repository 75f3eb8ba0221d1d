import { createSqliteStack } from "@ratchet/prisma";
import { createSqliteFile } from "@ratchet/prisma/testing";
import { serverlessEndToEnd } from "./support/end-to-end.js";

serverlessEndToEnd({
  name: "SQLite",
  open: async () => {
    const db = createSqliteFile("serverless-e2e");
    const stack = await createSqliteStack({ file: db.file });
    return {
      ports: stack,
      close: async () => {
        await stack.close();
        db.cleanup();
      },
    };
  },
});
