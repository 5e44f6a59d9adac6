// Shared by the domain event tests; named *.test.* so it is not published.
import { pino } from "pino";
import { z } from "zod";
import { toDisposable } from "../common/disposable.js";
import { ManualEventLoop } from "../testing/manual-event-loop.js";
import { DomainEventStateImpl } from "./domain-event-state-impl.js";
import { defineDomainEvent } from "./domain-event-type.js";
import type { DomainDirectory } from "./domain-filter.js";

/** @internal */
export const Ping = defineDomainEvent("ping", z.object({ n: z.number() }));
/** @internal */
export const Pong = defineDomainEvent("pong", z.object({ n: z.number() }));
/** @internal */
export const UUID1 = "11111111-1111-4111-8111-111111111111";
/** @internal */
export const UUID2 = "22222222-2222-4222-8222-222222222222";

/** A minimal domain directory: what the event state asks of the DomainRegistry. @internal */
export function directory() {
  const domains = new Map<string, { uuid: string; name: string }>();
  const listeners = new Set<(d: { uuid: string; name: string }) => void>();
  const dir: DomainDirectory & {
    define(uuid: string, name: string): void;
    remove(uuid: string): void;
  } = {
    get: (key) => domains.get(key) ?? [...domains.values()].find((d) => d.name === key),
    findByName: (name) => [...domains.values()].find((d) => d.name === name),
    onDidDefineDomain(listener) {
      listeners.add(listener);
      return toDisposable(() => listeners.delete(listener));
    },
    define(uuid, name) {
      const d = { uuid, name };
      domains.set(uuid, d);
      for (const l of [...listeners]) l(d);
    },
    remove(uuid) {
      domains.delete(uuid);
    },
  };
  return dir;
}

/** An event state on a ManualEventLoop, domain vm1 = UUID1, a recording logger. @internal */
export function setup() {
  const loop = new ManualEventLoop();
  const dir = directory();
  dir.define(UUID1, "vm1");
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: "info" }, { write: (s: string) => logs.push(JSON.parse(s)) });
  const events = new DomainEventStateImpl(loop, dir, logger);
  return { loop, dir, events, logs };
}
