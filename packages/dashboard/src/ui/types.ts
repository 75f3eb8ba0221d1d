/** The API's data as the pages read it (dates are ISO strings once sent as JSON). */

/** A stored error. */
export interface ErrorView {
  code: string;
  message: string;
  name?: string;
  stageId?: string;
  stack?: string;
}

/** A run in the list. */
export interface RunSummary {
  id: string;
  workflowId: string;
  workflowVersion: string;
  status: string;
  idempotencyKey: string | null;
  parentRunId: string | null;
  error: ErrorView | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

/** A page of runs. */
export interface RunList {
  runs: RunSummary[];
  nextCursor: string | null;
}

/** A run record. */
export interface RunRecord extends RunSummary {
  input: unknown;
  output: unknown;
  metadata: unknown;
  currentGroup: number;
}

/** One attempt of a stage. */
export interface AttemptView {
  attempt: number;
  outcome: string;
  at: string;
  startedAt: string | null;
  durationMs: number | null;
  error?: ErrorView;
  retryAt?: string;
}

/** A stage as the inspection sees it. */
export interface StageView {
  stageId: string;
  groupIndex: number;
  state: string;
  attempt: number;
  maxAttempts: number | null;
  lease: { workerId: string; until: string; heartbeatAgeMs: number; expired: boolean } | null;
  startedAt: string | null;
  finishedAt: string | null;
  nextRetryAt: string | null;
  nextCheckAt: string | null;
  attempts: AttemptView[];
  error: ErrorView | null;
  wait?: { kind: string; name: string; childRunId?: string };
  progress: { progress: number; message?: string } | null;
}

/** A line of the run's timeline. */
export interface TimelineEntry {
  at: string;
  stageId: string | null;
  kind: string;
  text: string;
}

/** One attempt drawn as a bar. */
export interface TimelineBar {
  stageId: string;
  attempt: number;
  start: string;
  end: string | null;
  outcome: string;
  error: string | null;
}

/** A run named by another. */
export interface RunLink {
  id: string;
  workflowId: string;
  status: string;
}

/** The run page's data. */
export interface RunView {
  run: RunRecord;
  stages: StageView[];
  timeline: TimelineEntry[];
  bars: TimelineBar[];
  explain: { summary: string; facts: Record<string, unknown> };
  groups: string[][];
  logs: {
    id: string;
    stageId: string | null;
    level: string;
    message: string;
    data: unknown;
    createdAt: string;
  }[];
  events: {
    id: string;
    sequence: number;
    type: string;
    payload: unknown;
    occurredAt: string;
    publishedAt: string | null;
    dlqAt: string | null;
  }[];
  parent: RunLink | null;
  children: RunLink[];
  actions: { cancel: boolean; rerunFrom: string[]; retry: boolean; approvals: string[] };
  now: string;
}

/** A registered workflow. */
export interface WorkflowSummary {
  id: string;
  name: string;
  description: string;
  version: string;
  fingerprint: string;
  groups: string[][];
  mermaid: string;
}

/** A schedule. */
export interface ScheduleView {
  id: string;
  workflowId: string;
  cron: string;
  timezone: string;
  paused: boolean;
  upcoming: string[];
}

/** The workflows page's data. */
export interface WorkflowsView {
  workflows: WorkflowSummary[];
  schedules: ScheduleView[];
  schedulesError: string | null;
}
