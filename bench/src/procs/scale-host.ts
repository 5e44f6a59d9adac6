// One side of the scale workload, in its own process: holds one connection per fake server,
// as a daemon (core + qmp + the 1:1 bench plugins + a registerAny subscriber) or as the raw
// baseline, and counts each domain's events during a burst. argv: variant (raw | daemon).
// The daemon's modules are imported only by the daemon variant: the raw baseline's RSS must
// not include them.
import { type Message, onMessages, reply } from "../lib/child.js";
import type { EmbeddedDaemon } from "../lib/embedded-daemon.js";
import { connectRaw, type RawQmp } from "../lib/raw-qmp.js";

const variant = process.argv[2] as "raw" | "daemon";
let counts: Int32Array = new Int32Array(0);
let total = 0;
let expected = Number.POSITIVE_INFINITY;
let t0 = 0n;
/** CPU usage (all threads) when the host was told to expect the burst. */
let cpu0: NodeJS.CpuUsage = process.cpuUsage();
/** When each domain's latest event arrived, in ns after the burst's first event. */
let lastAt: Float64Array = new Float64Array(0);
let embedded: EmbeddedDaemon | undefined;
let raws: RawQmp[] = [];
let lastProgress = 0;
let stall: NodeJS.Timeout | undefined;
/** A burst that stops making progress for this long is reported as it stands (events lost). */
const STALL_MS = 5_000;

/**
 * Per-domain fairness of a burst: the slowest domain's share of the events delivered (its count
 * over the mean; 1 = even) and how late the last domain finished compared with the median one.
 */
function fairness(): { minShare: number; lastOverMedianDone: number } {
  let min = Number.POSITIVE_INFINITY;
  for (const c of counts) min = Math.min(min, c);
  const done = [...lastAt].sort((a, b) => a - b);
  return {
    minShare: min / (total / counts.length),
    lastOverMedianDone: done[done.length - 1] / done[done.length >> 1],
  };
}

function finish(complete: boolean): void {
  if (stall) clearInterval(stall);
  stall = undefined;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const w = embedded?.daemon.workers.stats();
  const e = embedded?.daemon.events.stats;
  reply({
    type: "burst-done",
    complete,
    received: total,
    seconds,
    eventsPerSecond: total / seconds,
    cpuUsPerEvent: (cpu.user + cpu.system) / Math.max(1, total),
    ...fairness(),
    drops: { laneOverflow: w?.overflowDrops ?? 0, eventQueueOverflow: e?.droppedOverflow ?? 0 },
  });
}

function count(domain: number): void {
  if (total === 0) {
    t0 = process.hrtime.bigint();
    stall = setInterval(() => {
      if (Date.now() - lastProgress > STALL_MS) finish(false);
    }, 1_000);
  }
  lastProgress = Date.now();
  counts[domain]++;
  lastAt[domain] = Number(process.hrtime.bigint() - t0);
  total++;
  if (total === expected) finish(true);
}

async function attach(paths: string[]): Promise<void> {
  counts = new Int32Array(paths.length);
  lastAt = new Float64Array(paths.length);
  if (variant === "raw") {
    raws = await Promise.all(
      paths.map((p, i) =>
        connectRaw(p, (m) => {
          if (m.event !== undefined) count(i);
        }),
      ),
    );
    return;
  }
  await import("reflect-metadata");
  const { startEmbeddedDaemon } = await import("../lib/embedded-daemon.js");
  const { BENCH_EVENT_IDS } = await import("../lib/bench-plugins.js");
  embedded = await startEmbeddedDaemon("bench", paths);
  const index = new Map(embedded.uuids.map((u, i) => [u, i]));
  embedded.daemon.events.registerAny({
    callback: (domain, _data, meta) => {
      if (BENCH_EVENT_IDS.has(meta.event)) count(index.get(domain.uuid) ?? 0);
    },
  });
}

onMessages(
  async (m: Message) => {
    if (m.type === "attach") {
      const start = process.hrtime.bigint();
      await attach(m.paths as string[]);
      reply({ type: "attached", ms: Number(process.hrtime.bigint() - start) / 1e6 });
    } else if (m.type === "memory") {
      // With `gc: true` (and --expose-gc): after a full collection, i.e. what is retained.
      if (m.gc) (globalThis as { gc?: () => void }).gc?.();
      reply({ type: "memory", ...process.memoryUsage() });
    } else if (m.type === "expect") {
      counts.fill(0);
      total = 0;
      lastAt.fill(0);
      expected = m.total as number;
      cpu0 = process.cpuUsage();
      reply({ type: "expecting" });
    }
  },
  async () => {
    for (const r of raws) r.close();
    await embedded?.close();
  },
);
reply({ type: "started" });
