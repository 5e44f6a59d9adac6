import { type JsonValue, MemoryStateStore, validatePlugins } from "@virtevent/core";
import { FakeQmpServer } from "@virtevent/qmp/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import balloonPlugin, { BALLOON_PLUGIN_NAME, BALLOON_STATE_KEY } from "../src/index.js";
import { type BalloonRig, RUNNING, startBalloonRig, waitFor } from "./harness.js";

const MiB = 1024 * 1024;

/** A MemoryStateStore whose writes of the balloon key wait while the gate is shut. */
class GatedStateStore extends MemoryStateStore {
  /** Writes of the balloon key started and not yet let through. */
  waiting = 0;
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;

  shut(): void {
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  override async set(domainUuid: string, key: string, value: JsonValue): Promise<void> {
    const gate = this.gate;
    if (gate && key === BALLOON_STATE_KEY) {
      this.waiting++;
      await gate;
      this.waiting--;
    }
    return super.set(domainUuid, key, value);
  }
}

describe("the balloon plugin on a FakeQmpServer", () => {
  let server: FakeQmpServer;
  let rig: BalloonRig;
  let store: GatedStateStore;

  beforeEach(async () => {
    server = await FakeQmpServer.start();
    server.expect("query-status", RUNNING);
    server.expect("query-balloon", { return: { actual: 1024 * MiB } });
    store = new GatedStateStore();
    rig = await startBalloonRig({ stateStore: store });
    await rig.attach(server.target);
    await waitFor("the resync on connect", rig.idle);
  });

  afterEach(async () => {
    await rig.close();
    await server.stop();
  });

  it("turns a valid BALLOON_CHANGE into balloon-change for a registerAny subscriber", async () => {
    server.emitEvent("BALLOON_CHANGE", { actual: 768 * MiB });
    await waitFor("balloon-change", () => rig.seen.length === 1);
    expect(rig.seen).toEqual([{ domain: "vm1", actual: 768 * MiB }]);
    expect(rig.daemon.stateStore.get(rig.vm.uuid, BALLOON_STATE_KEY)).toBe(768 * MiB);
    server.verify();
  });

  it("announces nothing when QEMU reports the size already announced", async () => {
    server.emitEvent("BALLOON_CHANGE", { actual: 1024 * MiB });
    server.emitEvent("BALLOON_CHANGE", { actual: 512 * MiB });
    await waitFor("balloon-change", () => rig.seen.length === 1);
    await waitFor("the lane", rig.idle);
    expect(rig.seen.map((s) => s.actual)).toEqual([512 * MiB]);
  });

  it("drops and counts malformed data, and keeps going", async () => {
    const malformed: unknown[] = [
      { actual: "lots" },
      {},
      { actual: -1 },
      { actual: 1.5 },
      { actual: 2 ** 60 }, // past 2^53: JSON.parse cannot give it back exactly
    ];
    for (const data of malformed) server.emitEvent("BALLOON_CHANGE", data);
    server.emitEvent("BALLOON_CHANGE");
    server.writeRaw('{"event": "BALLOON_CHANGE", "data": {]\r\n');
    server.emitEvent("BALLOON_CHANGE", { actual: 640 * MiB });
    await waitFor("balloon-change", () => rig.seen.length === 1);
    await waitFor("the lane", rig.idle);

    expect(rig.seen).toEqual([{ domain: "vm1", actual: 640 * MiB }]);
    const counters = rig.monitor().counters;
    expect(counters.dropped.get("event-schema")).toBe(malformed.length + 1);
    expect(counters.dropped.get("malformed")).toBe(1);
    expect(rig.daemon.plugins.stats().monitorCallbacks[BALLOON_PLUGIN_NAME]?.errors ?? 0).toBe(0);
    expect(rig.daemon.state).toBe("running");
  });

  it("coalesces a storm per domain: one running job, one queued with the latest size", async () => {
    const storm = 500;
    store.shut();
    server.emitEvent("BALLOON_CHANGE", { actual: 900 * MiB });
    await waitFor("the first job to start", () => store.waiting === 1);
    for (let i = storm - 1; i >= 0; i--) {
      server.emitEvent("BALLOON_CHANGE", { actual: 300 * MiB + i * 4096 });
    }
    const read = () => rig.monitor().counters.eventsByName.get("BALLOON_CHANGE");
    await waitFor("the storm to be read", () => read() === storm + 1);

    const lane = rig.daemon.workers.stats().lanes.find((l) => l.domainUuid === rig.vm.uuid);
    expect(lane).toMatchObject({ running: true, queued: 1 });
    expect(rig.daemon.workers.stats().coalesced).toBe(storm - 1);

    store.release();
    await waitFor("the lane", () => rig.seen.length === 2 && rig.idle());
    expect(rig.seen.map((s) => s.actual)).toEqual([900 * MiB, 300 * MiB]);
    expect(rig.daemon.workers.stats().plugins[BALLOON_PLUGIN_NAME]).toMatchObject({
      completed: 2 + 1, // the two jobs and the resync hook run at connect
      errors: 0,
    });
  });
});

describe("loading the plugin the way virteventd does", () => {
  it("is the package's default export and accepts the empty options virteventd passes", () => {
    const [loaded] = validatePlugins([balloonPlugin], {
      pluginOptions: { [BALLOON_PLUGIN_NAME]: {} },
    });
    expect(loaded?.plugin.name).toBe("balloon");
    expect(() =>
      validatePlugins([balloonPlugin], { pluginOptions: { balloon: { treshold: 1 } } }),
    ).toThrow(/treshold/);
  });
});
