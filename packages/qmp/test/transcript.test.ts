import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NodeEventLoop } from "@virtevent/core";
import { afterEach, describe, expect, it } from "vitest";
import { connectQmp, QmpMonitor } from "../src/index.js";
import {
  FakeQmpServer,
  loadTranscript,
  type QemuProcess,
  requireQemu,
  startQemu,
  type TranscriptEntry,
  TranscriptRecorder,
} from "../src/testing/index.js";
import { harnesses } from "./loops.js";
import { runSession } from "./qemu-session.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/qemu-7.2-session.jsonl", import.meta.url));

/** The kind of each line of a session: what must stay the same from one recording to the next. */
function shape(entries: readonly TranscriptEntry[]): string[] {
  return entries.map((e) => {
    const m = (e.msg ?? {}) as Record<string, unknown>;
    if ("execute" in m) return `${e.dir} execute ${String(m.execute)}`;
    if ("event" in m) return `${e.dir} event ${String(m.event)}`;
    if ("QMP" in m) return `${e.dir} greeting`;
    if ("error" in m) return `${e.dir} error ${String((m.error as { class?: unknown }).class)}`;
    return `${e.dir} ${"return" in m ? "return" : "other"}`;
  });
}

describe.skipIf(!requireQemu())("recording a real QEMU 7.2 session", () => {
  let qemu: QemuProcess | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await qemu?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // VIRTEVENT_RECORD_FIXTURES=1 rewrites the committed fixture from this run.
  it("records the session; it has the shape of the committed fixture", async () => {
    qemu = await startQemu();
    const loop = new NodeEventLoop();
    const recorder = new TranscriptRecorder();
    const monitor = await connectQmp({ path: qemu.qmpPath }, { loop, trace: recorder.trace });
    await runSession(monitor);
    monitor.close();
    await loop.close();
    dir = mkdtempSync(join(tmpdir(), "virtevent-transcript-"));
    const out = process.env.VIRTEVENT_RECORD_FIXTURES === "1" ? FIXTURE : join(dir, "s.jsonl");
    recorder.save(out);
    expect(existsSync(FIXTURE)).toBe(true);
    expect(shape(loadTranscript(out))).toEqual(shape(loadTranscript(FIXTURE)));
  });
});

describe.each(harnesses)("replaying the QEMU 7.2 fixture on the $name loop", (harness) => {
  let server: FakeQmpServer | undefined;
  afterEach(async () => {
    await server?.stop();
  });

  it("gives the monitor the same answers and events as QEMU did", async () => {
    server = await FakeQmpServer.start({ transcript: loadTranscript(FIXTURE) });
    const loop = harness.create();
    const monitor = new QmpMonitor((await import("node:net")).createConnection(server.path), {
      loop,
    });
    await harness.run(loop, monitor.ready);
    const summary = await harness.run(loop, runSession(monitor));
    expect(summary.status).toEqual({ status: "prelaunch", singlestep: false, running: false });
    expect(summary.trayOpened).toEqual({ device: "", id: "cd0", "tray-open": true });
    expect(summary.trayClosed).toEqual({ device: "", id: "cd0", "tray-open": false });
    expect(summary.trayOpenInQueryBlock).toBe(false);
    expect(summary.rxFilters.map((f) => f.name)).toEqual(["net0"]);
    expect(summary.unknownCommand).toEqual({
      errorClass: "CommandNotFound",
      code: "QMP_ERR_COMMAND",
    });
    await harness.run(loop, server.transcriptDone);
    server.verify();
    monitor.close();
    await loop.close();
  });
});
