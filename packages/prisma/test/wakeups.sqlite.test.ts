/** Wake-ups on SQLite (in-process). */
import { registerWakeups } from "./support/wakeup-suite.js";

registerWakeups("sqlite");
