/** OpenTelemetry across two workers on SQLite (a real temporary file). */
import { registerTelemetrySuite } from "./support/telemetry-suite.js";

registerTelemetrySuite("sqlite");
