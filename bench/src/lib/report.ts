import { fmt, fmtSummary, type Summary } from "./stats.js";

/** One line of a workload's table: a figure beside its raw baseline. */
export interface Row {
  figure: string;
  unit: string;
  value: Summary;
  /** The raw baseline measured in the same runs, when the figure has one. */
  baseline?: Summary;
  /** value / baseline per run, summarized (or another ratio the target is stated in). */
  ratio?: Summary;
  /** The target as the issue states it, e.g. "≥ 0.50× raw". */
  target?: string;
  /** Whether the median meets the target (undefined when there is none). */
  met?: boolean;
}

/** What a workload hands back to the runner. */
export interface WorkloadResult {
  id: string;
  title: string;
  rows: Row[];
  notes: string[];
  seconds: number;
  /** Everything measured, per run, for the JSON file. */
  detail: unknown;
}

/** The whole suite's output (bench/results/latest.json). */
export interface SuiteResult {
  startedAt: string;
  command: string;
  machine: Record<string, unknown>;
  versions: Record<string, string>;
  load: { before: number[]; after: number[] };
  options: Record<string, unknown>;
  workloads: WorkloadResult[];
  totalSeconds: number;
}

function cell(s: Summary | undefined): string {
  return s ? fmtSummary(s) : "";
}

function verdict(row: Row): string {
  if (row.target === undefined) return "";
  return `${row.target} ${row.met ? "✅ met" : "❌ missed"}`;
}

/** The markdown table of one workload. */
export function workloadMarkdown(w: WorkloadResult): string {
  const lines = [
    `### ${w.title}`,
    "",
    "| figure | median (min..max) | raw baseline | ratio | target |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const r of w.rows) {
    const ratio = r.ratio
      ? `${fmt(r.ratio.median)}× (${fmt(r.ratio.min)}..${fmt(r.ratio.max)})`
      : "";
    lines.push(
      `| ${r.figure} (${r.unit}) | ${cell(r.value)} | ${cell(r.baseline)} | ${ratio} | ${verdict(r)} |`,
    );
  }
  if (w.notes.length > 0) lines.push("", ...w.notes.map((n) => `- ${n}`));
  lines.push("", `_${w.seconds.toFixed(0)} s_`, "");
  return lines.join("\n");
}

/** The whole report: header with machine, versions, command and load, then every table. */
export function suiteMarkdown(s: SuiteResult): string {
  const m = s.machine;
  const head = [
    `## Results of ${s.startedAt}`,
    "",
    `- command: \`${s.command}\``,
    `- machine: ${m.cpuModel} × ${m.cpus} CPUs, ${m.memoryGiB} GiB, ${m.os}`,
    `- versions: ${Object.entries(s.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
    `- load average (1, 5, 15 min) before: ${s.load.before.map((l) => l.toFixed(2)).join(", ")}; after: ${s.load.after.map((l) => l.toFixed(2)).join(", ")}`,
    `- options: ${JSON.stringify(s.options)}`,
    `- total: ${s.totalSeconds.toFixed(0)} s`,
    "",
  ];
  return [...head, ...s.workloads.map(workloadMarkdown)].join("\n");
}
