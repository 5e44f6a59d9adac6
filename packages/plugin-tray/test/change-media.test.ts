import type { FakeQmpServer } from "@virtevent/qmp/testing";
import { afterEach, describe, expect, it } from "vitest";
import { changeMedia, isTrayError, MEDIA_NODE_PREFIX } from "../src/index.js";
import {
  attachFakeDomain,
  closeTrayFixtures,
  laneIdle,
  queryBlockReply,
  startTrayDaemon,
  waitFor,
} from "./harness.js";

const ISO = "/srv/iso/install.iso";
/** Short on purpose: the fake guest never opens a locked tray. */
const LOCKED_TIMEOUT_MS = 200;
/** A closed tray with a medium in it, locked by the guest (a fresh copy per test). */
const lockedDrive = () => ({
  alias: "cd0",
  open: false,
  locked: true,
  medium: { file: "/a.iso", node: "#b1" },
});

/** Answers a tray command the way QEMU does: the DEVICE_TRAY_MOVED event, then the reply. */
function moveTray(server: FakeQmpServer, open: boolean) {
  return () => {
    server.emitEvent("DEVICE_TRAY_MOVED", { device: "", id: "cd0", "tray-open": open });
    return { return: {} };
  };
}

/** Expects a blockdev-add of `file` and records the node name it was given. */
function expectAdd(server: FakeQmpServer, file: string): { node: string } {
  const added = { node: "" };
  server.expect(
    "blockdev-add",
    { return: {} },
    {
      args: (a) => {
        added.node = String(a?.["node-name"]);
        const f = a?.file as Record<string, unknown> | undefined;
        return (
          a?.driver === "raw" &&
          a["read-only"] === true &&
          added.node.startsWith(MEDIA_NODE_PREFIX) &&
          f?.driver === "file" &&
          f.filename === file
        );
      },
    },
  );
  return added;
}

describe("changeMedia (fake QMP server)", () => {
  afterEach(closeTrayFixtures);

  it("inserts: open, wait for the tray, remove, insert, close", async () => {
    const started = await startTrayDaemon();
    const d = started.daemon;
    const vm = await attachFakeDomain(d, "vm1", [{ alias: "cd0", open: false }]);
    const { server } = vm;
    server.expect("query-block", queryBlockReply([{ alias: "cd0", open: false }]));
    const added = expectAdd(server, ISO);
    server.expect("blockdev-open-tray", moveTray(server, true), {
      args: { id: "cd0", force: false },
    });
    server.expect("blockdev-remove-medium", { return: {} }, { args: { id: "cd0" } });
    server.expect(
      "blockdev-insert-medium",
      { return: {} },
      {
        args: (a) => a?.id === "cd0" && a["node-name"] === added.node,
      },
    );
    server.expect("blockdev-close-tray", moveTray(server, false), { args: { id: "cd0" } });

    const result = await changeMedia(d, "vm1", "cd0", { insert: ISO, timeoutMs: 5_000 });
    expect(result).toEqual({
      domain: vm.uuid,
      alias: "cd0",
      previous: undefined,
      medium: ISO,
      forced: false,
    });
    await waitFor("the close event", () => started.seen.length === 2);
    expect(started.seen.map((e) => e.reason)).toEqual(["open", "close"]);
    server.verify();
  });

  it("gives up on a tray the guest keeps locked: TrayLockedError, nothing changed", async () => {
    const started = await startTrayDaemon();
    const d = started.daemon;
    const drive = lockedDrive();
    const vm = await attachFakeDomain(d, "vm1", [drive]);
    const { server } = vm;
    server.expect("query-block", queryBlockReply([drive]));
    const added = expectAdd(server, ISO);
    // QEMU only asks the guest: no event, and the guest never answers.
    server.expect("blockdev-open-tray", { return: {} }, { args: { id: "cd0", force: false } });
    server.expect("query-block", queryBlockReply([drive]));
    server.expect("blockdev-del", { return: {} }, { args: (a) => a?.["node-name"] === added.node });

    const error = await changeMedia(d, "vm1", "cd0", {
      insert: ISO,
      timeoutMs: LOCKED_TIMEOUT_MS,
    }).catch((e: unknown) => e);
    expect(isTrayError(error, "TRAY_ERR_LOCKED")).toBe(true);
    expect((error as Error).message).toMatch(/guest of vm1 kept the tray of cd0 locked/);
    expect((error as Error).message).toMatch(/nothing was changed/);
    await waitFor("the lane to settle", () => laneIdle(d, vm.uuid));
    expect(started.seen).toEqual([]);
    // The FIFO above is exhaustive: no remove, insert or close was sent.
    server.verify();
    expect(server.commands.map((c) => c.command)).not.toContain("blockdev-remove-medium");
  });

  it("opens a locked tray with force (answering for the guest) and ejects", async () => {
    const started = await startTrayDaemon();
    const d = started.daemon;
    const drive = lockedDrive();
    const vm = await attachFakeDomain(d, "vm1", [drive]);
    const { server } = vm;
    server.expect("query-block", queryBlockReply([drive]));
    server.expect("blockdev-open-tray", moveTray(server, true), {
      args: { id: "cd0", force: true },
    });
    server.expect("blockdev-remove-medium", { return: {} }, { args: { id: "cd0" } });
    server.expect("blockdev-close-tray", moveTray(server, false), { args: { id: "cd0" } });

    const result = await changeMedia(d, "vm1", "cd0", {
      eject: true,
      force: true,
      timeoutMs: 5_000,
    });
    expect(result).toMatchObject({ previous: "/a.iso", medium: undefined, forced: true });
    await waitFor("the close event", () => started.seen.length === 2);
    expect(started.seen.map((e) => e.reason)).toEqual(["open", "close"]);
    server.verify();
  });

  it("skips opening a tray that is already open, and closes it at the end", async () => {
    const started = await startTrayDaemon();
    const d = started.daemon;
    const vm = await attachFakeDomain(d, "vm1", [{ alias: "cd0", open: true }]);
    const { server } = vm;
    server.expect("query-block", queryBlockReply([{ alias: "cd0", open: true }]));
    expectAdd(server, ISO);
    server.expect("blockdev-remove-medium", { return: {} });
    server.expect("blockdev-insert-medium", { return: {} });
    server.expect("blockdev-close-tray", moveTray(server, false));

    const result = await changeMedia(d, "vm1", "cd0", { insert: ISO, force: true });
    expect(result).toMatchObject({ medium: ISO, forced: false });
    await waitFor("the close event", () => started.seen.length === 1);
    expect(started.seen).toEqual([{ domain: "vm1", devAlias: "cd0", reason: "close" }]);
    server.verify();
  });

  it("proceeds when the open event was folded away but query-block shows the tray open", async () => {
    const started = await startTrayDaemon();
    const d = started.daemon;
    const vm = await attachFakeDomain(d, "vm1", [{ alias: "cd0", open: false }]);
    const { server } = vm;
    server.expect("query-block", queryBlockReply([{ alias: "cd0", open: false }]));
    server.expect("blockdev-open-tray", { return: {} });
    server.expect("query-block", queryBlockReply([{ alias: "cd0", open: true }]));
    server.expect("blockdev-remove-medium", { return: {} });
    server.expect("blockdev-close-tray", { return: {} });

    const result = await changeMedia(d, "vm1", "cd0", {
      eject: true,
      timeoutMs: LOCKED_TIMEOUT_MS,
    });
    expect(result.medium).toBeUndefined();
    server.verify();
  });
});
