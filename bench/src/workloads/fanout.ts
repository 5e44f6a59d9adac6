import type { BenchContext } from "../lib/context.js";
import { runOnce } from "../lib/context.js";
import type { Row, WorkloadResult } from "../lib/report.js";
import { ratioOf, summarize } from "../lib/stats.js";

interface Timing {
  nsPerEvent: number;
  deliveriesPerEvent: number;
}
type FanoutRun = Record<
  | "single"
  | "oneOfNByDomain"
  | "oneOfNByEvent"
  | "allOfN"
  | "rawSingle"
  | "rawOneOfN"
  | "rawAllOfN",
  Timing
>;

const FLAT_TARGET = 1.5;

/**
 * Workload 4: 10,000 registrations; the cost of queueing and delivering an event that matches
 * one of them versus all of them, against one registration and against a raw Map/array dispatch.
 */
export async function fanout(ctx: BenchContext): Promise<WorkloadResult> {
  const started = Date.now();
  const regs = 10_000;
  const runs: FanoutRun[] = [];
  for (let r = 0; r < ctx.runs; r++) {
    runs.push(await runOnce<FanoutRun>("fanout-worker", [String(regs)]));
    ctx.log(
      `fanout run ${r + 1}: one-of-${regs} ${runs[r].oneOfNByDomain.nsPerEvent.toFixed(0)} ns/event, single ${runs[r].single.nsPerEvent.toFixed(0)} ns/event`,
    );
  }
  const us = (k: keyof FanoutRun) => runs.map((x) => x[k].nsPerEvent / 1000);
  const perDelivery = (k: keyof FanoutRun) =>
    runs.map((x) => x[k].nsPerEvent / x[k].deliveriesPerEvent / 1000);
  const flatDomain = ratioOf(us("oneOfNByDomain"), us("single"));
  const flatEvent = ratioOf(us("oneOfNByEvent"), us("single"));
  const rows: Row[] = [
    {
      figure: "1 registration, every event matches it",
      unit: "µs/event",
      value: summarize(us("single")),
      baseline: summarize(us("rawSingle")),
      ratio: ratioOf(us("single"), us("rawSingle")),
    },
    {
      figure: `${regs.toLocaleString("en-US")} registrations on ${regs.toLocaleString("en-US")} domains, event matches 1`,
      unit: "µs/event",
      value: summarize(us("oneOfNByDomain")),
      baseline: summarize(us("rawOneOfN")),
      ratio: ratioOf(us("oneOfNByDomain"), us("rawOneOfN")),
    },
    {
      figure: `flatness: matches 1 of ${regs.toLocaleString("en-US")} (by domain) ÷ 1 of 1 (ratio column)`,
      unit: "µs/event",
      value: summarize(us("oneOfNByDomain")),
      baseline: summarize(us("single")),
      ratio: flatDomain,
      target: `≤ ${FLAT_TARGET}× (flat)`,
      met: flatDomain.median <= FLAT_TARGET,
    },
    {
      figure: `flatness: matches 1 of ${regs.toLocaleString("en-US")} (others on another event type) ÷ 1 of 1`,
      unit: "µs/event",
      value: summarize(us("oneOfNByEvent")),
      baseline: summarize(us("single")),
      ratio: flatEvent,
      target: `≤ ${FLAT_TARGET}× (flat)`,
      met: flatEvent.median <= FLAT_TARGET,
    },
    {
      figure: `${regs.toLocaleString("en-US")} registrations, event matches all`,
      unit: "µs/event",
      value: summarize(us("allOfN")),
      baseline: summarize(us("rawAllOfN")),
      ratio: ratioOf(us("allOfN"), us("rawAllOfN")),
    },
    {
      figure: "matches all: cost per delivery",
      unit: "µs",
      value: summarize(perDelivery("allOfN")),
      baseline: summarize(perDelivery("rawAllOfN")),
      ratio: ratioOf(perDelivery("allOfN"), perDelivery("rawAllOfN")),
    },
  ];
  return {
    id: "fanout",
    title: `4. Fan-out: ${regs.toLocaleString("en-US")} registrations, ${ctx.runs} runs`,
    rows,
    notes: [
      "Each figure is the cost of queue() plus its share of the flush on the next loop turn, timed over batches for at least 300 ms, in a fresh process per run.",
      "Raw baseline: the same events pushed to an array and dispatched through a Map<uuid, callbacks> (one match) or one array of callbacks (all match).",
      "The flatness rows compare the daemon with itself: an event matching one registration should cost the same whether 1 or 10,000 registrations exist.",
    ],
    seconds: (Date.now() - started) / 1000,
    detail: runs,
  };
}
