import type { Logger } from "../common/logger.js";
import { TOKENS } from "../di/tokens.js";
import type { CommandChannel } from "../domain/command-channel.js";
import type { DomainEventSink, DomainEventType } from "../events/domain-event-type.js";
import type { Job } from "./lane.js";
import type { WorkerContext } from "./process-event.js";

/**
 * Builds the context of a running job. `onStaleEmit` counts emits dropped after the
 * incarnation ended or the job was aborted.
 * @internal
 */
export function createWorkerContext(
  job: Job,
  signal: AbortSignal,
  logger: Logger,
  onStaleEmit: () => void,
): WorkerContext {
  const ref = job.ref;
  let sink: DomainEventSink | undefined;
  const isCurrent = (): boolean => !signal.aborted && ref.isCurrent();
  const throwIfStale = (): void => {
    if (signal.aborted) throw signal.reason;
    ref.throwIfStale();
  };
  return {
    domain: ref,
    signal,
    logger,
    plugin: job.plugin,
    isCurrent,
    throwIfStale,
    channel(): CommandChannel {
      if (signal.aborted) throw signal.reason;
      return ref.channel();
    },
    emit<E>(event: DomainEventType<E>, data: E): void {
      if (!isCurrent()) {
        onStaleEmit();
        logger.debug({ domainEvent: event.id }, "event not emitted: the job is no longer current");
        return;
      }
      // Resolved lazily: the sink is the daemon's, registered after the pool may be built.
      sink ??= job.container.resolve<DomainEventSink>(TOKENS.DomainEventState);
      sink.queue(event, ref.uuid, data);
    },
  };
}
