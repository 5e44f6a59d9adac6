import { FakeQmpServer, type QemuProcess, requireQemu, startQemu } from "@virtevent/qmp/testing";
import { afterEach, describe, expect, it } from "vitest";
import { BALLOON_PLUGIN_NAME, BALLOON_STATE_KEY } from "../src/index.js";
import { type BalloonRig, RUNNING, startBalloonRig, waitFor } from "./harness.js";

const MiB = 1024 * 1024;

let rig: BalloonRig | undefined;
let server: FakeQmpServer | undefined;
afterEach(async () => {
  await rig?.close();
  await server?.stop();
  rig = undefined;
  server = undefined;
});

describe("the resync on (re)connect, on a FakeQmpServer", () => {
  it("records a domain seen for the first time without announcing it", async () => {
    server = await FakeQmpServer.start();
    server.expect("query-status", RUNNING);
    server.expect("query-balloon", { return: { actual: 2048 * MiB } });
    rig = await startBalloonRig();
    await rig.attach(server.target);
    await waitFor("the resync", () => rig?.idle() === true);
    expect(rig.seen).toEqual([]);
    expect(rig.daemon.stateStore.get(rig.vm.uuid, BALLOON_STATE_KEY)).toBe(2048 * MiB);
    server.verify();
  });

  it("announces a size that changed while nobody listened, once, and not again on reconnect", async () => {
    server = await FakeQmpServer.start();
    server.expect("query-status", RUNNING);
    server.expect("query-balloon", { return: { actual: 512 * MiB } });
    rig = await startBalloonRig();
    // What an earlier run of the daemon announced last (a FileStateStore would hold it).
    await rig.daemon.stateStore.set(rig.vm.uuid, BALLOON_STATE_KEY, 1024 * MiB);
    const link = await rig.attach(server.target);
    await waitFor("balloon-change", () => rig?.seen.length === 1);
    expect(rig.seen).toEqual([{ domain: "vm1", actual: 512 * MiB }]);

    server.expect("query-status", RUNNING);
    server.expect("query-balloon", { return: { actual: 512 * MiB } });
    server.crash(); // the monitor connection drops; QEMU is still there
    await waitFor("the reconnect", () => link.connectionCount === 2 && link.status === "connected");
    await waitFor("the second resync", () => rig?.idle() === true);
    expect(rig.seen).toHaveLength(1);
    server.verify();
  });

  it("leaves a domain without a balloon device alone (DeviceNotActive is no error)", async () => {
    server = await FakeQmpServer.start();
    server.expect("query-status", RUNNING);
    server.expect("query-balloon", {
      error: { class: "DeviceNotActive", desc: "No balloon device has been activated" },
    });
    rig = await startBalloonRig();
    await rig.attach(server.target);
    await waitFor("the resync", () => rig?.idle() === true);
    expect(rig.seen).toEqual([]);
    expect(rig.daemon.stateStore.get(rig.vm.uuid, BALLOON_STATE_KEY)).toBeUndefined();
    expect(rig.daemon.workers.stats().plugins[BALLOON_PLUGIN_NAME]?.errors ?? 0).toBe(0);
    server.verify();
  });

  it("ignores a query-balloon reply it does not understand", async () => {
    server = await FakeQmpServer.start();
    server.expect("query-status", RUNNING);
    server.expect("query-balloon", { return: { actual: "a lot" } });
    rig = await startBalloonRig();
    await rig.attach(server.target);
    await waitFor("the resync", () => rig?.idle() === true);
    expect(rig.seen).toEqual([]);
    expect(rig.daemon.stateStore.get(rig.vm.uuid, BALLOON_STATE_KEY)).toBeUndefined();
    server.emitEvent("BALLOON_CHANGE", { actual: 256 * MiB });
    await waitFor("balloon-change", () => rig?.seen.length === 1);
  });
});

describe.skipIf(!requireQemu())("the resync against real QEMU 7.2", () => {
  let qemu: QemuProcess | undefined;
  afterEach(async () => {
    await qemu?.kill();
    qemu = undefined;
  });

  it("reads query-balloon from a virtio-balloon device and announces the change", async () => {
    qemu = await startQemu({
      defaultDevices: false,
      extraArgs: ["-m", "128", "-device", "virtio-balloon-pci,id=balloon0"],
    });
    rig = await startBalloonRig();
    await rig.daemon.stateStore.set(rig.vm.uuid, BALLOON_STATE_KEY, 64 * MiB);
    await rig.attach({ path: qemu.qmpPath });
    // No guest driver runs (-S), so the balloon is empty: the logical size is all of -m.
    await waitFor("balloon-change", () => rig?.seen.length === 1);
    expect(rig.seen).toEqual([{ domain: "vm1", actual: 128 * MiB }]);
  });

  it("finds no balloon on a QEMU without one, and is not bothered", async () => {
    qemu = await startQemu({ defaultDevices: false, extraArgs: ["-m", "128"] });
    rig = await startBalloonRig();
    const link = await rig.attach({ path: qemu.qmpPath });
    await waitFor("the resync", () => rig?.idle() === true);
    expect(rig.seen).toEqual([]);
    expect(rig.daemon.stateStore.get(rig.vm.uuid, BALLOON_STATE_KEY)).toBeUndefined();
    expect(rig.daemon.workers.stats().plugins[BALLOON_PLUGIN_NAME]).toMatchObject({ errors: 0 });
    expect(link.status).toBe("connected");
  });
});
