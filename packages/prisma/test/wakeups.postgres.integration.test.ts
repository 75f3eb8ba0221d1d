/** Wake-ups on the real PostgreSQL server (in-process and LISTEN/NOTIFY). */
import { registerWakeups } from "./support/wakeup-suite.js";

registerWakeups("postgresql");
