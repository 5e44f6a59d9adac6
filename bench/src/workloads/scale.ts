import { setTimeout as sleep } from "node:timers/promises";
import { BenchChild } from "../lib/child.js";
import type { BenchContext } from "../lib/context.js";
import { startFakeServers } from "../lib/context.js";
import type { Row, WorkloadResult } from "../lib/report.js";
import { ratioOf, summarize } from "../lib/stats.js";
import { processPeakRssBytes, processRssBytes } from "../lib/virteventd.js";

const VARIANTS = ["raw", "daemon"] as const;
type Variant = (typeof VARIANTS)[number];
const SETTLE_MS = 2_000;
const AFTER_MS = 5_000;

interface ScaleRun {
  attachMs: number;
  rssIdle: number;
  rssAfterBurst: number;
  rssPeak: number;
  rssAfterOver: number;
  eventsPerSecond: number;
  fairnessAtHalf: number;
}

async function oneRun(
  variant: Variant,
  servers: BenchChild,
  paths: string[],
  perDomain: number,
): Promise<ScaleRun> {
  const host = BenchChild.start("scale-host", [variant]);
  try {
    await host.next("started");
    const { ms } = await host.request<{ type: string; ms: number }>(
      { type: "attach", paths },
      "attached",
    );
    await sleep(SETTLE_MS);
    const rssIdle = processRssBytes(host.pid);
    await host.request({ type: "expect", total: perDomain * paths.length }, "expecting");
    const done = host.next<{ type: string; eventsPerSecond: number; fairnessAtHalf: number }>(
      "burst-done",
    );
    servers.send({ type: "blast", perConnection: perDomain });
    const result = await done;
    const rssAfterBurst = processRssBytes(host.pid);
    const rssPeak = processPeakRssBytes(host.pid);
    await sleep(AFTER_MS);
    const rssAfterOver = processRssBytes(host.pid);
    return {
      attachMs: ms,
      rssIdle,
      rssAfterBurst,
      rssPeak,
      rssAfterOver,
      eventsPerSecond: result.eventsPerSecond,
      fairnessAtHalf: result.fairnessAtHalf,
    };
  } finally {
    await host.stop();
    // Let the fake servers see the disconnects before the next variant connects.
    await servers.request({ type: "drop-connections" }, "dropped");
  }
}

/**
 * Workload 3: `domains` monitors attached at once, one fake server socket each (all servers in
 * one separate process), a burst spread across them; RSS idle / right after / 5 s after.
 */
export async function scale(ctx: BenchContext): Promise<WorkloadResult> {
  const started = Date.now();
  const domains = ctx.quick ? 200 : 1000;
  const perDomain = ctx.quick ? 50 : 200;
  const runs = Math.min(ctx.runs, 3);
  const { servers, paths } = await startFakeServers(ctx.tmp, domains);
  const perRun: Record<Variant, ScaleRun[]> = { raw: [], daemon: [] };
  try {
    for (let r = 0; r < runs; r++) {
      for (const v of VARIANTS) {
        const res = await oneRun(v, servers, paths, perDomain);
        perRun[v].push(res);
        ctx.log(
          `scale run ${r + 1} ${v}: idle ${(res.rssIdle / 2 ** 20).toFixed(0)} MiB, ${Math.round(res.eventsPerSecond)} events/s`,
        );
      }
    }
  } finally {
    await servers.stop();
  }
  const mib = (v: Variant, k: keyof ScaleRun) => perRun[v].map((x) => x[k] / 2 ** 20);
  const of = (v: Variant, k: keyof ScaleRun) => perRun[v].map((x) => x[k]);
  const rows: Row[] = [];
  const rssRatio = ratioOf(mib("daemon", "rssIdle"), mib("raw", "rssIdle"));
  rows.push({
    figure: "RSS idle, all attached",
    unit: "MiB",
    value: summarize(mib("daemon", "rssIdle")),
    baseline: summarize(mib("raw", "rssIdle")),
    ratio: rssRatio,
    target: "≤ 1.5× raw",
    met: rssRatio.median <= 1.5,
  });
  for (const [k, label] of [
    ["rssAfterBurst", "RSS right after the burst"],
    ["rssPeak", "peak RSS (VmHWM)"],
  ] as const) {
    rows.push({
      figure: label,
      unit: "MiB",
      value: summarize(mib("daemon", k)),
      baseline: summarize(mib("raw", k)),
      ratio: ratioOf(mib("daemon", k), mib("raw", k)),
    });
  }
  const back = ratioOf(mib("daemon", "rssAfterOver"), mib("daemon", "rssIdle"));
  rows.push({
    figure: `RSS ${AFTER_MS / 1000} s after the burst (ratio: to its own idle RSS)`,
    unit: "MiB",
    value: summarize(mib("daemon", "rssAfterOver")),
    baseline: summarize(mib("raw", "rssAfterOver")),
    ratio: back,
    target: "≤ 1.2× idle",
    met: back.median <= 1.2,
  });
  rows.push({
    figure: "events/s across all domains",
    unit: "events/s",
    value: summarize(of("daemon", "eventsPerSecond")),
    baseline: summarize(of("raw", "eventsPerSecond")),
    ratio: ratioOf(of("daemon", "eventsPerSecond"), of("raw", "eventsPerSecond")),
  });
  rows.push({
    figure: "fairness: slowest domain's share of a fair share at half the burst",
    unit: "0..1",
    value: summarize(of("daemon", "fairnessAtHalf")),
    baseline: summarize(of("raw", "fairnessAtHalf")),
    ratio: ratioOf(of("daemon", "fairnessAtHalf"), of("raw", "fairnessAtHalf")),
  });
  rows.push({
    figure: "time to attach every domain",
    unit: "ms",
    value: summarize(of("daemon", "attachMs")),
    baseline: summarize(of("raw", "attachMs")),
    ratio: ratioOf(of("daemon", "attachMs"), of("raw", "attachMs")),
  });
  return {
    id: "scale",
    title: `3. Scale: ${domains} domains attached at once, a burst of ${perDomain} events each (${(domains * perDomain).toLocaleString("en-US")} in all), ${runs} runs`,
    rows,
    notes: [
      "The daemon is core + qmp + the 1:1 bench plugins with one registerAny subscriber counting per domain (the API server is left out); the raw baseline is a Node process holding the same sockets with the raw client (net + line split + JSON.parse).",
      `RSS from /proc/PID/status (VmRSS) of the measuring process: ${SETTLE_MS / 1000} s after attaching, right after the last event, and ${AFTER_MS / 1000} s later (no forced GC).`,
    ],
    seconds: (Date.now() - started) / 1000,
    detail: perRun,
  };
}
