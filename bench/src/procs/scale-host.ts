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
let fairnessAtHalf = Number.NaN;
let embedded: EmbeddedDaemon | undefined;
let raws: RawQmp[] = [];

function count(domain: number): void {
  if (total === 0) t0 = process.hrtime.bigint();
  counts[domain]++;
  total++;
  if (total === Math.floor(expected / 2)) {
    // The slowest domain's share of a fair share, when half the burst has been handled.
    let min = Number.POSITIVE_INFINITY;
    for (const c of counts) min = Math.min(min, c);
    fairnessAtHalf = min / (total / counts.length);
  }
  if (total === expected) {
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    reply({ type: "burst-done", seconds, eventsPerSecond: total / seconds, fairnessAtHalf });
  }
}

async function attach(paths: string[]): Promise<void> {
  counts = new Int32Array(paths.length);
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
    } else if (m.type === "expect") {
      counts.fill(0);
      total = 0;
      fairnessAtHalf = Number.NaN;
      expected = m.total as number;
      reply({ type: "expecting" });
    }
  },
  async () => {
    for (const r of raws) r.close();
    await embedded?.close();
  },
);
reply({ type: "started" });
