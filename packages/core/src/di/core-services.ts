import type { DependencyContainer } from "tsyringe";
import type { Logger } from "../common/logger.js";
import type { DomainRegistry } from "../domain/domain-registry.js";
import { DomainRegistryImpl } from "../domain/domain-registry-impl.js";
import type { EventLoopImpl } from "../loop/event-loop-impl.js";
import type { WorkerPool, WorkerPoolOptions } from "../process/worker-pool.js";
import { WorkerPoolImpl } from "../process/worker-pool-impl.js";
import { MemoryStateStore } from "../state/memory-state-store.js";
import type { StateStore } from "../state/state-store.js";
import { TOKENS } from "./tokens.js";

/** What {@link registerCoreServices} needs. */
export interface CoreServicesOptions {
  loop: EventLoopImpl;
  logger: Logger;
  /** Default: a new `MemoryStateStore`. */
  stateStore?: StateStore;
  /** Tunables of the worker pool; defaults documented on {@link WorkerPoolOptions}. */
  workerPool?: WorkerPoolOptions;
}

/** The services {@link registerCoreServices} built. */
export interface CoreServices {
  registry: DomainRegistry;
  pool: WorkerPool;
  stateStore: StateStore;
}

/**
 * Registers core's domain, worker and state services in a daemon container
 * (`TOKENS.EventLoopImpl`, `Logger`, `DomainRegistry`, `WorkerPoolOptions`, `WorkerPool`,
 * `StateStore`). They are built at once, from this container, so a plugin's child container
 * resolves the same instances and can never rewire them; `container.dispose()` disposes the
 * pool. `TOKENS.DomainEventState` is left to the events service.
 *
 * @example
 * const c = createDaemonContainer();
 * const { registry, pool } = registerCoreServices(c, { loop, logger });
 */
export function registerCoreServices(
  container: DependencyContainer,
  options: CoreServicesOptions,
): CoreServices {
  container.register(TOKENS.EventLoopImpl, { useValue: options.loop });
  container.register(TOKENS.Logger, { useValue: options.logger });
  container.register(TOKENS.WorkerPoolOptions, { useValue: { ...options.workerPool } });
  const registry = container.resolve(DomainRegistryImpl);
  container.register(TOKENS.DomainRegistry, { useValue: registry });
  const stateStore = options.stateStore ?? container.resolve(MemoryStateStore);
  container.register(TOKENS.StateStore, { useValue: stateStore });
  const pool = container.resolve(WorkerPoolImpl);
  container.register(TOKENS.WorkerPool, { useValue: pool });
  return { registry, pool, stateStore };
}
