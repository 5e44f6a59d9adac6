// The fan-out workload in its own process: a daemon's DomainEventState (on the default node
// loop) with many registrations, timed per event queued and delivered, beside a raw JavaScript
// dispatch of the same shape. (@virtevent/core/testing's ManualEventLoop would make a flush
// exactly one turn, but that entry point loads vitest.)
import "reflect-metadata";
import { setImmediate as nextTurn } from "node:timers/promises";
import { createDaemon } from "@virtevent/core";
import {
  BenchNicChange,
  BenchTrayChange,
  benchNicPlugin,
  benchTrayPlugin,
} from "../lib/bench-plugins.js";
import { reply } from "../lib/child.js";

const REGISTRATIONS = Number(process.argv[2] ?? 10_000);
const MIN_MS = 300;

function uuidOf(i: number): string {
  return `00000000-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;
}
const TARGET = uuidOf(0);
const DATA = { devAlias: "cd0", reason: "open" as const };
let delivered = 0;
const onEvent = () => {
  delivered++;
};

/** Runs `batch` repeatedly for at least MIN_MS; returns ns per event and deliveries per event. */
async function time(
  batch: () => Promise<number>,
): Promise<{ nsPerEvent: number; deliveriesPerEvent: number }> {
  await batch(); // warm-up
  let events = 0;
  delivered = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0n;
  for (let rounds = 0; rounds < 3 || elapsed < BigInt(MIN_MS * 1e6); rounds++) {
    events += await batch();
    elapsed = process.hrtime.bigint() - t0;
  }
  return { nsPerEvent: Number(elapsed) / events, deliveriesPerEvent: delivered / events };
}

/** A daemon with the given registrations; returns a batch function (queue n events, flush). */
async function scenario(register: (d: ReturnType<typeof createDaemon>) => void, perBatch: number) {
  const daemon = createDaemon({ plugins: [benchTrayPlugin, benchNicPlugin] });
  await daemon.start();
  register(daemon);
  const batch = async () => {
    for (let i = 0; i < perBatch; i++) daemon.events.queue(BenchTrayChange, TARGET, DATA);
    // The flush runs on the loop's next turn.
    while (daemon.events.pendingCount > 0) await nextTurn();
    return perBatch;
  };
  const result = await time(batch);
  await daemon.close();
  return result;
}

/** The raw baseline: registrations kept in a Map by domain, or in one array for "all". */
function raw(kind: "one" | "all", regs: number, perBatch: number) {
  const byDomain = new Map<string, Array<(d: unknown) => void>>();
  const all: Array<(d: unknown) => void> = [];
  for (let i = 0; i < regs; i++) {
    if (kind === "all") all.push(onEvent);
    else byDomain.set(uuidOf(regs - 1 - i), [onEvent]);
  }
  const queue: unknown[] = [];
  return time(async () => {
    for (let i = 0; i < perBatch; i++) queue.push({ uuid: TARGET, data: DATA, t: Date.now() });
    await nextTurn();
    for (const ev of queue.splice(0)) {
      const list = kind === "all" ? all : (byDomain.get((ev as { uuid: string }).uuid) ?? []);
      for (const cb of list) cb(ev);
    }
    return perBatch;
  });
}

const n = REGISTRATIONS;
const results = {
  // One registration, matching every event.
  single: await scenario(
    (d) => d.events.registerAny({ event: BenchTrayChange, domain: TARGET, callback: onEvent }),
    1000,
  ),
  // n registrations on n domains; events are for the one registered last.
  oneOfNByDomain: await scenario((d) => {
    for (let i = n - 1; i >= 0; i--)
      d.events.registerAny({ event: BenchTrayChange, domain: uuidOf(i), callback: onEvent });
  }, 200),
  // n - 1 registrations for another event type, one for this one (registered last).
  oneOfNByEvent: await scenario((d) => {
    for (let i = 1; i < n; i++) d.events.registerAny({ event: BenchNicChange, callback: onEvent });
    d.events.registerAny({ event: BenchTrayChange, callback: onEvent });
  }, 200),
  // n registrations, all matching.
  allOfN: await scenario((d) => {
    for (let i = 0; i < n; i++) d.events.registerAny({ event: BenchTrayChange, callback: onEvent });
  }, 20),
  rawSingle: await raw("one", 1, 1000),
  rawOneOfN: await raw("one", n, 200),
  rawAllOfN: await raw("all", n, 20),
};
reply({ type: "result", ...results });
process.exit(0);
