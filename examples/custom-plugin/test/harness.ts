// Shared by the tests: a daemon with the balloon plugin attached to a FakeQmpServer through
// DomainMonitor, a registerAny subscriber, and helpers to wait on them.
import {
  createDaemon,
  type Daemon,
  type DaemonOptions,
  type Domain,
  MemoryStateStore,
} from "@virtevent/core";
import { DomainMonitor, type QmpMonitor, type QmpTarget } from "@virtevent/qmp";
import balloonPlugin, { BalloonChange, type BalloonChangeData } from "../src/index.js";

/** How long `waitFor` polls before failing the test, ms. */
const WAIT_LIMIT_MS = 15_000;

/** Polls `check` until it returns true; throws naming `what` after WAIT_LIMIT_MS. */
export async function waitFor(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
}

/** Answers `query-status` like a running QEMU. */
export const RUNNING = { return: { status: "running", running: true } } as const;

/** One `balloon-change` as the subscriber saw it. */
export interface SeenBalloonChange extends BalloonChangeData {
  readonly domain: string;
}

/** A started daemon with the plugin (its default export), one domain and a subscriber. */
export interface BalloonRig {
  readonly daemon: Daemon;
  readonly vm: Domain;
  readonly seen: SeenBalloonChange[];
  /** Attaches the domain to `target`; resolves once connected (the resync may still run). */
  attach(target: QmpTarget): Promise<DomainMonitor>;
  /** The connected monitor (throws when not connected). */
  monitor(): QmpMonitor;
  /** True when the lane is empty and every public event has been delivered. */
  idle(): boolean;
  close(): Promise<void>;
}

/** Starts a daemon with the balloon plugin (NodeEventLoop) and defines domain `vm1`. */
export async function startBalloonRig(options: DaemonOptions = {}): Promise<BalloonRig> {
  const daemon = createDaemon({
    plugins: [balloonPlugin],
    stateStore: new MemoryStateStore(),
    ...options,
  });
  await daemon.start();
  const vm = daemon.domains.define({ name: "vm1" });
  const seen: SeenBalloonChange[] = [];
  daemon.events.registerAny({
    event: BalloonChange,
    callback: (domain, data) => seen.push({ domain: domain.name, ...data }),
  });
  let link: DomainMonitor | undefined;
  return {
    daemon,
    vm,
    seen,
    async attach(target) {
      link = new DomainMonitor({ daemon, uuid: vm.uuid, target });
      link.start();
      const current = link;
      await waitFor("the monitor to connect", () => current.status === "connected");
      return current;
    },
    monitor() {
      const m = link?.monitor;
      if (!m) throw new Error("not connected");
      return m;
    },
    idle() {
      const lane = daemon.workers.stats().lanes.find((l) => l.domainUuid === vm.uuid);
      const laneIdle = lane === undefined || (!lane.running && lane.queued === 0);
      return laneIdle && daemon.events.pendingCount === 0;
    },
    async close() {
      link?.close();
      await daemon.close();
    },
  };
}
