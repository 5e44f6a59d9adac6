/** Summary of several runs of one figure: the median with the smallest and largest run. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

/** The value at quantile `q` (0..1) of `values`, by nearest rank on a sorted copy. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

/** Median and range of per-run figures. */
export function summarize(runs: readonly number[]): Summary {
  const finite = runs.filter((r) => Number.isFinite(r));
  if (finite.length === 0)
    return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: [...runs] };
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: [...runs] };
}

/**
 * Per-run ratios of `subject` to `baseline` (run i against run i: both were measured in the
 * same round, under the same load), summarized.
 */
export function ratioOf(subject: readonly number[], baseline: readonly number[]): Summary {
  return summarize(subject.map((s, i) => s / baseline[i]));
}

/** Nanoseconds from process.hrtime.bigint() as milliseconds. */
export function nsToMs(ns: bigint): number {
  return Number(ns) / 1e6;
}

/** Formats a number with a sensible number of significant digits for a table. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return "n/a";
  const a = Math.abs(n);
  if (a >= 100_000) return Math.round(n).toLocaleString("en-US");
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  return n.toPrecision(2);
}

/** "median (min..max)". */
export function fmtSummary(s: Summary): string {
  return `${fmt(s.median)} (${fmt(s.min)}..${fmt(s.max)})`;
}
