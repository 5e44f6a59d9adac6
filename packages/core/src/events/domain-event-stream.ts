import { DomainEventArgumentError } from "./domain-event-errors.js";
import {
  DEFAULT_STREAM_BUFFER_EVENTS,
  type DomainEventState,
  type DomainEventStreamItem,
  type DomainEventStreamOptions,
  MAX_STREAM_BUFFER_EVENTS,
} from "./domain-event-state.js";

type Item<T> = DomainEventStreamItem<T>;

/**
 * The async iterator behind `DomainEventState.stream()`: a registration whose callback fills a
 * bounded buffer. When the buffer holds `bufferSize` events, newer events are counted instead
 * of kept, and the next event that fits (or the consumer's next pull) is preceded by one gap
 * item carrying the count, so a slow consumer knows exactly where and how much it lost.
 * @internal
 */
export class DomainEventStream<T> implements AsyncIterableIterator<Item<T>> {
  private readonly buffer: Item<T>[] = [];
  private eventsBuffered = 0;
  private dropped = 0;
  /** Pending `next()` calls, oldest first (for-await has at most one; callers may have more). */
  private readonly waiters: Array<(r: IteratorResult<Item<T>>) => void> = [];
  private ended = false;
  private registered = false;
  private readonly callbackId: number | undefined;
  private readonly bufferSize: number;
  private readonly signal: AbortSignal | undefined;
  private readonly onAbort = () => this.finish(true);

  constructor(
    private readonly state: DomainEventState,
    options: DomainEventStreamOptions<T>,
  ) {
    this.bufferSize = options.bufferSize ?? DEFAULT_STREAM_BUFFER_EVENTS;
    if (
      !Number.isInteger(this.bufferSize) ||
      this.bufferSize < 1 ||
      this.bufferSize > MAX_STREAM_BUFFER_EVENTS
    ) {
      throw new DomainEventArgumentError(
        `stream bufferSize must be an integer in 1..${MAX_STREAM_BUFFER_EVENTS} (events), got ${options.bufferSize}`,
      );
    }
    this.signal = options.signal;
    if (this.signal?.aborted) {
      this.ended = true;
      return;
    }
    this.callbackId = state.registerAny<T>({
      event: options.event,
      domain: options.domain,
      owner: options.owner,
      callback: (domain, data, meta) => this.push({ kind: "event", domain, data, meta }),
      // Removed by someone else (owner removal, daemon close): end after what is buffered.
      free: () => {
        this.registered = false;
        this.finish(false);
      },
    });
    this.registered = true;
    this.signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Item<T>> {
    return this;
  }

  next(): Promise<IteratorResult<Item<T>>> {
    const item = this.take();
    if (item) return Promise.resolve({ value: item, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiters.push(resolve);
    });
  }

  return(): Promise<IteratorResult<Item<T>>> {
    this.finish(true);
    return Promise.resolve({ value: undefined, done: true });
  }

  private push(item: Item<T>): void {
    if (this.ended) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter({ value: item, done: false });
      return;
    }
    if (this.eventsBuffered >= this.bufferSize) {
      this.dropped++;
      return;
    }
    this.flushGap();
    this.buffer.push(item);
    this.eventsBuffered++;
  }

  private take(): Item<T> | undefined {
    this.flushGap();
    const item = this.buffer.shift();
    if (item?.kind === "event") this.eventsBuffered--;
    return item;
  }

  private flushGap(): void {
    if (this.dropped === 0) return;
    this.buffer.push({ kind: "gap", dropped: this.dropped });
    this.dropped = 0;
  }

  private finish(discard: boolean): void {
    if (discard) {
      this.buffer.length = 0;
      this.eventsBuffered = 0;
      this.dropped = 0;
    }
    if (this.ended) return;
    this.ended = true;
    this.signal?.removeEventListener("abort", this.onAbort);
    if (this.registered && this.callbackId !== undefined) {
      this.registered = false;
      this.state.deregisterAny(this.callbackId);
    }
    for (const waiter of this.waiters.splice(0)) waiter({ value: undefined, done: true });
  }
}
