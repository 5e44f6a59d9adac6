import type { DependencyContainer } from "tsyringe";
import { type Disposable, DisposableStore } from "../common/disposable.js";
import { createSilentLogger, type Logger } from "../common/logger.js";
import { createDaemonContainer } from "../di/container.js";
import { registerCoreServices } from "../di/core-services.js";
import { TOKENS } from "../di/tokens.js";
import type { DomainRegistry } from "../domain/domain-registry.js";
import type { DomainEventState } from "../events/domain-event-state.js";
import { DomainEventStateImpl } from "../events/domain-event-state-impl.js";
import { forwardLifecycleEvents, LifecycleEvent } from "../events/lifecycle-event.js";
import { defaultEventLoopRegistry } from "../loop/default-registry.js";
import type { EventLoopImpl } from "../loop/event-loop-impl.js";
import { EventLoopSlot, type EventLoopSpec } from "../loop/event-loop-slot.js";
import type { PluginHost } from "../plugin/plugin-host.js";
import { PluginHostImpl } from "../plugin/plugin-host-impl.js";
import type { DrainResult, WorkerPool } from "../process/worker-pool.js";
import type { StateStore } from "../state/state-store.js";
import {
  type Daemon,
  type DaemonCloseResult,
  type DaemonOptions,
  type DaemonState,
  DaemonStateError,
  DEFAULT_CLOSE_DEADLINE_MS,
  MAX_CLOSE_FLUSH_ROUNDS,
} from "./daemon.js";
import { type MonitorBridge, MonitorBridgeImpl } from "./monitor-bridge.js";
import { installSignalHandlers } from "./signals.js";

interface Services {
  readonly domains: DomainRegistry;
  readonly events: DomainEventState;
  readonly workers: WorkerPool;
  readonly stateStore: StateStore;
  readonly plugins: PluginHost;
  readonly bridge: MonitorBridge;
}

/**
 * Creates a daemon (nothing runs until `start()`). See {@link Daemon}.
 *
 * @example
 * const daemon = createDaemon({ loop: "node", plugins: [tray, nicRxFilter],
 *   pluginOptions: { "nic-rx-filter": { nics: [] } }, handleSignals: true });
 * await daemon.start();
 */
export function createDaemon(options: DaemonOptions = {}): Daemon {
  return new DaemonImpl(options);
}

class DaemonImpl implements Daemon {
  readonly container: DependencyContainer;
  readonly logger: Logger;
  private readonly slot: EventLoopSlot;
  private services: Services | undefined;
  private readonly subscriptions = new DisposableStore();
  private signals: Disposable | undefined;
  private current: DaemonState = "created";
  private closing: Promise<DaemonCloseResult> | undefined;
  /** Aborted when close() begins, so a start in progress sets up no further plugin. */
  private readonly closeStarted = new AbortController();

  constructor(private readonly options: DaemonOptions) {
    this.logger = options.logger ?? createSilentLogger();
    this.slot = new EventLoopSlot(options.loopRegistry ?? defaultEventLoopRegistry);
    this.slot.select(options.loop ?? "node");
    this.container = createDaemonContainer();
    this.container.register(TOKENS.DaemonOptions, { useValue: options });
  }

  get state(): DaemonState {
    return this.current;
  }

  get loop(): EventLoopImpl {
    return this.slot.lock();
  }

  get domains(): DomainRegistry {
    return this.resolveServices().domains;
  }

  get events(): DomainEventState {
    return this.resolveServices().events;
  }

  get workers(): WorkerPool {
    return this.resolveServices().workers;
  }

  get stateStore(): StateStore {
    return this.resolveServices().stateStore;
  }

  get plugins(): PluginHost {
    return this.resolveServices().plugins;
  }

  get bridge(): MonitorBridge {
    return this.resolveServices().bridge;
  }

  selectLoop(spec: EventLoopSpec): EventLoopImpl {
    return this.slot.select(spec);
  }

  async start(): Promise<void> {
    if (this.current !== "created") throw new DaemonStateError(this.current, "start");
    this.current = "starting";
    try {
      const s = this.resolveServices();
      this.slot.lock();
      await s.stateStore.load();
      const { plugins, pluginOptions } = this.options;
      await s.plugins.start(plugins ?? [], pluginOptions, this.closeStarted.signal);
      // close() was called while the plugins were being set up.
      if (this.closing) throw new DaemonStateError("closing", "start");
    } catch (e) {
      this.logger.error({ err: e }, "daemon start failed; closing");
      await this.close({ deadlineMs: 0 });
      throw e;
    }
    if (this.options.handleSignals) {
      this.signals = installSignalHandlers({
        close: (signal) => {
          this.logger.info({ signal }, "signal received: closing");
          this.close().catch((err) => this.logger.error({ err }, "close after signal failed"));
        },
        reload: (signal) => {
          this.logger.info({ signal }, "signal received: reloading");
          this.reload().catch((err) => this.logger.error({ err }, "reload failed"));
        },
      });
    }
    this.current = "running";
    this.logger.info(
      { loop: this.slot.lock().name, plugins: this.plugins.pluginNames },
      "daemon started",
    );
  }

  close(options: { deadlineMs?: number } = {}): Promise<DaemonCloseResult> {
    this.closing ??= this.doClose(options.deadlineMs ?? DEFAULT_CLOSE_DEADLINE_MS);
    return this.closing;
  }

  async reload(): Promise<void> {
    if (this.current !== "running") throw new DaemonStateError(this.current, "reload");
    await this.options.onReload?.(this);
  }

  private async doClose(deadlineMs: number): Promise<DaemonCloseResult> {
    this.current = "closing";
    this.closeStarted.abort();
    this.signals?.dispose();
    this.signals = undefined;
    let drain: DrainResult = { drained: true, abandoned: 0 };
    let flushedEvents = 0;
    // Each step runs even when an earlier one failed: a close must release everything.
    const step = async (what: string, fn: () => unknown): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        this.logger.error({ err, step: what }, "daemon close step failed");
      }
    };
    let s: Services | undefined;
    await step("services", () => {
      s = this.resolveServices();
    });
    if (s !== undefined) {
      const { workers, events, plugins, stateStore } = s;
      await step("drain workers", async () => {
        drain = await workers.drain(deadlineMs);
      });
      await step("flush events", () => {
        for (let round = 0; round < MAX_CLOSE_FLUSH_ROUNDS && events.pendingCount > 0; round++) {
          flushedEvents += events.pendingCount;
          events.flush();
        }
      });
      await step("dispose plugins", () => plugins.close());
      await step("dispose events", () => {
        this.subscriptions.dispose();
        events.dispose();
      });
      await step("close state store", () => stateStore.close());
    }
    await step("dispose container", () => this.container.dispose());
    await step("close loop", () => this.slot.lock().close());
    this.current = "closed";
    this.logger.info({ drained: drain.drained, abandoned: drain.abandoned }, "daemon closed");
    return { drain, flushedEvents };
  }

  /**
   * Builds the core services once, on first use: that takes (and locks) the loop. They are
   * built from the daemon's container before any plugin container exists, so plugins resolve
   * the same instances.
   */
  private resolveServices(): Services {
    if (this.services) return this.services;
    const c = this.container;
    const core = registerCoreServices(c, {
      loop: this.slot.lock(),
      logger: this.logger,
      stateStore: this.options.stateStore,
      workerPool: this.options.workerPool,
    });
    const events: DomainEventState = c.resolve(DomainEventStateImpl);
    c.register(TOKENS.DomainEventState, { useValue: events });
    const plugins: PluginHost = c.resolve(PluginHostImpl);
    c.register(TOKENS.PluginHost, { useValue: plugins });
    const isRunning = () => this.current === "running";
    const bridge = new MonitorBridgeImpl(plugins, core.registry, this.logger, isRunning);
    this.subscriptions.add(events.addEventType(LifecycleEvent));
    this.subscriptions.add(forwardLifecycleEvents(core.registry, events));
    this.services = {
      domains: core.registry,
      events,
      workers: core.pool,
      stateStore: core.stateStore,
      plugins,
      bridge,
    };
    return this.services;
  }
}
