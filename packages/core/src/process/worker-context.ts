import type { Logger } from "../common/logger.js";
import { TOKENS } from "../di/tokens.js";
import type { CommandChannel } from "../domain/command-channel.js";
import type { DomainRef } from "../domain/domain.js";
import type { DomainEventSink, DomainEventType } from "../events/domain-event-type.js";
import type { Job } from "./lane.js";
import type { WorkerContext } from "./process-event.js";

/** What a job's context asks of the scheduler that runs it. @internal */
export interface JobHost {
  /** The job's child logger (built on first use). */
  loggerOf(job: Job): Logger;
  /** Counts an emit dropped after the incarnation ended or the job was aborted. */
  staleEmit(): void;
}

/**
 * The context of a running job. One small object per job: its methods live on the prototype
 * and everything else is read from the job, so an event storm does not allocate a closure per
 * method and job.
 * @internal
 */
export class JobContext implements WorkerContext {
  readonly domain: DomainRef;

  constructor(
    private readonly job: Job,
    private readonly host: JobHost,
  ) {
    this.domain = job.ref;
  }

  get signal(): AbortSignal {
    return this.job.signal();
  }

  get logger(): Logger {
    return this.host.loggerOf(this.job);
  }

  get plugin(): string {
    return this.job.kind.plugin;
  }

  isCurrent(): boolean {
    return !this.job.aborted && this.domain.isCurrent();
  }

  throwIfStale(): void {
    if (this.job.aborted) throw this.job.signal().reason;
    this.domain.throwIfStale();
  }

  channel(): CommandChannel {
    if (this.job.aborted) throw this.job.signal().reason;
    return this.domain.channel();
  }

  emit<E>(event: DomainEventType<E>, data: E): void {
    if (!this.isCurrent()) {
      this.host.staleEmit();
      this.logger.debug(
        { domainEvent: event.id },
        "event not emitted: the job is no longer current",
      );
      return;
    }
    const kind = this.job.kind;
    // Resolved lazily, once per registration: the sink is the daemon's, registered after the
    // pool may be built.
    kind.sink ??= kind.container.resolve<DomainEventSink>(TOKENS.DomainEventState);
    kind.sink.queue(event, this.domain.uuid, data);
  }
}
