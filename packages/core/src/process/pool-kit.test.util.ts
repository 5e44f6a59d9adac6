// Shared by the worker-pool tests; named *.test.* so it is not published.
import { pino } from "pino";
import type { DependencyContainer } from "tsyringe";
import type { Logger } from "../common/logger.js";
import { createDaemonContainer } from "../di/container.js";
import { TOKENS } from "../di/tokens.js";
import { DomainRegistryImpl } from "../domain/domain-registry-impl.js";
import type { DomainEventSink, DomainEventType } from "../events/domain-event-type.js";
import { ManualEventLoop } from "../testing/manual-event-loop.js";
import type { WorkerPoolOptions } from "./worker-pool.js";
import { WorkerPoolImpl } from "./worker-pool-impl.js";

/** A promise with its resolve / reject exposed. @internal */
export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** Creates a {@link Deferred}. @internal */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending promise reactions and microtasks run. @internal */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A DomainEventSink that records what it is given. @internal */
export class RecordingSink implements DomainEventSink {
  readonly queued: Array<{ event: string; domainUuid: string; data: unknown }> = [];
  queue<T>(event: DomainEventType<T>, domainUuid: string, data: T): void {
    this.queued.push({ event: event.id, domainUuid, data });
  }
}

/** Everything a worker-pool test needs, wired through a daemon container. @internal */
export interface PoolKit {
  loop: ManualEventLoop;
  container: DependencyContainer;
  registry: DomainRegistryImpl;
  pool: WorkerPoolImpl;
  sink: RecordingSink;
  logs: Array<Record<string, unknown>>;
  /** Defines and starts a domain; returns its uuid. */
  start(name: string): string;
}

/** Builds a pool on a ManualEventLoop with a log-recording logger. @internal */
export function createPoolKit(options: WorkerPoolOptions = {}): PoolKit {
  const logs: Array<Record<string, unknown>> = [];
  const logger: Logger = pino(
    { level: "debug" },
    { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const loop = new ManualEventLoop();
  const sink = new RecordingSink();
  const container = createDaemonContainer();
  const registry = new DomainRegistryImpl(logger);
  container.register(TOKENS.Logger, { useValue: logger });
  container.register(TOKENS.EventLoopImpl, { useValue: loop });
  container.register(TOKENS.DomainRegistry, { useValue: registry });
  container.register(TOKENS.DomainEventState, { useValue: sink });
  container.register(TOKENS.WorkerPoolOptions, { useValue: options });
  const pool = container.resolve(WorkerPoolImpl);
  const start = (name: string): string => {
    const domain = registry.define({ name });
    registry.markStarted(domain.uuid);
    return domain.uuid;
  };
  return { loop, container, registry, pool, sink, logs, start };
}
