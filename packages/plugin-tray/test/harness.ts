// Shared by the integration tests: a daemon with the tray plugin, domains attached to a
// FakeQmpServer (or real QEMU) through DomainMonitor, and helpers to wait on them.
import {
  createDaemon,
  type Daemon,
  type DaemonOptions,
  type DomainEventDomain,
  type StateStore,
} from "@virtevent/core";
import { DomainMonitor } from "@virtevent/qmp";
import { FakeQmpServer, type FakeReply } from "@virtevent/qmp/testing";
import { TrayChange, type TrayChangeData, trayPlugin } from "../src/index.js";

/** How long `waitFor` polls before failing the test, ms. */
export const WAIT_LIMIT_MS = 15_000;
const POLL_MS = 5;

/** Polls `check` until it returns true; throws with `what` after WAIT_LIMIT_MS. */
export async function waitFor(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, POLL_MS));
  }
}

const teardowns: Array<() => Promise<void> | void> = [];

/** Registers `fn` to run at the next {@link closeTrayFixtures}. */
export function onTeardown(fn: () => Promise<void> | void): void {
  teardowns.push(fn);
}

/**
 * Closes everything the harness started for the current test, newest first (fake domains,
 * then their daemon). Install once per file: `afterEach(closeTrayFixtures)`.
 */
export async function closeTrayFixtures(): Promise<void> {
  for (const fn of teardowns.splice(0).reverse()) await fn();
}

/** One TRAY_CHANGE as a subscriber saw it. */
export interface SeenTrayChange extends TrayChangeData {
  readonly domain: string;
}

/** A daemon (NodeEventLoop) with the tray plugin and a `registerAny` TRAY_CHANGE recorder. */
export async function startTrayDaemon(
  options: DaemonOptions = {},
): Promise<{ daemon: Daemon; seen: SeenTrayChange[] }> {
  const daemon = createDaemon({ plugins: [trayPlugin], ...options });
  onTeardown(() => daemon.close().then(() => undefined));
  await daemon.start();
  const seen: SeenTrayChange[] = [];
  daemon.events.registerAny({
    event: TrayChange,
    callback: (domain: DomainEventDomain, data) => seen.push({ domain: domain.name, ...data }),
  });
  return { daemon, seen };
}

/** A drive as a `query-block` reply describes it. */
export interface FakeDrive {
  alias: string;
  open: boolean;
  locked?: boolean;
  /** Inserted medium: its file and node name. */
  medium?: { file: string; node: string };
}

/** A `query-block` reply shaped like QEMU 7.2's for `drives`. */
export function queryBlockReply(drives: readonly FakeDrive[]): { return: unknown } {
  return {
    return: drives.map((d) => ({
      "io-status": "ok",
      device: "",
      locked: d.locked ?? false,
      removable: true,
      qdev: d.alias,
      tray_open: d.open,
      type: "unknown",
      ...(d.medium && {
        inserted: { file: d.medium.file, "node-name": d.medium.node, drv: "raw", ro: true },
      }),
    })),
  };
}

/** Answers `query-status` like a running QEMU. */
export const RUNNING = { return: { status: "running", running: true } } as const;

/** True when the domain's lane has nothing queued or running and every event was flushed. */
export function laneIdle(daemon: Daemon, uuid: string): boolean {
  const lane = daemon.workers.stats().lanes.find((l) => l.domainUuid === uuid);
  const idle = lane === undefined || (!lane.running && lane.queued === 0);
  return idle && daemon.events.pendingCount === 0;
}

/** Waits until the link is connected, its resync hook has run and its events are delivered. */
export async function waitSynced(daemon: Daemon, link: DomainMonitor, uuid: string): Promise<void> {
  await waitFor("the domain to connect and resync", () => {
    return link.status === "connected" && laneIdle(daemon, uuid);
  });
}

/** A domain attached to a FakeQmpServer that answers the connect-time commands. */
export interface FakeDomain {
  readonly uuid: string;
  readonly server: FakeQmpServer;
  readonly link: DomainMonitor;
}

/**
 * Defines `name`, starts a FakeQmpServer that expects `query-status` then the resync's
 * `query-block` (answered with `drives`, or `options.queryBlock`), connects a DomainMonitor and
 * waits for the resync.
 */
export async function attachFakeDomain(
  daemon: Daemon,
  name: string,
  drives: readonly FakeDrive[],
  options: { uuid?: string; queryBlock?: FakeReply } = {},
): Promise<FakeDomain> {
  const server = await FakeQmpServer.start();
  onTeardown(() => server.stop());
  server.expect("query-status", RUNNING);
  server.expect("query-block", options.queryBlock ?? queryBlockReply(drives));
  const vm = daemon.domains.define({ name, uuid: options.uuid });
  const link = new DomainMonitor({ daemon, uuid: vm.uuid, target: { path: server.path } });
  onTeardown(() => link.close());
  link.start();
  await waitSynced(daemon, link, vm.uuid);
  return { uuid: vm.uuid, server, link };
}

/** A DEVICE_TRAY_MOVED event line as QEMU 7.2 writes it. */
export function trayMovedLine(alias: string, open: boolean): string {
  const data = { device: "", "tray-open": open, id: alias };
  return `${JSON.stringify({ timestamp: { seconds: 1, microseconds: 0 }, event: "DEVICE_TRAY_MOVED", data })}\r\n`;
}

/** The persisted position of `alias` (see the plugin's StateStore keys). */
export function persisted(store: StateStore, uuid: string, alias: string): unknown {
  return store.get(uuid, `tray:${alias}`);
}
