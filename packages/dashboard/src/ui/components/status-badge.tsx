/** A run or stage status as a coloured badge. */
import { statusClass } from "../format.js";

/** The badge. */
export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  return (
    <span class={statusClass(status)} data-testid={testId}>
      {status}
    </span>
  );
}
