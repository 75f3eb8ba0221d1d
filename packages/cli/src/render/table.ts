/**
 * A plain text table: a header row and left-aligned columns two spaces apart.
 */
import { padEnd, type Style, visibleWidth } from "./style.js";

/** Renders `rows` under `headers`; cells may hold colours. */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  style: Style,
): string[] {
  const widths = headers.map((header, i) =>
    Math.max(visibleWidth(header), ...rows.map((row) => visibleWidth(row[i] ?? ""))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : padEnd(cell, widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [style.bold(line(headers)), ...rows.map(line)];
}
