/** Concurrency limits with 4 workers on the real PostgreSQL server, each its own connection pool. */
import { registerConcurrencyLimits } from "./support/concurrency.js";

registerConcurrencyLimits("postgresql", 4);
