// `npm run bench`: runs the workloads in turn and writes bench/results/latest.json and
// latest.md. Flags: --quick (smaller sizes), --runs N (default 5), --only a,b (workload ids),
// --profile (every bench child process writes a CPU profile to bench/results/profiles/).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchContext } from "./lib/context.js";
import { makeTmp } from "./lib/context.js";
import { load, machine, REPO_ROOT, versions } from "./lib/machine.js";
import {
  type SuiteResult,
  suiteMarkdown,
  type WorkloadResult,
  workloadMarkdown,
} from "./lib/report.js";
import { fanout } from "./workloads/fanout.js";
import { ingestion } from "./workloads/ingestion.js";
import { latency } from "./workloads/latency.js";
import { scale } from "./workloads/scale.js";
import { startup } from "./workloads/startup.js";

const WORKLOADS: Record<string, (ctx: BenchContext) => Promise<WorkloadResult>> = {
  ingestion,
  latency,
  scale,
  fanout,
  startup,
};

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

const quick = process.argv.includes("--quick");
if (process.argv.includes("--profile")) {
  // Children started from now on write CPU profiles there (see lib/child.ts).
  process.env.BENCH_CPU_PROF_DIR = join(REPO_ROOT, "bench", "results", "profiles");
}
const runs = Number(option("--runs") ?? (quick ? 3 : 5));
const only = option("--only")?.split(",") ?? Object.keys(WORKLOADS);
const unknown = only.filter((id) => !(id in WORKLOADS));
if (unknown.length > 0 || !Number.isInteger(runs) || runs < 1) {
  console.error(
    `usage: run.js [--quick] [--profile] [--runs N] [--only ${Object.keys(WORKLOADS).join(",")}]`,
  );
  process.exit(2);
}

/** The command as the user typed it (through npm or straight with node). */
function commandLine(): string {
  const args = process.argv.slice(2).join(" ");
  if (process.env.npm_lifecycle_event === "bench")
    return args ? `npm run bench -- ${args}` : "npm run bench";
  return `node bench/dist/run.js ${args}`.trim();
}

const tmp = makeTmp();
// Interrupted: exit through process.exit so the children are killed (lib/child.ts) and the
// temporary directory goes.
process.once("exit", () => tmp.remove());
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));
const ctx: BenchContext = { runs, quick, tmp: tmp.dir, log: (l) => console.error(`[bench] ${l}`) };
const started = Date.now();
const suite: SuiteResult = {
  startedAt: new Date().toISOString(),
  command: commandLine(),
  machine: machine(),
  versions: versions(),
  load: { before: load(), after: [] },
  options: { runs, quick, only },
  workloads: [],
  totalSeconds: 0,
};

const outDir = join(REPO_ROOT, "bench", "results");
mkdirSync(outDir, { recursive: true });
function save(): void {
  suite.totalSeconds = (Date.now() - started) / 1000;
  suite.load.after = load();
  writeFileSync(join(outDir, "latest.json"), `${JSON.stringify(suite, null, 2)}\n`);
  writeFileSync(join(outDir, "latest.md"), suiteMarkdown(suite));
}

let failed = false;
try {
  for (const id of only) {
    ctx.log(`workload ${id}…`);
    try {
      const result = await WORKLOADS[id](ctx);
      suite.workloads.push(result);
      console.log(workloadMarkdown(result));
    } catch (e) {
      failed = true;
      ctx.log(`workload ${id} failed: ${(e as Error).stack ?? e}`);
    }
    save();
  }
} finally {
  tmp.remove();
}
save();
ctx.log(`done in ${suite.totalSeconds.toFixed(0)} s; results in bench/results/latest.{json,md}`);
process.exit(failed ? 1 : 0);
