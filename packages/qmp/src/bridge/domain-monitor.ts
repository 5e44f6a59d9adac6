import type { Duplex } from "node:stream";
import type {
  DomainRegistry,
  EventLoopImpl,
  Logger,
  MonitorBridge,
  MonitorEventEntry,
  StopReason,
  TimerId,
} from "@virtevent/core";
import type { QmpCloseReason } from "../monitor/close-reason.js";
import { openQmpSocket, type QmpTarget } from "../monitor/connect.js";
import type { QmpEventEntry, QmpEventTable } from "../monitor/event-table.js";
import { ListenerList } from "../monitor/listener-list.js";
import type { QmpMonitorOptions } from "../monitor/monitor-options.js";
import { QmpMonitor } from "../monitor/qmp-monitor.js";
import type { QmpEvent } from "../protocol/messages.js";
import { readGateOf } from "./read-gate.js";

export { READ_PRESSURE_HIGH, READ_PRESSURE_LOW } from "./read-gate.js";

/** First delay before reconnecting after a failed attempt. */
export const RECONNECT_INITIAL_DELAY_MS = 100;
/** Longest delay between two reconnect attempts. */
export const RECONNECT_MAX_DELAY_MS = 5_000;

/** Where a {@link DomainMonitor} is. */
export type DomainMonitorStatus =
  | "idle"
  | "connecting"
  | "connected"
  | "waiting"
  | "gone"
  | "closed";

/** What a DomainMonitor needs of a daemon (a core `Daemon` has all of it). */
export interface DomainMonitorDaemon {
  readonly bridge: MonitorBridge;
  readonly domains: DomainRegistry;
  readonly loop: EventLoopImpl;
  readonly logger: Logger;
  /**
   * Public events waiting for a flush (a core daemon's `events`). With `workers`, enables read
   * backpressure: the daemon's monitors stop reading while queued jobs + pending public events
   * are at `READ_PRESSURE_HIGH`, until they are under `READ_PRESSURE_LOW`.
   */
  readonly events?: { readonly pendingCount: number };
  /** Jobs waiting in the lanes (a core daemon's `workers`); see `events`. */
  readonly workers?: { readonly queuedJobs: number };
}

/** Options of {@link DomainMonitor}. */
export interface DomainMonitorOptions {
  daemon: DomainMonitorDaemon;
  /** The domain this monitor belongs to (defined in `daemon.domains`). */
  uuid: string;
  /** Where QEMU's QMP server listens. */
  target: QmpTarget;
  /**
   * Whether the QEMU process still exists (known for launched domains). When it says false
   * after a disconnect, the domain is stopped and no reconnect is tried. Without it, a
   * reconnect refused or finding no socket means QEMU is gone.
   */
  isAlive?: () => boolean;
  /** Monitor limits and timeouts (the loop, event table and listeners are the bridge's). */
  monitor?: Omit<
    QmpMonitorOptions,
    "loop" | "events" | "onEvent" | "onClose" | "logger" | "readGate"
  >;
  /** Reconnect backoff (doubling from `initialDelayMs` up to `maxDelayMs`). */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Opens the stream to `target` (default: a socket); tests pass in-memory streams. */
  open?: (target: QmpTarget) => Duplex;
}

const GONE_CODES = new Set(["ECONNREFUSED", "ENOENT"]);

/** True when the close reason says nothing listens at the target any more. */
function peerGone(reason: QmpCloseReason): boolean {
  if (reason.kind !== "error") return false;
  const cause = (reason.error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === "string" && GONE_CODES.has(cause.code);
}

/**
 * Connects one domain's QEMU monitor to a daemon and keeps it connected — the bridge between
 * `@virtevent/qmp` and core's `MonitorBridge`:
 *
 * - its event table holds every plugin's QMP events: validated data goes to the plugin's
 *   monitor callback through `bridge.dispatchMonitorEvent`, in the reader's turn;
 * - STOP / RESUME / SHUTDOWN and `query-status` drive core's lifecycle (LIFECYCLE suspended,
 *   resumed, stopped { shutdown | crashed });
 * - on each (re)connect, `bridge.domainConnected` attaches the monitor as the domain's command
 *   channel and runs the plugins' resync hooks;
 * - a lost monitor whose QEMU still runs is reconnected with backoff; a QEMU that is gone
 *   stops the domain (`shutdown` if QEMU reported one, else `crashed`) (RELIABILITY rows 9, 21).
 *
 * @example
 * const link = new DomainMonitor({ daemon, uuid: vm.uuid, target: { path: "/run/vm1.qmp" } });
 * link.start();
 */
export class DomainMonitor {
  /** The table plugins' QMP events are dispatched from. */
  readonly table: QmpEventTable = new Map();
  private current: QmpMonitor | undefined;
  private state: DomainMonitorStatus = "idle";
  private connections = 0;
  private sawShutdown = false;
  private retryTimer: TimerId | undefined;
  private delayMs: number;
  private readonly daemon: DomainMonitorDaemon;
  private readonly log: Logger;
  private readonly statusListeners = new ListenerList<DomainMonitorStatus>();
  private readonly syncListeners = new ListenerList<{ reconnect: boolean }>();

  constructor(private readonly options: DomainMonitorOptions) {
    this.daemon = options.daemon;
    this.delayMs = options.reconnect?.initialDelayMs ?? RECONNECT_INITIAL_DELAY_MS;
    const domain = this.daemon.domains.findByUuid(options.uuid);
    this.log = this.daemon.logger.child({ domain: domain?.name, uuid: options.uuid });
    for (const entry of this.daemon.bridge.monitorEvents()) {
      this.table.set(entry.eventName, new BridgedEvent(entry, this.daemon.bridge, options.uuid));
    }
  }

  /** The ready monitor, while connected. */
  get monitor(): QmpMonitor | undefined {
    return this.state === "connected" ? this.current : undefined;
  }

  get status(): DomainMonitorStatus {
    return this.state;
  }

  /** Completed connections so far (1 after the first connect). */
  get connectionCount(): number {
    return this.connections;
  }

  /** Called on every status change. Returns a function that removes the listener. */
  onDidChangeStatus(fn: (s: DomainMonitorStatus) => void): () => void {
    return this.statusListeners.add(fn);
  }

  /**
   * Called after each (re)connect once every plugin's connect hook (the resync) has ended, so
   * callers know the domain's state is rebuilt. Returns a function that removes the listener.
   */
  onDidSync(fn: (info: { reconnect: boolean }) => void): () => void {
    return this.syncListeners.add(fn);
  }

  /** Starts connecting (and reconnecting). */
  start(): void {
    if (this.state !== "idle") return;
    this.connect();
  }

  /**
   * Stops for good: no more reconnects, the monitor closed, the channel detached. The domain's
   * lifecycle is left as it is (QEMU keeps running without its monitor).
   */
  close(): void {
    if (this.state === "closed") return;
    this.setStatus("closed");
    if (this.retryTimer !== undefined) this.daemon.loop.removeTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const m = this.current;
    this.current = undefined;
    if (m) {
      this.daemon.bridge.domainDisconnected(this.options.uuid, { channel: m });
      m.close();
    }
  }

  private connect(): void {
    this.setStatus("connecting");
    const open = this.options.open ?? openQmpSocket;
    let stream: Duplex;
    try {
      stream = open(this.options.target);
    } catch (e) {
      this.log.warn({ err: e }, "cannot open the QMP socket");
      this.afterLoss({ kind: "error", error: e as Error }, false);
      return;
    }
    const monitor = new QmpMonitor(stream, {
      ...this.options.monitor,
      loop: this.daemon.loop,
      logger: this.log,
      events: this.table,
      onEvent: (ev) => this.onLifecycleEvent(ev),
      onClose: (reason) => this.onMonitorClosed(monitor, reason),
      readGate: readGateOf(this.daemon),
    });
    this.current = monitor;
    monitor.ready.then(
      () => void this.onReady(monitor),
      () => {
        // onClose reports the failure.
      },
    );
  }

  private async onReady(monitor: QmpMonitor): Promise<void> {
    if (this.current !== monitor || this.state === "closed") return;
    const reconnect = this.connections > 0;
    this.connections++;
    this.sawShutdown = false;
    this.delayMs = this.options.reconnect?.initialDelayMs ?? RECONNECT_INITIAL_DELAY_MS;
    let running = true;
    try {
      const status = (await monitor.execute("query-status")) as { running?: unknown };
      running = status.running !== false;
    } catch (e) {
      if (this.current !== monitor) return;
      this.log.warn({ err: e }, "query-status failed; assuming the domain runs");
    }
    // close() may have run while query-status was in flight.
    if (this.current !== monitor || this.isClosed()) return;
    this.setStatus("connected");
    this.log.info({ reconnect }, "QMP monitor connected");
    const hooks = this.daemon.bridge.domainConnected(this.options.uuid, monitor, { reconnect });
    if (!running) this.transition("suspend");
    await hooks.catch((e: unknown) => this.log.error({ err: e }, "domainConnected failed"));
    if (this.current !== monitor || this.isClosed()) return;
    this.syncListeners.emit({ reconnect }, (e) =>
      this.log.warn({ err: e }, "onDidSync listener threw"),
    );
  }

  private onLifecycleEvent(ev: QmpEvent): void {
    if (ev.name === "STOP") this.transition("suspend");
    else if (ev.name === "RESUME") this.transition("resume");
    else if (ev.name === "SHUTDOWN") this.sawShutdown = true;
  }

  private transition(kind: "suspend" | "resume"): void {
    const domain = this.daemon.domains.findByUuid(this.options.uuid);
    if (!domain) return;
    if (kind === "suspend" && domain.state === "running")
      this.daemon.domains.markSuspended(domain.uuid);
    if (kind === "resume" && domain.state === "paused")
      this.daemon.domains.markResumed(domain.uuid);
  }

  private onMonitorClosed(monitor: QmpMonitor, reason: QmpCloseReason): void {
    if (this.current !== monitor || this.state === "closed") return;
    this.current = undefined;
    const wasConnected = this.state === "connected";
    if (wasConnected) {
      this.log.warn({ reason: reason.kind }, "QMP monitor lost");
      this.daemon.bridge.domainDisconnected(this.options.uuid, { channel: monitor });
    } else {
      this.log.debug(
        { reason: reason.kind, err: "error" in reason ? reason.error : undefined },
        "QMP connect attempt failed",
      );
    }
    this.afterLoss(reason, wasConnected);
  }

  /** Decides between "QEMU is gone" (stop the domain) and "try again" after a loss. */
  private afterLoss(reason: QmpCloseReason, wasConnected: boolean): void {
    const alive = this.options.isAlive?.();
    const gone = alive === undefined ? peerGone(reason) : !alive;
    if (gone) this.markGone();
    if (alive === false) {
      this.setStatus("gone");
      return;
    }
    // A monitor that was just lost is retried at once; failed attempts back off.
    this.scheduleConnect(wasConnected ? 0 : this.nextDelay());
  }

  private markGone(): void {
    const domain = this.daemon.domains.findByUuid(this.options.uuid);
    if (!domain || (domain.state !== "running" && domain.state !== "paused")) return;
    const reason: StopReason = this.sawShutdown ? "shutdown" : "crashed";
    this.log.info({ reason }, "QEMU is gone: domain stopped");
    this.daemon.bridge.domainDisconnected(this.options.uuid, { reason });
  }

  private nextDelay(): number {
    const d = this.delayMs;
    const max = this.options.reconnect?.maxDelayMs ?? RECONNECT_MAX_DELAY_MS;
    this.delayMs = Math.min(d * 2, max);
    return d;
  }

  private scheduleConnect(delayMs: number): void {
    this.setStatus("waiting");
    const timer = this.daemon.loop.addTimeout(delayMs, () => {
      this.daemon.loop.removeTimeout(timer);
      if (this.retryTimer !== timer) return;
      this.retryTimer = undefined;
      if (this.state === "waiting") this.connect();
    });
    this.retryTimer = timer;
  }

  private isClosed(): boolean {
    return this.state === "closed";
  }

  private setStatus(s: DomainMonitorStatus): void {
    if (this.state === s) return;
    this.state = s;
    this.statusListeners.emit(s);
  }
}

/**
 * A plugin's monitor event in one domain's event table. A class rather than a closure per
 * domain and event: a thousand domains hold a thousand tables.
 */
class BridgedEvent implements QmpEventEntry {
  readonly schema: MonitorEventEntry["schema"];

  constructor(
    private readonly entry: MonitorEventEntry,
    private readonly bridge: MonitorBridge,
    private readonly uuid: string,
  ) {
    this.schema = entry.schema;
  }

  onEvent(data: unknown): void {
    this.bridge.dispatchMonitorEvent(this.entry, this.uuid, data);
  }
}
