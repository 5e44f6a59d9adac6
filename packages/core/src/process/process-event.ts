import type { Logger } from "../common/logger.js";
import type { CommandChannel } from "../domain/command-channel.js";
import type { DomainRef } from "../domain/domain.js";
import type { DomainEventType } from "../events/domain-event-type.js";

/**
 * A typed token naming one kind of process event (libvirt's QEMU_PROCESS_EVENT_*): what a
 * monitor callback submits and a worker handler receives. Compared by `name`, which must be
 * unique within a daemon.
 */
export interface ProcessEventType<T> {
  readonly name: string;
  /** Phantom field carrying the payload type; never set. */
  readonly __payload?: T;
}

const PROCESS_EVENT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;

/**
 * Defines a process event type.
 *
 * @example
 * export const TrayMoved = defineProcessEvent<{ alias: string; open: boolean }>("tray/moved");
 */
export function defineProcessEvent<T>(name: string): ProcessEventType<T> {
  if (!PROCESS_EVENT_NAME_RE.test(name)) {
    throw new TypeError(
      `process event name must be letters, digits and . _ : / - (e.g. "tray/moved"), got ${JSON.stringify(name)}`,
    );
  }
  return Object.freeze({ name }) as ProcessEventType<T>;
}

/**
 * What a worker handler (or a `runInLane` function) gets besides its payload.
 */
export interface WorkerContext {
  /** The lease on the domain incarnation the event was submitted for. */
  readonly domain: DomainRef;
  /**
   * Aborted when the handler times out, the incarnation ends (stop, restart, removal) or the
   * pool is closed. Pass it to every command and host call.
   */
  readonly signal: AbortSignal;
  /** A child logger with `domain`, `uuid`, `plugin` and `event` fields. */
  readonly logger: Logger;
  /** The plugin the handler belongs to. */
  readonly plugin: string;
  /**
   * The domain's command channel. Throws the abort reason once `signal` is aborted
   * (`HandlerTimeoutError`, `DomainStaleError`, `WorkerPoolClosedError`), and
   * `DomainNotConnectedError` while no monitor is attached.
   */
  channel(): CommandChannel;
  /**
   * Queues a public domain event for this domain (flushed on a later loop turn). Dropped, with
   * a debug log and the pool's `staleEmits` counter, once the incarnation is no longer live.
   */
  emit<E>(event: DomainEventType<E>, data: E): void;
  /** True while the incarnation is live and the handler has not been aborted. */
  isCurrent(): boolean;
  /** Throws the abort reason (timeout, stale domain, pool closed) once `isCurrent()` is false. */
  throwIfStale(): void;
}

/**
 * A worker handler: an `@injectable()` class, resolved from the plugin's container for every
 * event, with an explicit `@inject(Token)` on each constructor parameter.
 *
 * @example
 * @injectable()
 * class TrayMovedWorker implements ProcessEventHandler<{ alias: string; open: boolean }> {
 *   constructor(@inject(TOKENS.StateStore) private readonly store: StateStore) {}
 *   async handle(p, ctx) { await this.store.set(ctx.domain.uuid, p.alias, p.open); ctx.throwIfStale(); ... }
 * }
 */
export interface ProcessEventHandler<T> {
  handle(payload: T, ctx: WorkerContext): Promise<void> | void;
}

/** A class whose instances handle `T` (what `registerHandler` takes). */
export type ProcessEventHandlerClass<T> = new (...args: never[]) => ProcessEventHandler<T>;
