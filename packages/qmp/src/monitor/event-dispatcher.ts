import type { Logger } from "@virtevent/core";
import { z } from "zod";
import { LOG_EXCERPT_CHARS, MAX_EVENT_NAMES_COUNTED, OTHER_EVENTS_COUNTER } from "../limits.js";
import type { QmpEvent } from "../protocol/messages.js";
import { bump, type QmpCounters } from "./counters.js";
import type { QmpEventListener, QmpEventTable } from "./event-table.js";

/** Distinct event names kept as slots (QEMU has a few dozen; more still work, slower). */
const NAME_SLOTS = 32;

/** What the dispatcher keeps per event name seen. */
interface NameSlot {
  /** The first string seen for the name (its hash is computed once, then kept). */
  readonly name: string;
  /** The last schema the name's entry had, and its compiled clone. */
  schema: z.ZodType | undefined;
  compiled: z.ZodType | undefined;
}

/** Each table schema's compiled clone, shared by every monitor of the process. */
const compiledSchemas = new WeakMap<z.ZodType, z.ZodType>();

/**
 * `schema` with zod's ahead-of-time compiled fast path (`z.compile`): the same results and
 * errors (an invalid input is parsed again by the ordinary parser, so a refinement may run
 * twice on it), ~2.5x faster on an event's object schema. Compiled once per schema; the
 * schema itself when zod cannot compile it, is too old to, or is configured `jitless`.
 */
function compiledSchema<T>(schema: z.ZodType<T>): z.ZodType<T> {
  let compiled = compiledSchemas.get(schema);
  if (compiled === undefined) {
    const canCompile = typeof z.compile === "function" && z.config().jitless !== true;
    compiled = canCompile ? z.compile(schema) : schema;
    compiledSchemas.set(schema, compiled);
  }
  return compiled as z.ZodType<T>;
}

/**
 * Delivers events: every event to the wildcard listeners (raw envelope), then a known one to
 * its table entry once its `data` passed the entry's schema. A schema failure drops the event
 * for the entry with one warning and a counter; a throwing callback is logged and counted and
 * never reaches the reader.
 * @internal
 */
export class EventDispatcher {
  /**
   * Replaced, never mutated: a dispatch iterates the array it started with, so a listener
   * removed during it still sees that event and one added does not, without a copy per event.
   */
  private wildcards: readonly { fn: QmpEventListener }[] = [];
  /**
   * A slot per event name seen. A parsed event's name is a new string every time, and the
   * first Map lookup of a string hashes it, which costs as much as the rest of a dispatch;
   * comparing it with `===` to these few names and looking up the slot's string instead costs
   * a few ns. The slot also remembers the compiled schema, so a dispatch needs no WeakMap
   * lookup while the name's entry keeps its schema.
   */
  private readonly slots: NameSlot[] = [];

  constructor(
    readonly table: QmpEventTable,
    private readonly counters: QmpCounters,
    private readonly logger: Logger,
  ) {}

  /** Adds a wildcard listener; returns its remover. */
  addWildcard(fn: QmpEventListener): () => void {
    // An entry per registration: the same function added twice is two listeners.
    const entry = { fn };
    this.wildcards = [...this.wildcards, entry];
    return () => {
      this.wildcards = this.wildcards.filter((w) => w !== entry);
    };
  }

  dispatch(event: QmpEvent): void {
    const slot = this.slotOf(event.name);
    const name = slot === undefined ? event.name : slot.name;
    const byName = this.counters.eventsByName;
    bump(
      byName,
      byName.size < MAX_EVENT_NAMES_COUNTED || byName.has(name) ? name : OTHER_EVENTS_COUNTER,
    );
    const wildcards = this.wildcards;
    for (let i = 0; i < wildcards.length; i++) {
      try {
        wildcards[i].fn(event);
      } catch (error) {
        this.listenerThrew(name, "wildcard", error);
      }
    }
    const entry = this.table.get(name);
    if (!entry) {
      this.counters.unknownEvents++;
      return;
    }
    let parsed: ReturnType<typeof entry.schema.safeParse>;
    try {
      parsed = this.compiledFor(slot, entry.schema).safeParse(event.data);
    } catch (error) {
      // safeParse does not catch what a refinement throws: a buggy schema is a listener error.
      this.listenerThrew(name, "schema", error);
      return;
    }
    if (!parsed.success) {
      this.schemaFailed(event, parsed.error.issues);
      return;
    }
    try {
      entry.onEvent(parsed.data, event);
    } catch (error) {
      this.listenerThrew(name, "table entry", error);
    }
  }

  /** The slot of `name` (compared by content), made on first sight while there is room. */
  private slotOf(name: string): NameSlot | undefined {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      if (slots[i].name === name) return slots[i];
    }
    if (slots.length === NAME_SLOTS) return undefined;
    const slot: NameSlot = { name, schema: undefined, compiled: undefined };
    slots.push(slot);
    return slot;
  }

  /** The compiled clone of `schema`, kept in `slot` while the name's entry keeps the schema. */
  private compiledFor(slot: NameSlot | undefined, schema: z.ZodType): z.ZodType {
    if (slot === undefined) return compiledSchema(schema);
    if (slot.schema !== schema || slot.compiled === undefined) {
      slot.compiled = compiledSchema(schema);
      slot.schema = schema;
    }
    return slot.compiled;
  }

  private schemaFailed(
    event: QmpEvent,
    issues: readonly { path: readonly PropertyKey[]; message: string }[],
  ): void {
    bump(this.counters.dropped, "event-schema");
    this.logger.warn(
      {
        event: event.name,
        issues: issues.map((i) => `${i.path.join(".") || "data"}: ${i.message}`),
        data: excerpt(event.data),
      },
      "QMP event dropped: data does not match the event's schema",
    );
  }

  private listenerThrew(eventName: string, what: string, error: unknown): void {
    this.counters.listenerErrors++;
    this.logger.warn({ event: eventName, err: error }, `QMP event ${what} threw`);
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
