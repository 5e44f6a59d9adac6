// RELIABILITY.md row 20 against the fake server: on connect and reconnect, query-block is
// compared with the persisted positions and exactly one TRAY_CHANGE is emitted per tray that
// moved while nobody listened.
import { randomUUID } from "node:crypto";
import { MemoryStateStore } from "@virtevent/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  attachFakeDomain,
  closeTrayFixtures,
  persisted,
  queryBlockReply,
  RUNNING,
  startTrayDaemon,
  trayMovedLine,
  waitFor,
  waitSynced,
} from "./harness.js";

describe("tray resync on connect (row 20)", () => {
  afterEach(closeTrayFixtures);

  it("records every tray silently on the first connect ever", async () => {
    const started = await startTrayDaemon();
    const daemon = started.daemon;
    const vm = await attachFakeDomain(daemon, "vm1", [
      { alias: "cd0", open: true },
      { alias: "cd1", open: false },
    ]);
    expect(started.seen).toEqual([]);
    expect(persisted(daemon.stateStore, vm.uuid, "cd0")).toEqual({ open: true });
    expect(persisted(daemon.stateStore, vm.uuid, "cd1")).toEqual({ open: false });
    expect(daemon.domains.get("vm1")?.devices.get("cd0")).toEqual({ trayOpen: true });
    vm.server.verify();
  });

  it("emits one event per tray that differs from the persisted state, none for the others", async () => {
    const uuid = randomUUID();
    const stateStore = new MemoryStateStore();
    await stateStore.set(uuid, "tray:cd0", { open: false });
    await stateStore.set(uuid, "tray:cd1", { open: true });
    await stateStore.set(uuid, "tray:gone", { open: true });
    await stateStore.set(uuid, "other-plugin", "kept");
    const started = await startTrayDaemon({ stateStore });
    const daemon = started.daemon;
    const vm = await attachFakeDomain(
      daemon,
      "vm1",
      [
        { alias: "cd0", open: true },
        { alias: "cd1", open: true },
        { alias: "cd2", open: true },
      ],
      { uuid },
    );
    expect(started.seen).toEqual([{ domain: "vm1", devAlias: "cd0", reason: "open" }]);
    expect(stateStore.entries(uuid)).toEqual({
      "tray:cd0": { open: true },
      "tray:cd1": { open: true },
      "tray:cd2": { open: true },
      "other-plugin": "kept",
    });
    vm.server.verify();
  });

  it("keeps a move reported right after the query-block reply, in the same read", async () => {
    const started = await startTrayDaemon();
    const daemon = started.daemon;
    // The reply says closed; the event behind it (same chunk) says the tray opened since. The
    // event's monitor callback runs before the resync resumes, so the worker must set it last.
    const reply = JSON.stringify(queryBlockReply([{ alias: "cd0", open: false }])).slice(0, -1);
    const queryBlock = { raw: `${reply},"id":%ID%}\r\n${trayMovedLine("cd0", true).trimEnd()}` };
    const vm = await attachFakeDomain(daemon, "vm1", [], { queryBlock });
    await waitFor("the event", () => started.seen.length === 1);
    expect(started.seen).toEqual([{ domain: "vm1", devAlias: "cd0", reason: "open" }]);
    expect(daemon.domains.get("vm1")?.devices.get("cd0")).toEqual({ trayOpen: true });
    expect(persisted(daemon.stateStore, vm.uuid, "cd0")).toEqual({ open: true });
    vm.server.verify();
  });

  it("resyncs on every reconnect: one event for a move, none when nothing moved", async () => {
    const started = await startTrayDaemon();
    const daemon = started.daemon;
    const d = daemon;
    const vm = await attachFakeDomain(d, "vm1", [{ alias: "cd0", open: false }]);
    const { server, link, uuid } = vm;

    // The monitor drops; meanwhile the tray opened. The reconnect must notice.
    server.expect("query-status", RUNNING);
    server.expect("query-block", queryBlockReply([{ alias: "cd0", open: true }]));
    server.close();
    await waitFor("the first reconnect", () => link.connectionCount === 2);
    await waitSynced(d, link, uuid);
    expect(started.seen).toEqual([{ domain: "vm1", devAlias: "cd0", reason: "open" }]);

    server.expect("query-status", RUNNING);
    server.expect("query-block", queryBlockReply([{ alias: "cd0", open: true }]));
    server.close();
    await waitFor("the second reconnect", () => link.connectionCount === 3);
    await waitSynced(d, link, uuid);
    expect(started.seen).toHaveLength(1);
    expect(persisted(d.stateStore, uuid, "cd0")).toEqual({ open: true });
    server.verify();
  });
});
