/** The copies in `commands/option-values.ts` of values another package owns stay equal to them. */
import { DEFAULT_DASHBOARD_HOST, DEFAULT_DASHBOARD_PORT } from "@ratchet/dashboard";
import { describe, expect, it } from "vitest";
import { DASHBOARD_HELP_DEFAULTS } from "../src/commands/option-values.js";

describe("option values", () => {
  it("`ratchet dashboard --help` shows @ratchet/dashboard's own default host and port", () => {
    expect(DASHBOARD_HELP_DEFAULTS).toEqual({
      host: DEFAULT_DASHBOARD_HOST,
      port: DEFAULT_DASHBOARD_PORT,
    });
  });
});
