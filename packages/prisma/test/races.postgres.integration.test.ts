/** Claim and dequeue races on the real PostgreSQL server, 8 separate connection pools. */
import { registerRaces } from "./support/races.js";

registerRaces("postgresql", 8, 500, 2_000);
