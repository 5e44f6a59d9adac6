import {
  createSilentLogger,
  type DomainEventType,
  type DomainRef,
  type DomainRegistry,
  MemoryStateStore,
  type WorkerContext,
} from "@virtevent/core";
import { describe, expect, it, vi } from "vitest";
import { TrayChange } from "../events/tray-events.js";
import { TrayMovedWorker } from "./tray-moved-worker.js";

const UUID = "6f1c1a52-3c1e-4a53-9d7e-2f2b8d1b5a01";

/** A worker context whose liveness the test controls, recording what is emitted. */
function fakeContext(isCurrent: () => boolean = () => true) {
  const emitted: unknown[] = [];
  const ctx = {
    domain: { uuid: UUID } as DomainRef,
    signal: new AbortController().signal,
    logger: createSilentLogger(),
    plugin: "tray",
    channel: () => {
      throw new Error("the worker sends no command");
    },
    emit: <E>(event: DomainEventType<E>, data: E) => emitted.push({ event: event.id, data }),
    isCurrent,
    throwIfStale: () => {},
  } satisfies WorkerContext;
  return { ctx, emitted };
}

function setup() {
  const store = new MemoryStateStore();
  const updateDevice = vi.fn();
  const domains = { updateDevice } as unknown as DomainRegistry;
  return { store, updateDevice, worker: new TrayMovedWorker(store, domains) };
}

describe("TrayMovedWorker", () => {
  it("persists a real change and emits TRAY_CHANGE for it", async () => {
    const { store, updateDevice, worker } = setup();
    const { ctx, emitted } = fakeContext();
    await worker.handle({ alias: "cd0", open: true }, ctx);
    expect(store.get(UUID, "tray:cd0")).toEqual({ open: true });
    expect(updateDevice).toHaveBeenCalledWith(UUID, "cd0", { trayOpen: true });
    expect(emitted).toEqual([{ event: TrayChange.id, data: { devAlias: "cd0", reason: "open" } }]);
  });

  it("emits nothing when the position equals the persisted one", async () => {
    const { store, worker } = setup();
    await store.set(UUID, "tray:cd0", { open: false });
    const { ctx, emitted } = fakeContext();
    await worker.handle({ alias: "cd0", open: false }, ctx);
    expect(emitted).toEqual([]);
  });

  it("announces the move before its position reaches disk, without holding the lane", async () => {
    const { store, worker } = setup();
    let landed!: () => void;
    const write = new Promise<void>((resolve) => {
      landed = resolve;
    });
    vi.spyOn(store, "set").mockReturnValue(write);
    const { ctx, emitted } = fakeContext();
    // The job ends while the write is still pending.
    await worker.handle({ alias: "cd0", open: true }, ctx);
    expect(store.set).toHaveBeenCalledWith(UUID, "tray:cd0", { open: true });
    expect(emitted).toEqual([{ event: TrayChange.id, data: { devAlias: "cd0", reason: "open" } }]);
    landed();
    await write;
  });

  it("records the position but emits nothing for an incarnation that ended", async () => {
    const { store, worker } = setup();
    const { ctx, emitted } = fakeContext(() => false);
    await worker.handle({ alias: "cd0", open: true }, ctx);
    expect(store.get(UUID, "tray:cd0")).toEqual({ open: true });
    expect(emitted).toEqual([]);
  });

  it("still announces the move when the state cannot be written to disk, and logs it", async () => {
    const { store, worker } = setup();
    vi.spyOn(store, "set").mockRejectedValue(new Error("disk full"));
    const { ctx, emitted } = fakeContext();
    const warn = vi.spyOn(ctx.logger, "warn");
    await worker.handle({ alias: "cd0", open: false }, ctx);
    expect(emitted).toEqual([{ event: TrayChange.id, data: { devAlias: "cd0", reason: "close" } }]);
    await vi.waitFor(() =>
      expect(warn).toHaveBeenCalledWith(
        expect.objectContaining({ alias: "cd0" }),
        "tray position not persisted",
      ),
    );
  });
});
