import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeEventLoop } from "@virtevent/core";
import { connectQmp, type QmpMonitor } from "@virtevent/qmp";
import { FakeQmpServer, type QemuProcess, requireQemu, startQemu } from "@virtevent/qmp/testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  type MinimalDaemon,
  type MinimalDaemonEvent,
  startMinimalDaemon,
} from "../src/minimal-daemon.js";

/** How long `waitFor` polls before failing the test, ms. */
const WAIT_LIMIT_MS = 15_000;

async function waitFor(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
}

/** Connected, and the tray resync run at connect has finished (its lane is empty). */
function settled(md: MinimalDaemon): boolean {
  if (md.monitor.status !== "connected") return false;
  const lane = md.daemon.workers.stats().lanes.find((l) => l.domainUuid === md.domain.uuid);
  return lane === undefined || (!lane.running && lane.queued === 0);
}

let md: MinimalDaemon | undefined;
afterEach(async () => {
  await md?.close();
  md = undefined;
});

describe.skipIf(!requireQemu())("the minimal daemon against real QEMU", () => {
  let qemu: QemuProcess | undefined;
  let control: QmpMonitor | undefined;
  let loop: NodeEventLoop | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    control?.close();
    await loop?.close();
    await qemu?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
    control = loop = qemu = dir = undefined;
  });

  it("prints TRAY_CHANGE open then close for cd0 as a second monitor moves the tray", async () => {
    dir = mkdtempSync(join(tmpdir(), "virtevent-minimal-"));
    const controlPath = join(dir, "control.sock");
    // startQemu adds the ide-cd cd0; the second -qmp is ours, the first the daemon's.
    qemu = await startQemu({ extraArgs: ["-qmp", `unix:${controlPath},server=on,wait=off`] });
    const seen: MinimalDaemonEvent[] = [];
    md = await startMinimalDaemon({ qmpPath: qemu.qmpPath, onEvent: (e) => seen.push(e) });
    const running = md;
    await waitFor("the daemon to attach and resync", () => settled(running));

    loop = new NodeEventLoop();
    control = await connectQmp({ path: controlPath }, { loop });
    await control.execute("blockdev-open-tray", { id: "cd0" });
    await waitFor("TRAY_CHANGE open", () => seen.length === 1);
    await control.execute("blockdev-close-tray", { id: "cd0" });
    await waitFor("TRAY_CHANGE close", () => seen.length === 2);

    expect(seen).toEqual([
      { domain: "vm1", devAlias: "cd0", reason: "open" },
      { domain: "vm1", devAlias: "cd0", reason: "close" },
    ]);
  });
});

describe("the minimal daemon on a FakeQmpServer (runs without QEMU)", () => {
  let server: FakeQmpServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it("names the domain and reports each tray move once", async () => {
    server = await FakeQmpServer.start();
    server.expect("query-status", { return: { status: "prelaunch", running: false } });
    server.expect("query-block", {
      return: [{ device: "", qdev: "cd0", locked: false, removable: true, tray_open: false }],
    });
    const seen: MinimalDaemonEvent[] = [];
    md = await startMinimalDaemon({
      qmpPath: server.path,
      domainName: "web",
      onEvent: (e) => seen.push(e),
    });
    const running = md;
    await waitFor("the daemon to attach and resync", () => settled(running));
    expect(running.daemon.domains.get("web")?.state).toBe("paused");

    server.emitEvent("DEVICE_TRAY_MOVED", { device: "", id: "cd0", "tray-open": true });
    await waitFor("TRAY_CHANGE", () => seen.length === 1);
    expect(seen).toEqual([{ domain: "web", devAlias: "cd0", reason: "open" }]);
    server.verify();
  });
});
