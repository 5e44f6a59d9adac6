// changeMedia when something goes wrong: refused before anything is sent, or rolled back with
// an error that says exactly where the tray and the medium are.
import { createDaemon, type Daemon } from "@virtevent/core";
import type { FakeQmpServer } from "@virtevent/qmp/testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  type ChangeMediaOptions,
  changeMedia,
  isTrayError,
  MEDIA_NODE_PREFIX,
  type MediaChangeError,
} from "../src/index.js";
import {
  attachFakeDomain,
  closeTrayFixtures,
  onTeardown,
  queryBlockReply,
  startTrayDaemon,
} from "./harness.js";

const ISO = "/srv/iso/new.iso";
const OURS = `${MEDIA_NODE_PREFIX}0ld0ld00`;
const GENERIC = { error: { class: "GenericError", desc: "injected failure" } };

function moveTray(server: FakeQmpServer, open: boolean) {
  return () => {
    server.emitEvent("DEVICE_TRAY_MOVED", { device: "", id: "cd0", "tray-open": open });
    return { return: {} };
  };
}

describe("changeMedia failures", () => {
  let daemon: Daemon | undefined;
  afterEach(closeTrayFixtures);

  async function setup(oldNode: string): Promise<FakeQmpServer> {
    daemon = (await startTrayDaemon()).daemon;
    const drive = { alias: "cd0", open: false, medium: { file: "/old.iso", node: oldNode } };
    const vm = await attachFakeDomain(daemon, "vm1", [drive]);
    vm.server.expect("query-block", queryBlockReply([drive]));
    return vm.server;
  }

  async function failure(options: ChangeMediaOptions): Promise<MediaChangeError> {
    const e = await changeMedia(daemon as Daemon, "vm1", "cd0", options).catch((x: unknown) => x);
    expect(isTrayError(e, "TRAY_ERR_MEDIA_CHANGE")).toBe(true);
    return e as MediaChangeError;
  }

  it.each([
    ["no action", {}],
    ["eject false and no insert", { eject: false }],
    ["a relative file", { insert: "new.iso" }],
    ["a zero timeout", { eject: true, timeoutMs: 0 }],
    ["a fractional timeout", { eject: true, timeoutMs: 1.5 }],
  ] as Array<[string, ChangeMediaOptions]>)("refuses %s before sending anything", async (_w, o) => {
    const server = await setup("#b1");
    const sent = server.commands.length;
    const e = await changeMedia(daemon as Daemon, "vm1", "cd0", o).catch((x: unknown) => x);
    expect(isTrayError(e, "TRAY_ERR_ARGUMENT")).toBe(true);
    expect(server.commands).toHaveLength(sent);
  });

  it("needs the tray plugin in the daemon", async () => {
    const bare = createDaemon();
    daemon = bare;
    onTeardown(() => bare.close().then(() => undefined));
    await bare.start();
    const e = await changeMedia(daemon, "vm1", "cd0", { eject: true }).catch((x: unknown) => x);
    expect(isTrayError(e, "TRAY_ERR_PLUGIN_MISSING")).toBe(true);
  });

  it("refuses a second change of the same drive while the first one runs", async () => {
    const server = await setup("#b1");
    const open = server.expect("blockdev-open-tray");
    server.expect("blockdev-remove-medium", { return: {} });
    server.expect("blockdev-close-tray", moveTray(server, false));
    const first = changeMedia(daemon as Daemon, "vm1", "cd0", { eject: true, timeoutMs: 5_000 });
    await open.received;
    const e = await changeMedia(daemon as Daemon, "vm1", "cd0", { eject: true }).catch((x) => x);
    expect(isTrayError(e, "TRAY_ERR_BUSY")).toBe(true);
    open.respond(moveTray(server, true));
    await expect(first).resolves.toMatchObject({ previous: "/old.iso", medium: undefined });
    server.verify();
  });

  it("reports an unknown drive without touching anything", async () => {
    const server = await setup("#b1");
    const e = await changeMedia(daemon as Daemon, "vm1", "cd7", { eject: true }).catch((x) => x);
    expect(isTrayError(e, "TRAY_ERR_DEVICE_NOT_FOUND")).toBe(true);
    server.verify();
  });

  it("fails on an image QEMU cannot open before the tray moves", async () => {
    const server = await setup("#b1");
    server.expect("blockdev-add", GENERIC);
    const e = await failure({ insert: ISO });
    expect(e.step).toBe("blockdev-add");
    expect(e.outcome).toEqual({ tray: "unmoved", medium: "unchanged" });
    expect(e.message).toContain("the medium is unchanged and the tray was not moved");
    server.verify();
  });

  it("puts its own old medium back when the insert fails", async () => {
    const server = await setup(OURS);
    server.expect("blockdev-add", { return: {} });
    server.expect("blockdev-open-tray", moveTray(server, true));
    server.expect("blockdev-remove-medium", { return: {} });
    server.expect("blockdev-insert-medium", GENERIC);
    server.expect(
      "blockdev-insert-medium",
      { return: {} },
      { args: { id: "cd0", "node-name": OURS } },
    );
    server.expect("blockdev-del", { return: {} });
    server.expect("blockdev-close-tray", moveTray(server, false));
    const e = await failure({ insert: ISO, timeoutMs: 5_000 });
    expect(e.step).toBe("blockdev-insert-medium");
    expect(e.outcome).toEqual({ tray: "closed", medium: "unchanged" });
    server.verify();
  });

  it("says the drive is empty when a medium it did not add cannot be put back", async () => {
    const server = await setup("#block123");
    server.expect("blockdev-add", { return: {} });
    server.expect("blockdev-open-tray", moveTray(server, true));
    server.expect("blockdev-remove-medium", { return: {} });
    server.expect("blockdev-insert-medium", GENERIC);
    server.expect("blockdev-del", { return: {} });
    server.expect("blockdev-close-tray", moveTray(server, false));
    const e = await failure({ insert: ISO, timeoutMs: 5_000 });
    expect(e.outcome).toEqual({ tray: "closed", medium: "removed" });
    expect(e.message).toContain("the drive is now empty and the tray is closed");
    server.verify();
  });

  it("closes the tray again when the medium cannot be removed", async () => {
    const server = await setup("#b1");
    server.expect("blockdev-open-tray", moveTray(server, true));
    server.expect("blockdev-remove-medium", GENERIC);
    server.expect("blockdev-close-tray", moveTray(server, false));
    const e = await failure({ eject: true, timeoutMs: 5_000 });
    expect(e.outcome).toEqual({ tray: "closed", medium: "unchanged" });
    server.verify();
  });

  it("reports a tray left open when only the final close fails", async () => {
    const server = await setup(OURS);
    server.expect("blockdev-add", { return: {} });
    server.expect("blockdev-open-tray", moveTray(server, true));
    server.expect("blockdev-remove-medium", { return: {} });
    server.expect("blockdev-insert-medium", { return: {} });
    server.expect("blockdev-del", { return: {} }, { args: { "node-name": OURS } });
    server.expect("blockdev-close-tray", GENERIC);
    const e = await failure({ insert: ISO, timeoutMs: 5_000 });
    expect(e.outcome).toEqual({ tray: "open", medium: "replaced" });
    expect(e.message).toContain("the new medium is inserted and the tray is open");
    server.verify();
  });
});
