import type { Logger } from "../common/logger.js";
import type { CommandChannel } from "../domain/command-channel.js";
import type { StopReason } from "../domain/domain.js";
import { DomainNotFoundError } from "../domain/domain-errors.js";
import type { DomainRegistry } from "../domain/domain-registry.js";
import type { MonitorEventEntry, PluginHost } from "../plugin/plugin-host.js";

/** Options of {@link MonitorBridge.domainConnected}. */
export interface DomainConnectedOptions {
  /** True when this is not the first connection of this daemon to the domain's monitor. */
  reconnect: boolean;
}

/** Options of {@link MonitorBridge.domainDisconnected}. */
export interface DomainDisconnectedOptions {
  /**
   * Set when the domain itself is gone (`crashed` when the monitor hit EOF without a clean
   * shutdown): the domain is marked stopped and its LIFECYCLE event queued. Omitted when only
   * the monitor connection was lost and a reconnect is expected.
   */
  reason?: StopReason;
  /** Detach only this channel (a stale monitor must not detach its successor). */
  channel?: CommandChannel;
}

/**
 * The entry points a monitor protocol package (`@virtevent/qmp`'s bridge) calls; core knows
 * nothing of the protocol. Typical use:
 *
 * 1. build the protocol's event table from `monitorEvents()` (name → schema);
 * 2. when the monitor of a domain is ready: `await domainConnected(uuid, monitor, { reconnect })`;
 * 3. for each event whose data passed the entry's schema: `dispatchMonitorEvent(entry, uuid, data)`
 *    (synchronously, in the reader's turn);
 * 4. on EOF: `domainDisconnected(uuid, { reason: sawShutdown ? "shutdown" : "crashed", channel })`.
 *
 * @example
 * for (const entry of daemon.bridge.monitorEvents()) table.set(entry.eventName, entry);
 * monitor.onEvent((name, data) => {
 *   const entry = table.get(name);
 *   const parsed = entry?.schema.safeParse(data);
 *   if (entry && parsed?.success) daemon.bridge.dispatchMonitorEvent(entry, uuid, parsed.data);
 * });
 */
export interface MonitorBridge {
  /** Every plugin's monitor events: `{ plugin, eventName, schema, onEvent }`. */
  monitorEvents(): readonly MonitorEventEntry[];
  /** The entry for `eventName`, if a plugin handles it. */
  findMonitorEvent(eventName: string): MonitorEventEntry | undefined;
  /**
   * Runs the entry's monitor callback for the domain with data the monitor already validated.
   * Never throws: callback errors are logged with the plugin name and counted. Returns true
   * when the callback ran to completion; false when it threw, the domain is unknown or the
   * daemon is not running.
   */
  dispatchMonitorEvent(entry: MonitorEventEntry, domainUuid: string, data: unknown): boolean;
  /**
   * The domain's monitor is connected: attaches `channel`, marks the domain running when it was
   * defined or stopped (a new incarnation, LIFECYCLE `started`), then runs every plugin's
   * `onDomainConnected` hooks in the domain's lane. Resolves when the hooks have ended (their
   * failures are counted by the worker pool, never thrown).
   * @throws DomainNotFoundError (as a rejection) for an unknown domain.
   */
  domainConnected(
    domainUuid: string,
    channel: CommandChannel,
    options: DomainConnectedOptions,
  ): Promise<void>;
  /**
   * The domain's monitor is gone: detaches the channel, and with a `reason` marks the domain
   * stopped (idempotent: a SHUTDOWN event then EOF stop it once). Unknown domains are ignored.
   */
  domainDisconnected(domainUuid: string, options?: DomainDisconnectedOptions): void;
}

/** @internal */
export class MonitorBridgeImpl implements MonitorBridge {
  constructor(
    private readonly host: PluginHost,
    private readonly domains: DomainRegistry,
    private readonly logger: Logger,
    private readonly isRunning: () => boolean,
  ) {}

  monitorEvents(): readonly MonitorEventEntry[] {
    return this.host.monitorEvents();
  }

  findMonitorEvent(eventName: string): MonitorEventEntry | undefined {
    return this.host.findMonitorEvent(eventName);
  }

  dispatchMonitorEvent(entry: MonitorEventEntry, domainUuid: string, data: unknown): boolean {
    if (!this.isRunning()) {
      this.logger.debug(
        { event: entry.eventName, uuid: domainUuid },
        "daemon not running: monitor event dropped",
      );
      return false;
    }
    return this.host.invokeMonitorEvent(entry, domainUuid, data);
  }

  async domainConnected(
    domainUuid: string,
    channel: CommandChannel,
    options: DomainConnectedOptions,
  ): Promise<void> {
    const domain = this.domains.findByUuid(domainUuid);
    if (domain === undefined) throw new DomainNotFoundError(domainUuid);
    if (domain.state === "defined" || domain.state === "stopped") {
      this.domains.markStarted(domain.uuid);
    }
    this.domains.attachChannel(domain.uuid, channel);
    this.logger.info(
      { domain: domain.name, uuid: domain.uuid, reconnect: options.reconnect },
      "domain monitor connected",
    );
    if (!this.isRunning()) return;
    await this.host.runDomainConnectedHooks(domain.uuid, { reconnect: options.reconnect });
  }

  domainDisconnected(domainUuid: string, options: DomainDisconnectedOptions = {}): void {
    const domain = this.domains.findByUuid(domainUuid);
    if (domain === undefined) return;
    this.domains.detachChannel(domain.uuid, options.channel);
    if (options.reason !== undefined) this.domains.markStopped(domain.uuid, options.reason);
    this.logger.info(
      { domain: domain.name, uuid: domain.uuid, reason: options.reason },
      "domain monitor disconnected",
    );
  }
}
