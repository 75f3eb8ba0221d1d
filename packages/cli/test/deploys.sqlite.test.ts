/** The deploy commands (status, runs, deploy-check, runs migrate) as child processes on SQLite files. */
import { createSqliteStack } from "@ratchet/prisma";
import { createSqliteFile } from "@ratchet/prisma/testing";
import { deploySuite } from "./support/deploy-suite.js";

deploySuite("deploys (child process, SQLite)", async (label) => {
  const db = createSqliteFile(`cli-${label}`);
  return {
    url: db.url,
    open: () => createSqliteStack({ file: db.file }),
    cleanup: async () => db.cleanup(),
  };
});
