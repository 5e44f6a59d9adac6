// The README's "testing a handler with FakeQmpServer" section, kept runnable: what a
// third-party plugin author writes to test a QMP event handler and a command-sending worker.
import type { CommandChannel } from "@virtevent/core";
import { NodeEventLoop } from "@virtevent/core";
import { afterEach, beforeEach, expect, it } from "vitest";
import { z } from "zod";
import { connectQmp, defineQmpEvent, type QmpMonitor } from "../src/index.js";
import { FakeQmpServer } from "../src/testing/index.js";

// --- the plugin under test -------------------------------------------------------------
const trayMoved = z.object({ device: z.string(), id: z.string(), "tray-open": z.boolean() });
const trays = new Map<string, boolean>();
const onTrayMoved = defineQmpEvent(trayMoved, (data) => trays.set(data.id, data["tray-open"]));

/** A worker that rebuilds tray state from query-block (as after a reconnect). */
async function resyncTrays(channel: CommandChannel): Promise<void> {
  const blocks = z
    .array(z.object({ qdev: z.string().optional(), tray_open: z.boolean().optional() }))
    .parse(await channel.execute("query-block"));
  for (const b of blocks) if (b.qdev && b.tray_open !== undefined) trays.set(b.qdev, b.tray_open);
}
// ----------------------------------------------------------------------------------------

let server: FakeQmpServer;
let loop: NodeEventLoop;
let monitor: QmpMonitor;

beforeEach(async () => {
  trays.clear();
  server = await FakeQmpServer.start();
  loop = new NodeEventLoop();
  monitor = await connectQmp({ path: server.path }, { loop });
  monitor.events.set("DEVICE_TRAY_MOVED", onTrayMoved);
});

afterEach(async () => {
  monitor.close();
  await server.stop();
  await loop.close();
});

it("updates tray state from DEVICE_TRAY_MOVED", async () => {
  server.emitEvent("DEVICE_TRAY_MOVED", { device: "", id: "cd0", "tray-open": true });
  await expect.poll(() => trays.get("cd0")).toBe(true);
});

it("resyncs from query-block", async () => {
  server.expect("query-block", {
    return: [{ device: "", qdev: "cd0", tray_open: false, locked: false, removable: true }],
  });
  await resyncTrays(monitor);
  expect(trays.get("cd0")).toBe(false);
  server.verify(); // fails on any unexpected or missing command
});
