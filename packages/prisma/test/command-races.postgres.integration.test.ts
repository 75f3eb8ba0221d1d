/** Commands racing each other on the real PostgreSQL server, each kernel on its own pool. */
import { registerCommandRaces } from "./support/command-races.js";

registerCommandRaces("postgresql");
