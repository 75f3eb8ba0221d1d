/** Route keys on PostgreSQL: stored, moved by patches, honoured by every route-filtered read. */
import { registerRouteTests } from "./support/routes-suite.js";

registerRouteTests("postgresql");
