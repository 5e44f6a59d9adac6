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
  makeLogger: () => Logger,
  onStaleEmit: () => void,
): WorkerContext {
  const ref = job.ref;
  let cached: Logger | undefined;
  const log = (): Logger => {
    cached ??= makeLogger();
    return cached;
  };
  let sink: DomainEventSink | undefined;
  const isCurrent = (): boolean => !job.aborted && ref.isCurrent();
  const throwIfStale = (): void => {
    if (job.aborted) throw job.signal().reason;
    ref.throwIfStale();
  };
  return {
    domain: ref,
    get signal() {
      return job.signal();
    },
    get logger() {
      return log();
    },
    plugin: job.plugin,
    isCurrent,
    throwIfStale,
    channel(): CommandChannel {
      if (job.aborted) throw job.signal().reason;
      return ref.channel();
    },
    emit<E>(event: DomainEventType<E>, data: E): void {
      if (!isCurrent()) {
        onStaleEmit();
        log().debug({ domainEvent: event.id }, "event not emitted: the job is no longer current");
        return;
      }
      // Resolved lazily: the sink is the daemon's, registered after the pool may be built.
      sink ??= job.container.resolve<DomainEventSink>(TOKENS.DomainEventState);
      sink.queue(event, ref.uuid, data);
    },
  };
}
