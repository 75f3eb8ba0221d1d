/** JSON values as adapters store them (see `records.ts`). */

/** A JSON value as stored by adapters. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** A JSON object as stored by adapters. */
export type JsonObject = { [key: string]: JsonValue };
