// End to end on real QEMU 7.2 (TCG, no guest): an ide-cd with an empty tray. Skipped when
// QEMU is absent, unless VIRTEVENT_REQUIRE_QEMU=1 (then a missing QEMU fails).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSilentLogger, type Daemon, FileStateStore, NodeEventLoop } from "@virtevent/core";
import { connectQmp, DomainMonitor } from "@virtevent/qmp";
import { type QemuProcess, requireQemu, startQemu } from "@virtevent/qmp/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  changeMedia,
  isTrayError,
  MEDIA_NODE_PREFIX,
  type MediaChangeError,
  parseTrays,
} from "../src/index.js";
import { laneIdle, type SeenTrayChange, startTrayDaemon, waitFor, waitSynced } from "./harness.js";

/** A small raw image: any file is a valid raw medium; 64 KiB is 32 CD sectors. */
const IMAGE_BYTES = 64 * 1024;

describe.skipIf(!requireQemu())("tray plugin on real QEMU", () => {
  let qemu: QemuProcess | undefined;
  let dir = "";
  /** A second QMP socket, usable while the daemon holds the first one. */
  let sideQmp = "";
  const cleanups: Array<() => unknown> = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "virtevent-tray-"));
    sideQmp = join(dir, "side.sock");
    qemu = await startQemu({
      defaultDevices: false,
      extraArgs: [
        ...["-device", "ide-cd,id=cd0,bus=ide.0"],
        ...["-qmp", `unix:${sideQmp},server=on,wait=off`],
      ],
    });
    await waitFor("QEMU's second QMP socket", () => existsSync(sideQmp));
  });

  afterEach(async () => {
    try {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    } finally {
      await qemu?.kill();
      qemu = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** Starts a daemon, attaches vm1 to QEMU's main QMP socket and waits for the resync. */
  async function attach(
    options: { stateDir?: string; uuid?: string } = {},
  ): Promise<{ daemon: Daemon; seen: SeenTrayChange[]; uuid: string; link: DomainMonitor }> {
    const stateStore =
      options.stateDir === undefined
        ? undefined
        : new FileStateStore({ dir: options.stateDir, logger: createSilentLogger() });
    const { daemon, seen } = await startTrayDaemon({ stateStore });
    cleanups.push(() => daemon.close());
    const vm = daemon.domains.define({ name: "vm1", uuid: options.uuid });
    const link = new DomainMonitor({
      daemon,
      uuid: vm.uuid,
      target: { path: (qemu as QemuProcess).qmpPath },
    });
    cleanups.push(() => link.close());
    link.start();
    await waitSynced(daemon, link, vm.uuid);
    return { daemon, seen, uuid: vm.uuid, link };
  }

  /** query-block through the daemon's own monitor connection. */
  async function cd0(daemon: Daemon, uuid: string) {
    const reply = await daemon.domains.ref(uuid).channel().execute("query-block");
    return parseTrays(reply).find((t) => t.alias === "cd0");
  }

  it("turns tray moves into TRAY_CHANGE for a registerAny subscriber", async () => {
    const { daemon, seen, uuid } = await attach();
    expect(seen).toEqual([]);
    const channel = daemon.domains.ref(uuid).channel();

    await channel.execute("blockdev-open-tray", { id: "cd0" });
    await waitFor("the open event", () => seen.length === 1);
    expect(seen[0]).toEqual({ domain: "vm1", devAlias: "cd0", reason: "open" });

    await channel.execute("blockdev-close-tray", { id: "cd0" });
    await waitFor("the close event", () => seen.length === 2);
    expect(seen[1]).toEqual({ domain: "vm1", devAlias: "cd0", reason: "close" });
    expect(daemon.domains.get("vm1")?.devices.get("cd0")).toEqual({ trayOpen: false });
  });

  /** The block nodes changeMedia added that QEMU still holds. */
  async function mediaNodes(daemon: Daemon, uuid: string): Promise<string[]> {
    const nodes = (await daemon.domains
      .ref(uuid)
      .channel()
      .execute("query-named-block-nodes")) as Array<{ "node-name": string }>;
    return nodes.map((n) => n["node-name"]).filter((n) => n.startsWith(MEDIA_NODE_PREFIX));
  }

  it("inserts an image with changeMedia, then ejects it", async () => {
    const { daemon, seen, uuid } = await attach();
    const image = join(dir, "disk.iso");
    writeFileSync(image, Buffer.alloc(IMAGE_BYTES, 0x41));

    const inserted = await changeMedia(daemon, "vm1", "cd0", { insert: image, timeoutMs: 10_000 });
    expect(inserted).toMatchObject({ alias: "cd0", previous: undefined, medium: image });
    const after = await cd0(daemon, uuid);
    expect(after).toMatchObject({ open: false, file: image });
    expect(after?.nodeName?.startsWith(MEDIA_NODE_PREFIX)).toBe(true);
    await waitFor("open and close", () => seen.length === 2);
    expect(seen.map((e) => e.reason)).toEqual(["open", "close"]);

    const ejected = await changeMedia(daemon, "vm1", "cd0", { eject: true, timeoutMs: 10_000 });
    expect(ejected).toMatchObject({ previous: image, medium: undefined });
    expect(await cd0(daemon, uuid)).toMatchObject({ open: false, file: undefined });
    // The node changeMedia added for the image was deleted with it.
    expect(await mediaNodes(daemon, uuid)).toEqual([]);
    await waitFor("the second open and close", () => seen.length === 4);
    expect(seen.map((e) => e.reason)).toEqual(["open", "close", "open", "close"]);
  });

  it("replaces one image with another, forced, leaving only the new node", async () => {
    const { daemon, uuid } = await attach();
    const first = join(dir, "first.iso");
    const second = join(dir, "second.iso");
    writeFileSync(first, Buffer.alloc(IMAGE_BYTES, 0x31));
    writeFileSync(second, Buffer.alloc(IMAGE_BYTES, 0x32));

    await changeMedia(daemon, "vm1", "cd0", { insert: first, timeoutMs: 10_000 });
    const [firstNode] = await mediaNodes(daemon, uuid);
    const replaced = await changeMedia(daemon, "vm1", "cd0", {
      insert: second,
      force: true,
      timeoutMs: 10_000,
    });
    expect(replaced).toMatchObject({ previous: first, medium: second, forced: true });
    const now = await cd0(daemon, uuid);
    expect(now).toMatchObject({ open: false, file: second });
    expect(await mediaNodes(daemon, uuid)).toEqual([now?.nodeName]);
    expect(now?.nodeName).not.toBe(firstNode);
  });

  it("fails on a missing image without moving the tray", async () => {
    const { daemon, seen, uuid } = await attach();
    const error = await changeMedia(daemon, "vm1", "cd0", {
      insert: join(dir, "missing.iso"),
      timeoutMs: 10_000,
    }).catch((e: unknown) => e);
    expect(isTrayError(error, "TRAY_ERR_MEDIA_CHANGE")).toBe(true);
    expect((error as MediaChangeError).outcome).toEqual({ tray: "unmoved", medium: "unchanged" });
    expect(await cd0(daemon, uuid)).toMatchObject({ open: false, file: undefined });
    await waitFor("the lane to settle", () => laneIdle(daemon, uuid));
    expect(seen).toEqual([]);
  });

  it("announces, exactly once, a tray that moved while no daemon was attached (row 20)", async () => {
    const stateDir = join(dir, "state");
    const a = await attach({ stateDir });
    expect(a.seen).toEqual([]);
    a.link.close();
    await a.daemon.close();

    // Nobody listens: open the tray through QEMU's second monitor.
    const loop = new NodeEventLoop();
    const side = await connectQmp({ path: sideQmp }, { loop });
    try {
      await side.execute("blockdev-open-tray", { id: "cd0" });
    } finally {
      side.close();
      await loop.close();
    }

    const b = await attach({ stateDir, uuid: a.uuid });
    expect(b.seen).toEqual([{ domain: "vm1", devAlias: "cd0", reason: "open" }]);
    expect(b.daemon.stateStore.get(a.uuid, "tray:cd0")).toEqual({ open: true });

    // A reconnect with nothing moved announces nothing more.
    b.link.close();
    await b.daemon.close();
    const c = await attach({ stateDir, uuid: a.uuid });
    expect(c.seen).toEqual([]);
  });
});
