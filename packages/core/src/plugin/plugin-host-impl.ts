import { type DependencyContainer, inject, injectable } from "tsyringe";
import { type Disposable, DisposableStore, toDisposable } from "../common/disposable.js";
import type { Logger } from "../common/logger.js";
import { TOKENS } from "../di/tokens.js";
import type { Domain } from "../domain/domain.js";
import type { DomainRegistry } from "../domain/domain-registry.js";
import type { DomainEventState } from "../events/domain-event-state.js";
import type { WorkerPool } from "../process/worker-pool.js";
import { createMonitorCallbackContext } from "./monitor-callback-context.js";
import type {
  AnyPlugin,
  DomainConnectedHook,
  MonitorCallbackContext,
  PluginSetupContext,
} from "./plugin.js";
import { PluginHostStartedError, PluginSetupError } from "./plugin-errors.js";
import {
  type MonitorCallbackStats,
  type MonitorEventEntry,
  PLUGIN_OPTIONS_TOKEN,
  type PluginHost,
  type PluginHostStats,
} from "./plugin-host.js";
import { validatePlugins } from "./validate-plugins.js";

/** Repeated failures of one kind are logged at full level for the first ones only... */
const LOG_BURST_COUNT = 10;
/** ...and then once every this many (each line carries the running count). */
const LOG_EVERY_COUNT = 1_000;

/** Keeps a failure storm (a plugin throwing on every event) from becoming a log storm. */
function shouldLog(count: number): boolean {
  return count <= LOG_BURST_COUNT || count % LOG_EVERY_COUNT === 0;
}

/** What the host keeps per monitor event entry, so a callback costs one lookup. */
interface EntryRuntime {
  readonly log: Logger;
  readonly stats: MonitorCallbackStats;
  /** The callback context per domain uuid, for the domain record it was built for. */
  readonly contexts: Map<string, { domain: Domain; ctx: MonitorCallbackContext }>;
}

interface LoadedPlugin {
  readonly name: string;
  readonly logger: Logger;
  readonly container: DependencyContainer;
  readonly store: DisposableStore;
  readonly hooks: DomainConnectedHook[];
}

/** Default {@link PluginHost}, one per daemon. */
@injectable()
export class PluginHostImpl implements PluginHost {
  private readonly loaded: LoadedPlugin[] = [];
  private readonly entries = new Map<string, MonitorEventEntry>();
  private readonly loggers = new Map<string, Logger>();
  private readonly runtimes = new WeakMap<MonitorEventEntry, EntryRuntime>();
  private readonly counters: PluginHostStats = { monitorCallbacks: {}, unknownDomain: 0 };
  private readonly pendingDisposals: Array<Promise<void>> = [];
  private started = false;
  private closed = false;

  constructor(
    @inject(TOKENS.DependencyContainer) private readonly container: DependencyContainer,
    @inject(TOKENS.DomainRegistry) private readonly domains: DomainRegistry,
    @inject(TOKENS.WorkerPool) private readonly workers: WorkerPool,
    @inject(TOKENS.DomainEventState) private readonly events: DomainEventState,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  get pluginNames(): readonly string[] {
    return this.loaded.map((p) => p.name);
  }

  async start(
    plugins: readonly AnyPlugin[],
    pluginOptions?: Readonly<Record<string, unknown>>,
    signal?: AbortSignal,
  ): Promise<void> {
    if (this.started || this.closed) throw new PluginHostStartedError();
    this.started = true;
    // Throws before any plugin code runs.
    const ordered = validatePlugins(plugins, { pluginOptions });
    for (const { plugin, options } of ordered) {
      // Closed meanwhile (the daemon is shutting down): set up nothing more.
      if (this.closed || signal?.aborted) return;
      const loaded = this.register(plugin, options);
      try {
        await plugin.setup?.(
          this.setupContext(plugin, loaded, options) as PluginSetupContext<never>,
        );
      } catch (e) {
        this.logger.error(
          { err: e, plugin: plugin.name },
          "plugin setup failed; unloading plugins",
        );
        await this.close();
        throw new PluginSetupError(plugin.name, e);
      }
      this.logger.debug({ plugin: plugin.name }, "plugin set up");
    }
  }

  monitorEvents(): readonly MonitorEventEntry[] {
    return [...this.entries.values()];
  }

  findMonitorEvent(eventName: string): MonitorEventEntry | undefined {
    return this.entries.get(eventName);
  }

  invokeMonitorEvent(entry: MonitorEventEntry, domainUuid: string, data: unknown): boolean {
    const domain = this.domains.findByUuid(domainUuid);
    const runtime = this.runtimeOf(entry);
    if (domain === undefined) {
      this.counters.unknownDomain++;
      const n = this.counters.unknownDomain;
      runtime.log[shouldLog(n) ? "warn" : "debug"](
        { event: entry.eventName, uuid: domainUuid, unknownDomain: n },
        "monitor event for an unknown domain dropped",
      );
      return false;
    }
    const stats = runtime.stats;
    stats.invoked++;
    const ctx = this.callbackContext(entry, runtime, domain);
    try {
      entry.onEvent(ctx, ctx.domain, data as never);
      return true;
    } catch (e) {
      stats.errors++;
      ctx.logger[shouldLog(stats.errors) ? "error" : "debug"](
        { err: e, errors: stats.errors },
        "monitor callback threw; the event is dropped for this plugin",
      );
      return false;
    }
  }

  /** The entry's logger, counters and contexts, set up at its first event. */
  private runtimeOf(entry: MonitorEventEntry): EntryRuntime {
    let runtime = this.runtimes.get(entry);
    if (runtime === undefined) {
      const plugin = entry.plugin;
      const stats = this.counters.monitorCallbacks[plugin] ?? { invoked: 0, errors: 0 };
      this.counters.monitorCallbacks[plugin] = stats;
      const log = this.loggers.get(plugin) ?? this.logger.child({ plugin });
      runtime = { log, stats, contexts: new Map() };
      this.runtimes.set(entry, runtime);
    }
    return runtime;
  }

  /**
   * The frozen context of `entry`'s callback for `domain`, built once per (entry, domain
   * record) and reused: it reads the domain's live fields through getters.
   */
  private callbackContext(entry: MonitorEventEntry, runtime: EntryRuntime, domain: Domain) {
    const cached = runtime.contexts.get(domain.uuid);
    if (cached !== undefined && cached.domain === domain) return cached.ctx;
    const services = { domains: this.domains, workers: this.workers, events: this.events };
    const ctx = createMonitorCallbackContext(services, domain, () =>
      runtime.log.child({ event: entry.eventName, domain: domain.name, uuid: domain.uuid }),
    );
    runtime.contexts.set(domain.uuid, { domain, ctx });
    return ctx;
  }

  async runDomainConnectedHooks(domainUuid: string, info: { reconnect: boolean }): Promise<void> {
    const runs: Array<Promise<unknown>> = [];
    for (const p of this.loaded) {
      for (const hook of [...p.hooks]) {
        runs.push(
          this.workers.runInLane(
            domainUuid,
            { plugin: p.name, label: "onDomainConnected" },
            (ctx) => hook(ctx, { reconnect: info.reconnect }),
          ),
        );
      }
    }
    await Promise.all(runs);
  }

  stats(): PluginHostStats {
    const monitorCallbacks: PluginHostStats["monitorCallbacks"] = {};
    for (const [k, v] of Object.entries(this.counters.monitorCallbacks))
      monitorCallbacks[k] = { ...v };
    return { monitorCallbacks, unknownDomain: this.counters.unknownDomain };
  }

  async close(): Promise<void> {
    this.closed = true;
    // LIFO across plugins: the last plugin set up goes first, and within a plugin the last
    // thing it registered goes first.
    while (this.loaded.length > 0) {
      const p = this.loaded.pop();
      if (!p) break;
      for (const err of p.store.disposeAll()) {
        p.logger.error({ err }, "disposing a plugin registration threw");
      }
      for (const [name, entry] of this.entries)
        if (entry.plugin === p.name) this.entries.delete(name);
    }
    const pending = this.pendingDisposals.splice(0);
    const results = await Promise.allSettled(pending);
    for (const r of results) {
      if (r.status === "rejected")
        this.logger.error({ err: r.reason }, "disposing a plugin container failed");
    }
  }

  dispose(): void {
    void this.close();
  }

  /** The declarative part: container, workers, event types, monitor events. No plugin code. */
  private register(plugin: AnyPlugin, options: unknown): LoadedPlugin {
    const logger = this.logger.child({ plugin: plugin.name });
    const store = new DisposableStore();
    const child = this.container.createChildContainer();
    const loaded: LoadedPlugin = { name: plugin.name, logger, container: child, store, hooks: [] };
    this.loaded.push(loaded);
    this.loggers.set(plugin.name, logger);
    this.counters.monitorCallbacks[plugin.name] = { invoked: 0, errors: 0 };
    child.register(TOKENS.Logger, { useValue: logger });
    child.register(PLUGIN_OPTIONS_TOKEN, { useValue: options });
    store.add(
      toDisposable(() => {
        const r = child.dispose();
        if (r) this.pendingDisposals.push(r);
      }),
    );
    for (const w of plugin.workers ?? []) {
      store.add(
        this.workers.registerHandler(w.event, w.handler, {
          plugin: plugin.name,
          container: child,
          timeoutMs: w.timeoutMs,
        }),
      );
    }
    for (const type of plugin.domainEvents ?? []) store.add(this.events.addEventType(type));
    for (const [eventName, spec] of Object.entries(plugin.qmpEvents ?? {})) {
      const entry: MonitorEventEntry = Object.freeze({
        plugin: plugin.name,
        eventName,
        schema: spec.schema,
        onEvent: spec.onEvent.bind(spec),
      });
      this.entries.set(eventName, entry);
    }
    return loaded;
  }

  private setupContext(
    plugin: AnyPlugin,
    loaded: LoadedPlugin,
    options: unknown,
  ): PluginSetupContext<unknown> {
    return Object.freeze({
      name: plugin.name,
      container: loaded.container,
      options,
      logger: loaded.logger,
      onDomainConnected: (hook: DomainConnectedHook): Disposable => {
        loaded.hooks.push(hook);
        return loaded.store.add(
          toDisposable(() => {
            const i = loaded.hooks.indexOf(hook);
            if (i >= 0) loaded.hooks.splice(i, 1);
          }),
        );
      },
      addDisposable: <T extends Disposable>(d: T): T => loaded.store.add(d),
    });
  }
}
