import { setTimeout as sleep } from "node:timers/promises";
import { BenchChild, type Message } from "../lib/child.js";
import type { BenchContext } from "../lib/context.js";
import { startFakeServers } from "../lib/context.js";
import type { Row, WorkloadResult } from "../lib/report.js";
import { ratioOf, summarize } from "../lib/stats.js";
import { processPeakRssBytes, processRssBytes } from "../lib/virteventd.js";

const VARIANTS = ["raw", "daemon"] as const;
type Variant = (typeof VARIANTS)[number];
const SETTLE_MS = 2_000;
const AFTER_MS = 5_000;
/**
 * Idle is read again this long after attaching: attaching 1000 domains grows V8's young
 * generation to its maximum, and V8 gives those pages back only 20–30 s later.
 */
const STEADY_IDLE_MS = 30_000;
/**
 * After the large burst, the daemon's RSS is sampled every TIMELINE_STEP_MS up to
 * TIMELINE_MS: V8's memory-reducing collection runs no earlier than ~8 s after the last full
 * one and was seen to come 12–45 s after a burst.
 */
const TIMELINE_STEP_MS = 5_000;
const TIMELINE_MS = 45_000;

type NumericKey = Exclude<keyof ScaleRun, "drops">;

interface ScaleRun {
  attachMs: number;
  /** RSS 2 s after attaching. */
  rssAttached: number;
  /** RSS STEADY_IDLE_MS after attaching: the idle figure the targets use. */
  rssIdle: number;
  /** V8 heap in use when idle (process.memoryUsage().heapUsed). */
  heapIdle: number;
  /** V8 heap in use 5 s after the large burst: tells retained objects from unreturned pages. */
  heapAfterOver: number;
  /** The same after a forced full GC (the test's only forced GC, after every RSS reading). */
  heapRetained: number;
  rssAfterBurst: number;
  rssPeak: number;
  rssAfterOver: number;
  /** Daemon only: RSS TIMELINE_MS after the burst, and the first sample ≤ 1.2× idle (s). */
  rssAfterTimeline: number;
  secondsBackNearIdle: number;
  /** Rate and fairness of the small burst (which fits core's public event queue). */
  eventsPerSecond: number;
  /** CPU (all threads) from the burst's command to its last event, per event delivered. */
  smallCpuUsPerEvent: number;
  largeCpuUsPerEvent: number;
  /** Slowest domain's share of the large burst's delivered events (1 = even). */
  minShare: number;
  /** Small burst: when the last domain finished ÷ when the median one did. */
  lastOverMedianDone: number;
  /** Rate of the large burst (NaN when it lost events). */
  largeEventsPerSecond: number;
  /** Large burst: events that never reached the subscriber, and the daemon's drop counters. */
  lost: number;
  drops: { laneOverflow: number; eventQueueOverflow: number };
}

interface BurstDone extends Message {
  complete: boolean;
  received: number;
  eventsPerSecond: number;
  cpuUsPerEvent: number;
  minShare: number;
  lastOverMedianDone: number;
  drops: { laneOverflow: number; eventQueueOverflow: number };
}

/** Starts a burst of `perDomain` events on every connection; resolves when the host is done. */
async function burst(host: BenchChild, servers: BenchChild, perDomain: number, domains: number) {
  await host.request({ type: "expect", total: perDomain * domains }, "expecting");
  const done = host.next<BurstDone>("burst-done");
  servers.send({ type: "blast", perConnection: perDomain });
  return done;
}

async function oneRun(
  variant: Variant,
  servers: BenchChild,
  paths: string[],
  sizes: { small: number; large: number },
): Promise<ScaleRun> {
  const host = BenchChild.start("scale-host", [variant], ["--expose-gc"]);
  try {
    await host.next("started");
    const { ms } = await host.request<{ type: string; ms: number }>(
      { type: "attach", paths },
      "attached",
    );
    await sleep(SETTLE_MS);
    const rssAttached = processRssBytes(host.pid);
    await sleep(STEADY_IDLE_MS - SETTLE_MS);
    const rssIdle = processRssBytes(host.pid);
    const memory = await host.request<Message & { heapUsed: number }>({ type: "memory" }, "memory");
    const small = await burst(host, servers, sizes.small, paths.length);
    await sleep(SETTLE_MS);
    const large = await burst(host, servers, sizes.large, paths.length);
    const rssAfterBurst = processRssBytes(host.pid);
    const rssPeak = processPeakRssBytes(host.pid);
    await sleep(AFTER_MS);
    const rssAfterOver = processRssBytes(host.pid);
    const after = await host.request<Message & { heapUsed: number }>({ type: "memory" }, "memory");
    // The raw process holds no heap to give back; the timeline is the daemon's.
    let rssAfterTimeline = rssAfterOver;
    let secondsBackNearIdle = rssAfterOver <= 1.2 * rssIdle ? AFTER_MS / 1000 : Number.NaN;
    for (let t = AFTER_MS; variant === "daemon" && t < TIMELINE_MS; ) {
      await sleep(TIMELINE_STEP_MS);
      t += TIMELINE_STEP_MS;
      rssAfterTimeline = processRssBytes(host.pid);
      if (Number.isNaN(secondsBackNearIdle) && rssAfterTimeline <= 1.2 * rssIdle) {
        secondsBackNearIdle = t / 1000;
      }
    }
    const retained = await host.request<Message & { heapUsed: number }>(
      { type: "memory", gc: true },
      "memory",
    );
    return {
      attachMs: ms,
      rssAttached,
      rssIdle,
      rssAfterTimeline,
      secondsBackNearIdle,
      heapIdle: memory.heapUsed,
      rssAfterBurst,
      rssPeak,
      rssAfterOver,
      heapAfterOver: after.heapUsed,
      heapRetained: retained.heapUsed,
      // A burst that lost events has no meaningful rate.
      eventsPerSecond: small.complete ? small.eventsPerSecond : Number.NaN,
      smallCpuUsPerEvent: small.cpuUsPerEvent,
      largeCpuUsPerEvent: large.cpuUsPerEvent,
      lastOverMedianDone: small.lastOverMedianDone,
      minShare: large.minShare,
      largeEventsPerSecond: large.complete ? large.eventsPerSecond : Number.NaN,
      lost: sizes.large * paths.length - large.received,
      drops: large.drops,
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
  // The small burst fits core's public event queue (MAX_QUEUED_DOMAIN_EVENTS = 10,000 events).
  const sizes = { small: 8, large: ctx.quick ? 50 : 200 };
  const runs = Math.min(ctx.runs, 3);
  const { servers, paths } = await startFakeServers(ctx.tmp, domains);
  const perRun: Record<Variant, ScaleRun[]> = { raw: [], daemon: [] };
  try {
    for (let r = 0; r < runs; r++) {
      for (const v of VARIANTS) {
        const res = await oneRun(v, servers, paths, sizes);
        perRun[v].push(res);
        ctx.log(
          `scale run ${r + 1} ${v}: idle ${(res.rssIdle / 2 ** 20).toFixed(0)} MiB, ${Math.round(res.eventsPerSecond)} events/s, large burst lost ${res.lost} ${JSON.stringify(res.drops)}`,
        );
      }
    }
  } finally {
    await servers.stop();
  }
  const of = (v: Variant, k: NumericKey, div = 1) => perRun[v].map((x) => x[k] / div);
  const pair = (figure: string, unit: string, k: NumericKey, div = 1): Row => ({
    figure,
    unit,
    value: summarize(of("daemon", k, div)),
    baseline: summarize(of("raw", k, div)),
    ratio: ratioOf(of("daemon", k, div), of("raw", k, div)),
  });
  const MiB = 2 ** 20;
  const idle = pair(
    `RSS idle, all attached (${STEADY_IDLE_MS / 1000} s after attaching)`,
    "MiB",
    "rssIdle",
    MiB,
  );
  const back = ratioOf(of("daemon", "rssAfterOver"), of("daemon", "rssIdle"));
  const backLater = ratioOf(of("daemon", "rssAfterTimeline"), of("daemon", "rssIdle"));
  const rows: Row[] = [
    pair(
      `RSS ${SETTLE_MS / 1000} s after attaching (V8's young generation still grown)`,
      "MiB",
      "rssAttached",
      MiB,
    ),
    { ...idle, target: "≤ 1.5× raw", met: (idle.ratio?.median ?? Number.NaN) <= 1.5 },
    pair("JS heap used, idle", "MiB", "heapIdle", MiB),
    pair("RSS right after the large burst", "MiB", "rssAfterBurst", MiB),
    pair("peak RSS (VmHWM)", "MiB", "rssPeak", MiB),
    {
      ...pair(
        `RSS ${AFTER_MS / 1000} s after the large burst (ratio: to its own idle RSS)`,
        "MiB",
        "rssAfterOver",
        MiB,
      ),
      ratio: back,
    },
    {
      figure: `daemon RSS ${TIMELINE_MS / 1000} s after the large burst (ratio: to its own idle RSS)`,
      unit: "MiB",
      value: summarize(of("daemon", "rssAfterTimeline", MiB)),
      ratio: backLater,
      target: "≤ 1.2× idle",
      met: backLater.median <= 1.2,
    },
    {
      figure: `daemon: seconds after the large burst until RSS ≤ 1.2× idle (sampled every ${TIMELINE_STEP_MS / 1000} s; n/a: not within ${TIMELINE_MS / 1000} s)`,
      unit: "s",
      value: summarize(of("daemon", "secondsBackNearIdle")),
    },
    pair(`JS heap used ${AFTER_MS / 1000} s after the large burst`, "MiB", "heapAfterOver", MiB),
    pair("JS heap used after a forced full GC, at the end", "MiB", "heapRetained", MiB),
    pair(`events/s, small burst (${sizes.small} per domain)`, "events/s", "eventsPerSecond"),
    pair(
      `events/s, large burst (${sizes.large} per domain; n/a when events were lost)`,
      "events/s",
      "largeEventsPerSecond",
    ),
    pair(`CPU per event, small burst`, "µs", "smallCpuUsPerEvent"),
    pair(`CPU per event, large burst`, "µs", "largeCpuUsPerEvent"),
    pair(
      "fairness: slowest domain's share of the large burst's events (1 = even)",
      "0..1",
      "minShare",
    ),
    pair("fairness: last domain done ÷ median domain done, small burst", "×", "lastOverMedianDone"),
    pair("time to attach every domain", "ms", "attachMs"),
  ];
  return {
    id: "scale",
    title: `3. Scale: ${domains} domains attached at once; bursts of ${sizes.small} then ${sizes.large} events per domain (${(domains * sizes.large).toLocaleString("en-US")} in the large one), ${runs} runs`,
    rows,
    notes: [
      "The daemon is core + qmp + the 1:1 bench plugins with one registerAny subscriber counting per domain (the API server is left out); the raw baseline is a Node process holding the same sockets with the raw client (net + line split + JSON.parse).",
      "CPU per event: process.cpuUsage() of the measuring process (every thread) from the command that starts a burst to its last event, divided by the events delivered; steadier than events/s on a shared machine.",
      `RSS from /proc/PID/status (VmRSS) of the measuring process: ${SETTLE_MS / 1000} s and ${STEADY_IDLE_MS / 1000} s after attaching (idle: the later one, once V8 has returned the young generation it grew while attaching), right after the large burst's last event, ${AFTER_MS / 1000} s later and, for the daemon, every ${TIMELINE_STEP_MS / 1000} s up to ${TIMELINE_MS / 1000} s (no forced GC). V8 returns a burst's pages only with its memory-reducing collection, which does not run within the first ~8 s after a full collection.`,
      `Daemon RSS back to ≤ 1.2× idle after the large burst, per run: ${perRun.daemon.map((x) => (Number.isNaN(x.secondsBackNearIdle) ? `not within ${TIMELINE_MS / 1000} s` : `${x.secondsBackNearIdle} s`)).join(", ")} (the row above is the median of the runs that got there).`,
      `Large-burst events lost per run (a burst that stalls for 5 s is ended there): daemon ${perRun.daemon.map((x) => `${x.lost} (lane overflow ${x.drops.laneOverflow}, public event queue overflow ${x.drops.eventQueueOverflow})`).join("; ")}; raw ${perRun.raw.map((x) => x.lost).join(", ")}.`,
    ],
    seconds: (Date.now() - started) / 1000,
    detail: perRun,
  };
}
