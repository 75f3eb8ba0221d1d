/**
 * The statistics the harness reports: median, min and max over repetitions, and percentiles of
 * latency samples. Percentiles interpolate linearly between the closest ranks (the method
 * spreadsheets and NumPy use by default), so p50 of an even number of samples is the mean of the
 * middle two, like the median.
 */

/** The p-th percentile (0–100) of `values`; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0–100, got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low] as number;
  const highValue = sorted[high] as number;
  return lowValue + (highValue - lowValue) * (rank - low);
}

/** The median of `values`; NaN for no values. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Median, min and max of repeated measurements, with the samples themselves. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
  samples: number[];
}

/** Summarises repeated measurements (non-finite values are dropped). */
export function summarize(values: readonly number[]): Summary {
  const samples = values.filter((value) => Number.isFinite(value));
  if (samples.length === 0)
    return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0, samples: [] };
  return {
    median: median(samples),
    min: Math.min(...samples),
    max: Math.max(...samples),
    n: samples.length,
    samples,
  };
}

/** The arithmetic mean; NaN for no values. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/**
 * Formats a number for the table: three significant figures at most, thousands grouped, e.g.
 * `1,234`, `56.7`, `0.123`.
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "–";
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** `median (min–max)`, formatted. */
export function formatSummary(summary: Summary): string {
  if (summary.n === 0) return "–";
  return `${formatNumber(summary.median)} (${formatNumber(summary.min)}–${formatNumber(summary.max)})`;
}
