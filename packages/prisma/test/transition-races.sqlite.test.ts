/** Overlapping transitions on SQLite, 4 kernels each with a connection of its own. */
import { registerTransitionRaces } from "./support/transition-races.js";

registerTransitionRaces("sqlite", 4);
