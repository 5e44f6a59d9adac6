import { describe, expect, it } from "vitest";
import { toDisposable } from "../common/disposable.js";
import type { DomainEventType } from "./domain-event-type.js";
import {
  forwardLifecycleEvents,
  LifecycleEvent,
  type LifecycleSource,
  type LifecycleTransition,
} from "./lifecycle-event.js";

describe("LifecycleEvent", () => {
  it("forwards every registry transition as a typed public event until disposed", () => {
    let emit: ((d: { uuid: string }, c: LifecycleTransition) => void) | undefined;
    const source: LifecycleSource = {
      onDidChangeLifecycle(listener) {
        emit = listener;
        return toDisposable(() => {
          emit = undefined;
        });
      },
    };
    const queued: unknown[] = [];
    const sub = forwardLifecycleEvents(source, {
      queue<T>(event: DomainEventType<T>, uuid: string, data: T) {
        queued.push([event.id, uuid, LifecycleEvent.schema.parse(data)]);
      },
    });
    emit?.({ uuid: "u" }, { event: "started", incarnation: 1 });
    emit?.({ uuid: "u" }, { event: "suspended", incarnation: 1 });
    emit?.({ uuid: "u" }, { event: "resumed", incarnation: 1 });
    emit?.({ uuid: "u" }, { event: "stopped", reason: "crashed", incarnation: 1 });
    sub.dispose();
    expect(emit).toBeUndefined();
    expect(queued).toEqual([
      ["lifecycle", "u", { event: "started", incarnation: 1 }],
      ["lifecycle", "u", { event: "suspended", incarnation: 1 }],
      ["lifecycle", "u", { event: "resumed", incarnation: 1 }],
      ["lifecycle", "u", { event: "stopped", reason: "crashed", incarnation: 1 }],
    ]);
  });

  it("rejects a stopped payload without a valid reason", () => {
    expect(LifecycleEvent.schema.safeParse({ event: "stopped", incarnation: 1 }).success).toBe(
      false,
    );
  });
});
