/**
 * `EXPLAIN ANALYZE` of an adapter's statement on PostgreSQL, as the server plans it for the
 * stack's named prepared statements: the first executions get custom plans (built for the
 * parameter values), later ones may get the generic plan (built for any values). Both are
 * checked by preparing the statement and forcing `plan_cache_mode`. The statement runs in a
 * transaction that is rolled back, so it changes nothing.
 */
import type pg from "pg";

/** A node of a JSON plan (`EXPLAIN (FORMAT JSON)`), with the fields the tests read. */
export interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
  [field: string]: unknown;
}

/** Which plan the server is made to use. */
export type PlanMode = "custom" | "generic";

/** The parameter as an SQL literal (EXECUTE takes no bind parameters inside EXPLAIN). */
function literal(client: pg.Client, value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return client.escapeLiteral(value);
  throw new Error(`[ratchet] [test] cannot write ${typeof value} as a literal`);
}

/** The executed plan of `statement` (rolled back), with the plan `mode` forces. */
export async function explainAnalyze(
  client: pg.Client,
  statement: { sql: string; params: readonly unknown[] },
  mode: PlanMode,
): Promise<PlanNode> {
  await client.query("BEGIN");
  try {
    await client.query(
      `SET LOCAL plan_cache_mode = ${mode === "generic" ? "force_generic_plan" : "force_custom_plan"}`,
    );
    await client.query(`PREPARE ratchet_explained AS ${statement.sql}`);
    const args = statement.params.map((value) => literal(client, value)).join(", ");
    const { rows } = await client.query(
      `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE ratchet_explained(${args})`,
    );
    return (rows[0]["QUERY PLAN"] as Array<{ Plan: PlanNode }>)[0]?.Plan as PlanNode;
  } finally {
    await client.query("ROLLBACK");
    await client.query("DEALLOCATE ALL");
  }
}

/** Every node of a plan, depth first. */
export function planNodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(planNodes)];
}

/** The plan as indented lines (node type, relation, index), for failure messages. */
export function describePlan(plan: PlanNode, depth = 0): string {
  const on = plan["Relation Name"] ? ` on ${plan["Relation Name"]}` : "";
  const using = plan["Index Name"] ? ` using ${plan["Index Name"]}` : "";
  const rows = plan["Actual Rows"] === undefined ? "" : ` (rows=${plan["Actual Rows"]})`;
  return [
    `${"  ".repeat(depth)}${plan["Node Type"]}${using}${on}${rows}`,
    ...(plan.Plans ?? []).map((child) => describePlan(child, depth + 1)),
  ].join("\n");
}
