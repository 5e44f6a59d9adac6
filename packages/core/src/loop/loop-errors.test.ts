import { describe, expect, it } from "vitest";
import { isCoreError } from "../errors/core-error.js";
import { createEventLoopRegistry } from "./default-registry.js";
import { EventLoopRegistry } from "./event-loop-registry.js";
import { EventLoopSlot } from "./event-loop-slot.js";
import { NodeEventLoop } from "./node-event-loop.js";

describe("EventLoopRegistry", () => {
  it("ships node and manual, creating a fresh loop per call", async () => {
    const registry = createEventLoopRegistry();
    expect(registry.names()).toEqual(["node", "manual"]);
    const a = registry.create("node");
    const b = registry.create("node");
    expect(a.name).toBe("node");
    expect(a).not.toBe(b);
    expect(registry.create("manual").name).toBe("manual");
    await Promise.all([a.close(), b.close()]);
  });

  it("refuses a taken name with VIRTEVENT_ERR_LOOP_NAME_TAKEN (row 16)", () => {
    const registry = createEventLoopRegistry();
    let caught: unknown;
    try {
      registry.register("node", () => new NodeEventLoop());
    } catch (e) {
      caught = e;
    }
    expect(isCoreError(caught, "VIRTEVENT_ERR_LOOP_NAME_TAKEN")).toBe(true);
    expect(String(caught)).toContain('"node"');
    expect(registry.create("node")).toBeInstanceOf(NodeEventLoop);
  });

  it("names the known implementations when asked for an unknown one", () => {
    const registry = createEventLoopRegistry();
    expect(() => registry.create("uvloop")).toThrow(
      'unknown event-loop implementation "uvloop"; expected one of: node, manual',
    );
  });

  it("rejects names that are not simple identifiers and factories that are not functions", () => {
    const registry = new EventLoopRegistry();
    expect(() => registry.register("Bad Name", () => new NodeEventLoop())).toThrow(/must match/);
    expect(() =>
      registry.register("ok", "not a function" as unknown as () => NodeEventLoop),
    ).toThrow(/must be a function/);
  });
});

describe("EventLoopSlot", () => {
  it("lets the loop be re-selected until lock, then refuses any swap (row 16)", async () => {
    const slot = new EventLoopSlot(createEventLoopRegistry());
    expect(slot.select("manual").name).toBe("manual");
    const chosen = slot.select("node");
    expect(slot.lock()).toBe(chosen);
    let caught: unknown;
    try {
      slot.select("manual");
    } catch (e) {
      caught = e;
    }
    expect(isCoreError(caught, "VIRTEVENT_ERR_LOOP_LOCKED")).toBe(true);
    expect(slot.get()).toBe(chosen);
    await chosen.close();
  });

  it("defaults to the node loop when nothing was selected", async () => {
    const slot = new EventLoopSlot(createEventLoopRegistry());
    const loop = slot.lock();
    expect(loop.name).toBe("node");
    await loop.close();
  });
});
