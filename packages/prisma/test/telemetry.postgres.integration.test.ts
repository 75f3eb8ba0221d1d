/** OpenTelemetry across two workers on the real PostgreSQL server. */
import { registerTelemetrySuite } from "./support/telemetry-suite.js";

registerTelemetrySuite("postgresql");
