/** Concurrency limits with 4 workers on one SQLite file, each its own connection. */
import { registerConcurrencyLimits } from "./support/concurrency.js";

registerConcurrencyLimits("sqlite", 4);
