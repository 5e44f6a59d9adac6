import type { Server } from "node:http";
import { join } from "node:path";
import {
  type AnyPlugin,
  createDaemon,
  createLogger,
  type Daemon,
  type DomainEventType,
  defaultEventLoopRegistry,
  FileStateStore,
  isCoreError,
  LifecycleEvent,
  type Logger,
  type ProcessEventType,
} from "@virtevent/core";
import type { QmpCounters } from "@virtevent/qmp";
import { ApiServer } from "../api/api-server.js";
import type { DaemonConfig, DomainConfig } from "../config/config-schema.js";
import { loadConfig } from "../config/load-config.js";
import { ConfigError } from "../daemon-error.js";
import { createApiMethods } from "./api-methods.js";
import { ManagedDomain } from "./managed-domain.js";
import { loadPlugins } from "./plugin-loader.js";

/** The npm package whose `changeMedia` serves the API's media.change. */
export const TRAY_PLUGIN_PACKAGE = "@virtevent/plugin-tray";
/** The npm package whose `NicRxFilterChanged` resyncs a NIC whose trust a reload changed. */
export const NIC_PLUGIN_PACKAGE = "@virtevent/plugin-nic-rx-filter";

/** Options of {@link Virteventd}. */
export interface VirteventdOptions {
  /** The file `reload()` re-reads (SIGHUP). Without it, reload keeps the current config. */
  configPath?: string;
  /** Default: pino at the configured level, on stderr. */
  logger?: Logger;
  /** Imports plugin packages (default: dynamic `import()`). */
  importer?: (specifier: string) => Promise<unknown>;
}

type ChangeMedia = (
  daemon: Daemon,
  domain: string,
  alias: string,
  options: { insert?: string; eject?: boolean; force?: boolean; timeoutMs?: number },
) => Promise<unknown>;

/**
 * The reference daemon: a core daemon with the configured plugins and event loop, a
 * FileStateStore in the state directory, one {@link ManagedDomain} per configured domain, the
 * API socket and optional Prometheus metrics. `virteventd --config FILE` runs one.
 */
export class Virteventd {
  private core: Daemon | undefined;
  private api: ApiServer | undefined;
  private metrics: Server | undefined;
  private readonly managed = new Map<string, ManagedDomain>();
  private eventTypes = new Map<string, DomainEventType>();
  private readonly logger: Logger;
  private readonly importer: (specifier: string) => Promise<unknown>;
  private config: DaemonConfig;
  private nicResync: ProcessEventType<{ alias: string }> | undefined;

  constructor(
    config: DaemonConfig,
    private readonly options: VirteventdOptions = {},
  ) {
    this.config = config;
    this.logger = options.logger ?? createLogger({ level: config.logLevel, name: "virteventd" });
    this.importer = options.importer ?? ((s) => import(s));
  }

  /** The core daemon (after start). */
  get daemon(): Daemon {
    if (!this.core) throw new Error("virteventd is not started");
    return this.core;
  }

  /** Where `/metrics` is served (with `metrics` configured; port 0 picks a free one). */
  get metricsAddress(): { host: string; port: number } | undefined {
    const a = this.metrics?.address();
    return a && typeof a === "object" ? { host: a.address, port: a.port } : undefined;
  }

  /** Clients connected to the API socket now. */
  get apiClientCount(): number {
    return this.api?.clientCount ?? 0;
  }

  /** Domains by uuid. */
  get domains(): ReadonlyMap<string, ManagedDomain> {
    return this.managed;
  }

  /**
   * Starts everything; a configuration problem (unknown loop, plugin that cannot be loaded or
   * whose options are wrong) rejects with a ConfigError and leaves nothing running.
   */
  async start(): Promise<void> {
    const config = this.config;
    if (!defaultEventLoopRegistry.has(config.eventLoop)) {
      throw new ConfigError("eventLoop", [
        `config.eventLoop: unknown event-loop implementation "${config.eventLoop}"; expected one of: ${defaultEventLoopRegistry.names().join(", ")}`,
      ]);
    }
    const { plugins, pluginOptions } = await loadPlugins(config, this.importer);
    const changeMedia = await this.loadChangeMedia(plugins);
    this.nicResync = await this.loadNicResync(plugins);
    const core = createDaemon({
      loop: config.eventLoop,
      plugins,
      pluginOptions,
      logger: this.logger,
      stateStore: new FileStateStore({
        dir: join(config.stateDir, "state"),
        logger: this.logger,
        fsync: config.stateFsync,
      }),
      onReload: () => this.reload(),
    });
    try {
      await core.start();
    } catch (e) {
      if (
        isCoreError(e) &&
        e.code.startsWith("VIRTEVENT_ERR_PLUGIN_") &&
        e.code !== "VIRTEVENT_ERR_PLUGIN_SETUP"
      ) {
        throw new ConfigError("plugins", [e.message]);
      }
      throw e;
    }
    this.core = core;
    this.eventTypes = new Map([
      [LifecycleEvent.id, LifecycleEvent as DomainEventType],
      ...plugins.flatMap((p) => (p.domainEvents ?? []).map((t) => [t.id, t] as const)),
    ]);
    try {
      this.api = new ApiServer({
        path: config.apiSocket.path,
        access: {
          mode: config.apiSocket.mode === "0660" ? 0o660 : 0o600,
          group: config.apiSocket.group,
        },
        logger: this.logger,
        methods: createApiMethods({
          daemon: core,
          managed: () => this.managed,
          eventTypes: () => this.eventTypes,
          changeMedia: changeMedia
            ? (p) =>
                changeMedia(core, p.domain, p.alias, {
                  insert: p.insert,
                  eject: p.eject,
                  force: p.force,
                  timeoutMs: p.timeoutMs,
                })
            : undefined,
        }),
      });
      await this.api.listen();
      if (config.metrics) {
        // Loaded only when configured: prom-client alone adds ~30 ms to start-up.
        const { createMetricsRegistry, serveMetrics } = await import("./metrics.js");
        const registry = createMetricsRegistry({
          daemon: core,
          qmpCounters: () => this.qmpCounters(),
          apiClients: () => this.apiClientCount,
        });
        this.metrics = await serveMetrics(registry, config.metrics.host, config.metrics.port);
      }
    } catch (e) {
      await this.close();
      throw e;
    }
    // Domains last: a socket that cannot be bound must leave no launched QEMU behind.
    for (const d of config.domains) await this.addDomain(d);
    this.logger.info(
      {
        socket: config.apiSocket.path,
        domains: config.domains.length,
        plugins: plugins.map((p) => p.name),
      },
      "virteventd ready",
    );
  }

  /**
   * Re-reads the configuration file (SIGHUP): domains added and removed, device settings
   * (NIC trust) applied; an invalid file is logged and the running configuration kept.
   * Settings that need a restart (event loop, plugins, API socket, metrics) are reported.
   */
  async reload(): Promise<void> {
    if (!this.options.configPath) return;
    let next: DaemonConfig;
    try {
      next = await loadConfig(this.options.configPath);
    } catch (e) {
      const issues = e instanceof ConfigError ? e.issues : [String(e)];
      this.logger.error(
        { issues },
        "reload refused: the new configuration is invalid; keeping the running one",
      );
      return;
    }
    const old = this.config;
    for (const key of [
      "eventLoop",
      "plugins",
      "apiSocket",
      "stateDir",
      "stateFsync",
      "metrics",
    ] as const) {
      if (JSON.stringify(old[key]) !== JSON.stringify(next[key])) {
        this.logger.warn(
          { setting: key },
          "this setting changes only at restart; ignored by reload",
        );
      }
    }
    const byName = new Map(next.domains.map((d) => [d.name, d]));
    for (const m of [...this.managed.values()]) {
      const wanted = byName.get(m.config.name);
      if (!wanted) {
        this.logger.info({ domain: m.config.name }, "domain removed by reload");
        m.close(true);
        this.managed.delete(m.uuid);
        continue;
      }
      if (
        wanted.qmp !== m.config.qmp ||
        JSON.stringify(wanted.launch) !== JSON.stringify(m.config.launch) ||
        wanted.uuid !== m.config.uuid
      ) {
        this.logger.warn(
          { domain: m.config.name },
          "a domain's qmp/launch/uuid changes only at restart; ignored",
        );
      }
      const changed = m.updateDevices({ ...m.config, devices: wanted.devices });
      if (changed.length > 0) {
        this.logger.info({ domain: m.config.name, devices: changed }, "device settings reloaded");
      }
      // A NIC whose settings (trust) changed is resynced at once: trusted now → the host follows
      // the guest; untrusted now → nothing more touches the host.
      const nicResync = this.nicResync;
      if (nicResync) {
        for (const nic of wanted.devices.nics) {
          if (changed.includes(nic.alias)) {
            this.daemon.workers.submit(
              m.uuid,
              nicResync,
              { alias: nic.alias },
              { coalesceKey: nic.alias },
            );
          }
        }
      }
    }
    const known = new Set([...this.managed.values()].map((m) => m.config.name));
    for (const d of next.domains) if (!known.has(d.name)) await this.addDomain(d);
    this.config = { ...old, domains: next.domains, logLevel: next.logLevel };
    this.logger.level = next.logLevel;
  }

  /** Stops serving and closes the core daemon; launched QEMUs keep running (re-attached next start). */
  async close(): Promise<void> {
    await this.api?.close();
    this.api = undefined;
    const metrics = this.metrics;
    this.metrics = undefined;
    if (metrics) await new Promise<void>((r) => metrics.close(() => r()));
    for (const m of this.managed.values()) m.close();
    this.managed.clear();
    await this.core?.close();
  }

  private async addDomain(config: DomainConfig): Promise<void> {
    const m = new ManagedDomain(
      config,
      this.daemon,
      join(this.config.stateDir, "run"),
      this.logger,
    );
    this.managed.set(m.uuid, m);
    try {
      await m.start();
    } catch (e) {
      // One domain that cannot start must not take the daemon (or the other domains) down.
      this.logger.error({ err: e, domain: config.name }, "domain could not be started");
    }
  }

  private qmpCounters(): Map<string, QmpCounters> {
    const out = new Map<string, QmpCounters>();
    for (const m of this.managed.values()) {
      const c = m.counters();
      if (c) out.set(m.config.name, c);
    }
    return out;
  }

  private async loadNicResync(
    plugins: readonly AnyPlugin[],
  ): Promise<ProcessEventType<{ alias: string }> | undefined> {
    if (!plugins.some((p) => p.name === "nic-rx-filter")) return undefined;
    const mod = (await this.importer(NIC_PLUGIN_PACKAGE)) as {
      NicRxFilterChanged?: ProcessEventType<{ alias: string }>;
    };
    return mod.NicRxFilterChanged;
  }

  private async loadChangeMedia(plugins: readonly AnyPlugin[]): Promise<ChangeMedia | undefined> {
    if (!plugins.some((p) => p.name === "tray")) return undefined;
    const mod = (await this.importer(TRAY_PLUGIN_PACKAGE)) as { changeMedia?: unknown };
    return typeof mod.changeMedia === "function" ? (mod.changeMedia as ChangeMedia) : undefined;
  }
}
