/** Rate limits and throttles with 4 workers on one SQLite file, each its own connection. */
import { registerStartRates } from "./support/start-rates.js";

registerStartRates("sqlite", 4);
