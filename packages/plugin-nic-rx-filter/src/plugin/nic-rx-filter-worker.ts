import type { ProcessEventHandler, WorkerContext } from "@virtevent/core";
import type { NicSyncer } from "./nic-syncer.js";

/**
 * The worker handler of {@link NicRxFilterChanged}. Registered in the plugin's container with a
 * factory (no decorators needed): the pool resolves one per event.
 * @internal
 */
export class NicRxFilterWorker implements ProcessEventHandler<{ alias: string }> {
  constructor(private readonly syncer: NicSyncer) {}

  handle(payload: { alias: string }, ctx: WorkerContext): Promise<void> {
    return this.syncer.syncNic(ctx, payload.alias);
  }
}
