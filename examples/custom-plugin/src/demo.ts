import { createDaemon, type Daemon } from "@virtevent/core";
import { DomainMonitor, type QmpMonitor } from "@virtevent/qmp";
import { FakeQmpServer } from "@virtevent/qmp/testing";
import { BalloonChange } from "./balloon-events.js";
import { BALLOON_STATE_KEY } from "./balloon-state.js";
import { balloonPlugin } from "./plugin.js";

const MiB = 1024 * 1024;
/** How long the demo waits for one step before giving up, ms. */
const STEP_LIMIT_MS = 10_000;
/** BALLOON_CHANGE events in the demo's storm. */
export const DEMO_STORM_EVENTS = 1000;

/** What the demo observed. */
export interface DemoSummary {
  /** Every `balloon-change` delivered to the subscriber, in bytes, in order. */
  readonly announced: readonly number[];
  /** BALLOON_CHANGE events the monitor dropped for failing the plugin's schema. */
  readonly droppedMalformed: number;
  /** Worker jobs merged into a queued one by coalescing. */
  readonly coalesced: number;
}

/**
 * The plugin end to end, without QEMU: a FakeQmpServer plays a QEMU whose guest moves its
 * balloon, a daemon with the plugin is attached to it through a DomainMonitor, and a
 * `registerAny` subscriber prints every `balloon-change`. It shows the resync on connect, one
 * ordinary change, malformed data dropped and counted, and a storm coalesced per domain.
 */
export async function runDemo(print: (line: string) => void): Promise<DemoSummary> {
  const qemu = await FakeQmpServer.start();
  qemu.expect("query-status", { return: { status: "running", running: true } });
  qemu.expect("query-balloon", { return: { actual: 1024 * MiB } });
  const daemon = createDaemon({ plugins: [balloonPlugin] });
  await daemon.start();
  const announced: number[] = [];
  daemon.events.registerAny({
    event: BalloonChange,
    callback: (domain, ev) => {
      announced.push(ev.actual);
      print(`${domain.name}: balloon-change actual=${ev.actual / MiB} MiB`);
    },
  });
  const vm = daemon.domains.define({ name: "vm1" });
  const link = new DomainMonitor({ daemon, uuid: vm.uuid, target: qemu.target });
  try {
    link.start();
    await until(
      "the resync",
      () => daemon.stateStore.get(vm.uuid, BALLOON_STATE_KEY) !== undefined,
    );
    print("connected: query-balloon says 1024 MiB (first sight: recorded, not announced)");

    qemu.emitEvent("BALLOON_CHANGE", { actual: 768 * MiB });
    await until("the first change", () => announced.length === 1);

    for (const bad of [{ actual: "lots" }, {}, { actual: -1 }, { actual: 2 ** 60 }]) {
      qemu.emitEvent("BALLOON_CHANGE", bad);
    }
    qemu.emitEvent("BALLOON_CHANGE", { actual: 512 * MiB });
    await until("the change after the malformed ones", () => announced.length === 2);
    const monitor = link.monitor as QmpMonitor;
    const droppedMalformed = monitor.counters.dropped.get("event-schema") ?? 0;
    print(`malformed BALLOON_CHANGE dropped and counted: ${droppedMalformed}; still listening`);

    const before = monitor.counters.eventsByName.get("BALLOON_CHANGE") ?? 0;
    const last = 256 * MiB;
    for (let i = DEMO_STORM_EVENTS - 1; i >= 0; i--) {
      qemu.emitEvent("BALLOON_CHANGE", { actual: last + i * 64 * 1024 });
    }
    await until(
      "the storm",
      () =>
        monitor.counters.eventsByName.get("BALLOON_CHANGE") === before + DEMO_STORM_EVENTS &&
        idle(daemon, vm.uuid) &&
        announced.at(-1) === last,
    );
    const { coalesced } = daemon.workers.stats();
    print(
      `storm of ${DEMO_STORM_EVENTS} BALLOON_CHANGE: ${coalesced} coalesced, last size announced ${last / MiB} MiB`,
    );
    return { announced, droppedMalformed, coalesced };
  } finally {
    link.close();
    await daemon.close();
    await qemu.stop();
  }
}

/** True when the domain's lane has nothing queued or running and every event was delivered. */
function idle(daemon: Daemon, uuid: string): boolean {
  const lane = daemon.workers.stats().lanes.find((l) => l.domainUuid === uuid);
  return (
    (lane === undefined || (!lane.running && lane.queued === 0)) && daemon.events.pendingCount === 0
  );
}

/** Polls `check` until it holds; throws naming `what` after STEP_LIMIT_MS. */
async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + STEP_LIMIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`demo: timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
}
