/** Claim and dequeue races on one SQLite file, 4 separate connections. */
import { registerRaces } from "./support/races.js";

registerRaces("sqlite", 4, 500, 2_000);
