import { createPostgresStack } from "@ratchet/prisma";
import { createPostgresDatabase } from "@ratchet/prisma/testing";
import { serverlessEndToEnd } from "./support/end-to-end.js";

serverlessEndToEnd({
  name: "PostgreSQL",
  open: async () => {
    const db = await createPostgresDatabase("serverless_e2e");
    try {
      const stack = await createPostgresStack({ url: db.url });
      return {
        ports: stack,
        close: async () => {
          await stack.close();
          await db.drop();
        },
      };
    } catch (error) {
      await db.drop();
      throw error;
    }
  },
});
