/** Rate limits and throttles with 4 workers on the real PostgreSQL server, each its own pool. */
import { registerStartRates } from "./support/start-rates.js";

registerStartRates("postgresql", 4);
