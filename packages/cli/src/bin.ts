/**
 * The `ratchet` executable: runs {@link main} on the process and exits with its code.
 */

import { processIo } from "./io.js";
import { main } from "./main.js";

const code = await main(process.argv.slice(2), processIo());
process.exitCode = code;
// Everything was closed; if a stray handle (a driver's socket, a timer) still holds the event
// loop, do not hang: exit anyway shortly after.
setTimeout(() => process.exit(code), 1_000).unref();
