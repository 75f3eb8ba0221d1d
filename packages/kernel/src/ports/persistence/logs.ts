/** The logs part of the {@link Persistence} port: what stages log through `ctx.log`. */
import type { LogRecord } from "../../records.js";

/** Stage logs, written with the stage's result. */
export interface LogStore {
  appendLogs(logs: readonly LogRecord[]): Promise<void>;
}
