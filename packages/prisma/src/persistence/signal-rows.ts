/**
 * Column lists and row mappers of `ratchet_signals` and `ratchet_signal_waits`.
 */
import type { SignalRecord, SignalWaitKind, SignalWaitRecord } from "@ratchet/kernel/adapter";
import { parseJson, type RowSource, toDate, toDateOrNull } from "../sql/rows.js";

type Row = Record<string, unknown>;

const SIGNALS: RowSource = { table: "ratchet_signals", idColumn: "id", runColumn: "run_id" };

/** Columns of `ratchet_signals`, in the order {@link signalFromRow} reads them. */
export const SIGNAL_COLUMNS =
  "id, run_id, name, match_key, payload, sent_at, consumed_at, consumed_by";

/** A signal row as a record (its payload is any JSON value, `null` included). */
export function signalFromRow(row: Row): SignalRecord {
  return {
    id: row.id as string,
    runId: (row.run_id as string | null) ?? null,
    name: row.name as string,
    matchKey: (row.match_key as string | null) ?? null,
    payload: parseJson(row.payload, SIGNALS, row, "payload"),
    sentAt: toDate(row.sent_at),
    consumedAt: toDateOrNull(row.consumed_at),
    consumedBy: (row.consumed_by as string | null) ?? null,
  };
}

/** Columns of `ratchet_signal_waits`, in the order {@link signalWaitFromRow} reads them. */
export const SIGNAL_WAIT_COLUMNS =
  "stage_record_id, run_id, stage_id, name, match_key, kind, created_at, expires_at";

/** A signal wait row as a record. */
export function signalWaitFromRow(row: Row): SignalWaitRecord {
  return {
    stageRecordId: row.stage_record_id as string,
    runId: row.run_id as string,
    stageId: row.stage_id as string,
    name: row.name as string,
    matchKey: (row.match_key as string | null) ?? null,
    kind: row.kind as SignalWaitKind,
    createdAt: toDate(row.created_at),
    expiresAt: toDateOrNull(row.expires_at),
  };
}
