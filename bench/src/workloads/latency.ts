import type { BenchContext } from "../lib/context.js";
import {
  type LatencyVariant,
  type Receiver,
  receiverDir,
  startReceiver,
} from "../lib/latency-receivers.js";
import { haveQemu, startBenchQemu } from "../lib/qemu.js";
import { connectRaw, type RawQmp } from "../lib/raw-qmp.js";
import type { Row, WorkloadResult } from "../lib/report.js";
import { nsToMs, quantile, ratioOf, summarize } from "../lib/stats.js";

const VARIANTS: LatencyVariant[] = ["raw", "inproc-memory", "inproc-file", "api"];
const LABELS: Record<LatencyVariant, string> = {
  raw: "raw socket client reading DEVICE_TRAY_MOVED",
  "inproc-memory": "in-process registerAny subscriber (MemoryStateStore)",
  "inproc-file": "in-process registerAny subscriber (FileStateStore, as virteventd)",
  api: "`virtevent events --json` over virteventd's API socket",
};
const P50_TARGET: Partial<Record<LatencyVariant, number>> = {
  "inproc-memory": 1.1,
  "inproc-file": 1.1,
  api: 1.3,
};
const WAIT_MS = 2_000;
/**
 * Toggles before the measured ones. V8 compiles a function with its optimizing compiler only
 * after it ran often enough; at one event per ~0.5 ms the daemon's path needs about 2,000
 * events for that (the raw client's few functions far fewer), so the first 1,000 are reported
 * apart, as the cold figures.
 */
const WARMUP_TOGGLES = 2_000;
const COLD_TOGGLES = 1_000;

interface PhaseResult {
  /** The first COLD_TOGGLES toggles after the receiver started (JIT still compiling). */
  coldMs: number[];
  latenciesMs: number[];
  lost: number;
  cpuUsPerEvent: number;
}

/** Toggles cd0's tray through the control monitor and waits for each command's reply. */
class Toggler {
  private open = false;
  private readonly replies: Array<() => void> = [];
  private constructor(private readonly qmp: RawQmp) {}

  static async connect(path: string): Promise<Toggler> {
    let toggler: Toggler | undefined;
    const qmp = await connectRaw(path, (m) => {
      if (m.return !== undefined || "error" in m) toggler?.replies.shift()?.();
    });
    toggler = new Toggler(qmp);
    return toggler;
  }

  /** Moves the tray; resolves with the send time and the new position once QEMU replied. */
  async toggle(): Promise<{ t0: bigint; open: boolean }> {
    this.open = !this.open;
    const replied = new Promise<void>((r) => this.replies.push(r));
    const t0 = process.hrtime.bigint();
    if (this.open) this.qmp.send("blockdev-open-tray", { id: "cd0", force: true });
    else this.qmp.send("blockdev-close-tray", { id: "cd0" });
    await replied;
    return { t0, open: this.open };
  }

  close(): void {
    this.qmp.close();
  }
}

/** Toggles once and waits for the receiver's matching arrival; the latency in ms or undefined. */
async function once(toggler: Toggler, receiver: Receiver): Promise<number | undefined> {
  const { t0, open } = await toggler.toggle();
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const a = await receiver.arrivals.next(Math.max(1, deadline - Date.now()));
    if (a === undefined) return undefined;
    if (a.open === open) return nsToMs(a.t - t0);
  }
}

async function phase(toggler: Toggler, receiver: Receiver, toggles: number): Promise<PhaseResult> {
  // Warm-up: also waits until the receiver (the CLI's registration) is live.
  const coldMs: number[] = [];
  for (let tries = 0; coldMs.length < WARMUP_TOGGLES && tries < WARMUP_TOGGLES * 2; tries++) {
    const ms = await once(toggler, receiver);
    if (ms !== undefined) coldMs.push(ms);
  }
  const cpu0 = await receiver.cpuUs();
  const latenciesMs: number[] = [];
  let lost = 0;
  for (let i = 0; i < toggles; i++) {
    const ms = await once(toggler, receiver);
    if (ms === undefined) lost++;
    else latenciesMs.push(ms);
  }
  const cpu1 = await receiver.cpuUs();
  return {
    coldMs: coldMs.slice(0, COLD_TOGGLES),
    latenciesMs,
    lost,
    cpuUsPerEvent: (cpu1 - cpu0) / Math.max(1, latenciesMs.length),
  };
}

/**
 * Workload 2: real QEMU, the tray toggled through a second QMP monitor; time from the command
 * sent to the move reaching each receiver, one receiver at a time, variants taking turns.
 */
export async function latency(ctx: BenchContext): Promise<WorkloadResult> {
  const started = Date.now();
  if (!haveQemu()) {
    return {
      id: "latency",
      title: "2. Latency on real QEMU: skipped",
      rows: [],
      notes: ["qemu-system-x86_64 cannot be run on this machine; install QEMU to measure latency."],
      seconds: 0,
      detail: { skipped: true },
    };
  }
  const toggles = ctx.quick ? 200 : 1000;
  const runs = Math.min(ctx.runs, 3);
  // Every receiver uses the same monitor socket, one after the other: QEMU writes an event to
  // its monitors in order, so on a 2-CPU machine a receiver on a later socket wakes after the
  // bench's own control monitor and competes with it for a CPU. The same position is fair.
  const qemu = await startBenchQemu(ctx.tmp, ["rx", "ctl"]);
  const toggler = await Toggler.connect(qemu.sockets.ctl);
  const perRun: Record<string, PhaseResult[]> = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  try {
    for (let r = 0; r < runs; r++) {
      for (const v of VARIANTS) {
        const qmp = qemu.sockets.rx;
        const receiver = await startReceiver(v, qmp, receiverDir(ctx.tmp, v, r));
        try {
          const res = await phase(toggler, receiver, toggles);
          perRun[v].push(res);
          ctx.log(
            `latency run ${r + 1} ${v}: p50 ${quantile(res.latenciesMs, 0.5).toFixed(3)} ms, lost ${res.lost}`,
          );
        } finally {
          await receiver.stop();
        }
      }
    }
  } finally {
    toggler.close();
    await qemu.stop();
  }
  const pct = (v: string, q: number) => perRun[v].map((p) => quantile(p.latenciesMs, q));
  const rows: Row[] = [];
  for (const v of VARIANTS) {
    for (const [q, name] of [
      [0.5, "p50"],
      [0.9, "p90"],
      [0.99, "p99"],
    ] as const) {
      const ratio = v === "raw" ? undefined : ratioOf(pct(v, q), pct("raw", q));
      const target = q === 0.5 ? P50_TARGET[v] : undefined;
      rows.push({
        figure: `${LABELS[v]}, ${name}`,
        unit: "ms",
        value: summarize(pct(v, q)),
        baseline: v === "raw" ? undefined : summarize(pct("raw", q)),
        ratio,
        target: target === undefined ? undefined : `≤ ${target}× raw`,
        met: target === undefined || !ratio ? undefined : ratio.median <= target,
      });
    }
  }
  const cold = (v: string) => perRun[v].map((p) => quantile(p.coldMs, 0.5));
  for (const v of VARIANTS) {
    rows.push({
      figure: `cold: ${LABELS[v]}, p50 of the first ${COLD_TOGGLES} toggles after start`,
      unit: "ms",
      value: summarize(cold(v)),
      baseline: v === "raw" ? undefined : summarize(cold("raw")),
      ratio: v === "raw" ? undefined : ratioOf(cold(v), cold("raw")),
    });
  }
  const cpu = (v: string) => perRun[v].map((p) => p.cpuUsPerEvent);
  for (const v of VARIANTS.filter((x) => x !== "raw")) {
    const value = summarize(cpu(v));
    rows.push({
      figure: `CPU per delivered event, ${v === "api" ? "virteventd process" : `daemon process (${v})`}`,
      unit: "µs",
      value,
      baseline: summarize(cpu("raw")),
      ratio: ratioOf(cpu(v), cpu("raw")),
      target: "≤ 50 µs",
      met: value.median <= 50,
    });
  }
  const lost = VARIANTS.map((v) => `${v} ${perRun[v].reduce((n, p) => n + p.lost, 0)}`).join(", ");
  return {
    id: "latency",
    title: `2. Latency on real QEMU: ${toggles} tray toggles per receiver per run, ${runs} runs`,
    rows,
    notes: [
      `Each receiver runs alone (one process at a time, beside QEMU, all on the same QMP socket, the one QEMU writes to first), after ${WARMUP_TOGGLES} warm-up toggles (the JIT's warm-up; the first ${COLD_TOGGLES} are the "cold" rows); the next toggle is sent once the previous move arrived. Times are CLOCK_MONOTONIC in every process.`,
      "The API client's time is taken in the CLI process when it writes the event's line to stdout (a preload, bench/src/lib/stdout-stamp.ts, prefixes the line with the time), as the raw client takes its own.",
      "In-process CPU includes one IPC message per event back to the bench (the raw client pays the same); virteventd's CPU is read from /proc (all threads), with the API client in another process.",
      `Toggles lost (no arrival within ${WAIT_MS} ms): ${lost}.`,
    ],
    seconds: (Date.now() - started) / 1000,
    detail: Object.fromEntries(
      VARIANTS.map((v) => [
        v,
        perRun[v].map((p) => ({
          ...p,
          latenciesMs: undefined,
          coldMs: undefined,
          coldP50: quantile(p.coldMs, 0.5),
          p50: quantile(p.latenciesMs, 0.5),
          p90: quantile(p.latenciesMs, 0.9),
          p99: quantile(p.latenciesMs, 0.99),
        })),
      ]),
    ),
  };
}
