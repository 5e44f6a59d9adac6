import type { BenchContext } from "../lib/context.js";
import { runOnce, startFakeServers } from "../lib/context.js";
import type { Row, WorkloadResult } from "../lib/report.js";
import { ratioOf, summarize } from "../lib/stats.js";
import { burst } from "../lib/wire.js";

interface IngestResult {
  variant: string;
  eventsPerSecond: number;
  cpuUsPerEvent: number;
  seen: number;
  timedOut: boolean;
  stats: Record<string, unknown>;
}

const VARIANTS = ["raw", "monitor", "full", "full-real"] as const;
const LABELS: Record<(typeof VARIANTS)[number], string> = {
  raw: "raw Node: net + line split + JSON.parse",
  monitor: "monitor alone (framing → parse → event table → schema)",
  full: "full path, 1:1 bench plugins (callback → lane → registerAny)",
  "full-real": "full path, real tray + nic-rx-filter plugins (coalescing)",
};
const TARGETS: Partial<Record<(typeof VARIANTS)[number], number>> = {
  monitor: 0.85,
  full: 0.5,
  "full-real": 0.5,
};

/**
 * Workload 1: a fake server in another process blasts `count` ~150-byte events; each variant
 * runs in a fresh process, and the variants take turns within each run.
 */
export async function ingestion(ctx: BenchContext): Promise<WorkloadResult> {
  const started = Date.now();
  const count = ctx.quick ? 20_000 : 200_000;
  const warmup = Math.round(count / 5);
  const { servers, paths } = await startFakeServers(ctx.tmp, 1);
  const perRun: Record<string, IngestResult[]> = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  try {
    for (let r = 0; r < ctx.runs; r++) {
      for (const v of VARIANTS) {
        const res = await runOnce<IngestResult>("ingest-consumer", [
          v,
          paths[0],
          String(count),
          String(warmup),
        ]);
        perRun[v].push(res);
        ctx.log(
          `ingestion run ${r + 1} ${v}: ${Math.round(res.eventsPerSecond)} events/s${res.timedOut ? " (TIMED OUT)" : ""}`,
        );
      }
    }
  } finally {
    await servers.stop();
  }
  const eps = (v: string) => perRun[v].map((x) => (x.timedOut ? Number.NaN : x.eventsPerSecond));
  const cpu = (v: string) => perRun[v].map((x) => x.cpuUsPerEvent);
  const rows: Row[] = [];
  for (const v of VARIANTS) {
    const ratio = v === "raw" ? undefined : ratioOf(eps(v), eps("raw"));
    const target = TARGETS[v];
    rows.push({
      figure: LABELS[v],
      unit: "events/s",
      value: summarize(eps(v)),
      baseline: v === "raw" ? undefined : summarize(eps("raw")),
      ratio,
      target: target === undefined ? undefined : `≥ ${target.toFixed(2)}× raw`,
      met: target === undefined || !ratio ? undefined : ratio.median >= target,
    });
  }
  for (const v of VARIANTS) {
    if (v === "raw") continue;
    rows.push({
      figure: `CPU per event, ${v}`,
      unit: "µs",
      value: summarize(cpu(v)),
      baseline: summarize(cpu("raw")),
      ratio: ratioOf(cpu(v), cpu("raw")),
    });
  }
  const bytes = burst(count).length / count;
  const timedOut = VARIANTS.flatMap((v) => perRun[v].filter((x) => x.timedOut).map(() => v));
  return {
    id: "ingestion",
    title: `1. Ingestion: ${count.toLocaleString("en-US")} events per burst, best of 3 after a ${warmup.toLocaleString("en-US")}-event warm-up, one connection`,
    rows,
    notes: [
      `Lines average ${bytes.toFixed(0)} bytes, QEMU 7.2's exact format (CRLF), alternating DEVICE_TRAY_MOVED and NIC_RX_FILTER_CHANGED; the fake server runs in its own process.`,
      "Each run is a fresh process per variant: a warm-up burst, then three timed bursts of which the fastest is kept (its CPU is the least of the three), for the raw baseline as for the others.",
      "Time runs from the command that starts the burst to the last event handled (counted in the entry callbacks for the monitor, in a registerAny callback for the full paths; the real plugins coalesce, so their run ends when the burst's last TRAY_CHANGE arrives).",
      "The raw burst is short (~0.15 s) and partly paced by the fake server, so its rate is the noisiest figure of the suite; the CPU rows are the steadier comparison (CPU ratio = the inverse of a capacity ratio).",
      `Full-path counters of the last run: bench ${JSON.stringify(perRun.full.at(-1)?.stats)}; real ${JSON.stringify(perRun["full-real"].at(-1)?.stats)}.`,
      ...(timedOut.length > 0 ? [`Timed out (excluded): ${timedOut.join(", ")}.`] : []),
    ],
    seconds: (Date.now() - started) / 1000,
    detail: perRun,
  };
}
