import type { Logger } from "@virtevent/core";
import { LOG_EXCERPT_CHARS } from "../limits.js";
import type { QmpEvent } from "../protocol/messages.js";
import { bump, type QmpCounters } from "./counters.js";
import type { QmpEventListener, QmpEventTable } from "./event-table.js";

/**
 * Delivers events: every event to the wildcard listeners (raw envelope), then a known one to
 * its table entry once its `data` passed the entry's schema. A schema failure drops the event
 * for the entry with one warning and a counter; a throwing callback is logged and counted and
 * never reaches the reader.
 * @internal
 */
export class EventDispatcher {
  private readonly wildcards = new Set<{ fn: QmpEventListener }>();

  constructor(
    readonly table: QmpEventTable,
    private readonly counters: QmpCounters,
    private readonly logger: Logger,
  ) {}

  /** Adds a wildcard listener; returns its remover. */
  addWildcard(fn: QmpEventListener): () => void {
    const entry = { fn };
    this.wildcards.add(entry);
    return () => this.wildcards.delete(entry);
  }

  dispatch(event: QmpEvent): void {
    bump(this.counters.eventsByName, event.name);
    // Copy: a listener removed during this dispatch still sees this event, one added does not.
    for (const w of [...this.wildcards]) this.guard(event.name, "wildcard", () => w.fn(event));
    const entry = this.table.get(event.name);
    if (!entry) {
      this.counters.unknownEvents++;
      return;
    }
    let parsed: ReturnType<typeof entry.schema.safeParse> | undefined;
    // safeParse does not catch what a refinement throws: a buggy schema is a listener error.
    this.guard(event.name, "schema", () => {
      parsed = entry.schema.safeParse(event.data);
    });
    if (!parsed) return;
    if (!parsed.success) {
      bump(this.counters.dropped, "event-schema");
      this.logger.warn(
        {
          event: event.name,
          issues: parsed.error.issues.map((i) => `${i.path.join(".") || "data"}: ${i.message}`),
          data: excerpt(event.data),
        },
        "QMP event dropped: data does not match the event's schema",
      );
      return;
    }
    const data = parsed.data;
    this.guard(event.name, "table entry", () => entry.onEvent(data, event));
  }

  private guard(eventName: string, what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.counters.listenerErrors++;
      this.logger.warn({ event: eventName, err: error }, `QMP event ${what} threw`);
    }
  }
}

function excerpt(data: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(data) ?? "undefined";
  } catch {
    text = String(data);
  }
  return text.length > LOG_EXCERPT_CHARS ? `${text.slice(0, LOG_EXCERPT_CHARS)}…` : text;
}
