import { createDaemon, type Daemon } from "@virtevent/core";
import { ManualEventLoop } from "@virtevent/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { TrayChange } from "../events/tray-events.js";
import { trayPlugin } from "../plugin.js";
import { TrayWatch } from "./tray-watch.js";

const WAIT_MS = 1_000;

describe("TrayWatch (virtual time)", () => {
  let daemon: Daemon | undefined;

  afterEach(async () => {
    await daemon?.close();
  });

  async function setup() {
    const loop = new ManualEventLoop();
    daemon = createDaemon({ loop, plugins: [trayPlugin] });
    await daemon.start();
    const vm = daemon.domains.define({ name: "vm1" });
    daemon.domains.markStarted(vm.uuid);
    const watch = new TrayWatch(daemon.events, loop, vm.uuid, "cd0", "open");
    return { d: daemon, loop, uuid: vm.uuid, watch };
  }

  it("counts an event delivered before wait() is called", async () => {
    const { d, loop, uuid, watch } = await setup();
    d.events.queue(TrayChange, uuid, { devAlias: "cd0", reason: "open" });
    loop.runOnce();
    await expect(watch.wait(WAIT_MS, new AbortController().signal)).resolves.toBe(true);
    watch.dispose();
  });

  it("ignores other drives and the other reason, then times out on the daemon's loop", async () => {
    const { d, loop, uuid, watch } = await setup();
    const waiting = watch.wait(WAIT_MS, new AbortController().signal);
    d.events.queue(TrayChange, uuid, { devAlias: "cd1", reason: "open" });
    d.events.queue(TrayChange, uuid, { devAlias: "cd0", reason: "close" });
    loop.runOnce();
    loop.advance(WAIT_MS);
    await expect(waiting).resolves.toBe(false);
    watch.dispose();
  });

  it("rejects with the signal's reason when aborted, and unsubscribes on dispose", async () => {
    const { d, watch } = await setup();
    const registrations = d.events.registrationCount;
    const controller = new AbortController();
    const waiting = watch.wait(WAIT_MS, controller.signal);
    const reason = new Error("domain stopped");
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    watch.dispose();
    expect(d.events.registrationCount).toBe(registrations - 1);
  });
});
