/** Commands racing each other on a SQLite file, each kernel on its own connection. */
import { registerCommandRaces } from "./support/command-races.js";

registerCommandRaces("sqlite");
