/**
 * The newest runs first, for `ratchet runs`. The persistence port lists runs oldest-updated
 * first; the newest ids are read here with the Prisma model API (the same on both generated
 * clients), then loaded through the port.
 */
import type { RunRecord, RunStatus } from "@ratchet/kernel";
import type { PrismaStack } from "@ratchet/prisma";

/** Filter of {@link listRecentRuns}. */
export interface RecentRunsQuery {
  status?: RunStatus | undefined;
  workflowId?: string | undefined;
  limit: number;
}

/** The part of a generated Prisma client used here. */
interface RunModel {
  run: {
    findMany(args: {
      where: { status?: string; workflowId?: string };
      orderBy: Array<{ createdAt: "desc" } | { id: "desc" }>;
      take: number;
      select: { id: true };
    }): Promise<Array<{ id: string }>>;
  };
}

/** Up to `limit` runs, newest first. */
export async function listRecentRuns(
  stack: PrismaStack,
  query: RecentRunsQuery,
): Promise<RunRecord[]> {
  const client = stack.prisma as unknown as RunModel;
  const rows = await client.run.findMany({
    where: {
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.workflowId === undefined ? {} : { workflowId: query.workflowId }),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit,
    select: { id: true },
  });
  const runs = await Promise.all(rows.map((row) => stack.persistence.getRun(row.id)));
  return runs.filter((run): run is RunRecord => run !== null);
}
