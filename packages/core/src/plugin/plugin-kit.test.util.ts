// Shared by the plugin host tests; named *.test.* so it is not published.
import { pino } from "pino";
import type { DependencyContainer } from "tsyringe";
import { z } from "zod";
import { toDisposable } from "../common/disposable.js";
import type { Logger } from "../common/logger.js";
import { createDaemonContainer } from "../di/container.js";
import { TOKENS } from "../di/tokens.js";
import { DomainRegistryImpl } from "../domain/domain-registry-impl.js";
import { DomainEventStateImpl } from "../events/domain-event-state-impl.js";
import { defineDomainEvent } from "../events/domain-event-type.js";
import {
  defineProcessEvent,
  type ProcessEventHandler,
  type WorkerContext,
} from "../process/process-event.js";
import type { JobOutcome, WorkerPool } from "../process/worker-pool.js";
import { ManualEventLoop } from "../testing/manual-event-loop.js";
import { PluginHostImpl } from "./plugin-host-impl.js";

/** @internal */
export const Moved = defineProcessEvent<{ alias: string }>("test/moved");
/** @internal */
export const Changed = defineDomainEvent("test-changed", z.object({ alias: z.string() }));

/** @internal */
export class MovedWorker implements ProcessEventHandler<{ alias: string }> {
  handle(): void {}
}

/** Records what the host asks of the pool; runs lane functions at once with a bare context. @internal */
export class RecordingPool {
  readonly log: string[] = [];
  readonly submits: unknown[] = [];
  registerHandler(type: { name: string }, _h: unknown, o: { plugin: string }) {
    this.log.push(`register:${o.plugin}:${type.name}`);
    return toDisposable(() => this.log.push(`unregister:${o.plugin}:${type.name}`));
  }
  submit(uuid: string, type: { name: string }, payload: unknown, options?: unknown) {
    this.submits.push([uuid, type.name, payload, options]);
  }
  async runInLane(
    uuid: string,
    owner: { plugin: string; label: string },
    fn: (ctx: WorkerContext) => Promise<void> | void,
  ): Promise<JobOutcome> {
    this.log.push(`lane:${uuid}:${owner.plugin}:${owner.label}`);
    await fn({ plugin: owner.plugin } as WorkerContext);
    return "done";
  }
}

/** A plugin host over real registry and event state, a recording pool, vm1 running. @internal */
export function setup() {
  const logs: Array<Record<string, unknown>> = [];
  const logger: Logger = pino(
    { level: "info" },
    { write: (s: string) => logs.push(JSON.parse(s)) },
  );
  const loop = new ManualEventLoop();
  const container: DependencyContainer = createDaemonContainer();
  const domains = new DomainRegistryImpl(logger);
  const pool = new RecordingPool();
  const events = new DomainEventStateImpl(loop, domains, logger);
  container.register(TOKENS.Logger, { useValue: logger });
  container.register(TOKENS.DomainRegistry, { useValue: domains });
  container.register(TOKENS.WorkerPool, { useValue: pool as unknown as WorkerPool });
  container.register(TOKENS.DomainEventState, { useValue: events });
  const host = new PluginHostImpl(
    container,
    domains,
    pool as unknown as WorkerPool,
    events,
    logger,
  );
  const vm = domains.define({ name: "vm1" });
  domains.markStarted(vm.uuid);
  return { logs, loop, container, domains, pool, events, host, vm };
}
