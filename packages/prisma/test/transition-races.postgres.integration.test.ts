/** Overlapping transitions on the real PostgreSQL server, 4 kernels with pools of their own. */
import { registerTransitionRaces } from "./support/transition-races.js";

registerTransitionRaces("postgresql", 4);
