// The receiving side of the latency workload, in its own process: reports the monotonic time
// (process.hrtime, CLOCK_MONOTONIC, the same clock in every process) at which each tray move
// reached it. argv: variant (raw | inproc-memory | inproc-file) qmpPath stateDir.
import "reflect-metadata";
import { createSilentLogger, FileStateStore, MemoryStateStore } from "@virtevent/core";
import { TrayChange } from "@virtevent/plugin-tray";
import { onMessages, reply } from "../lib/child.js";
import { startEmbeddedDaemon } from "../lib/embedded-daemon.js";
import { connectRaw } from "../lib/raw-qmp.js";

const [variant, path, stateDir] = process.argv.slice(2);

function got(open: boolean): void {
  reply({ type: "got", t: process.hrtime.bigint().toString(), open });
}

if (variant === "raw") {
  await connectRaw(path, (m) => {
    if (m.event === "DEVICE_TRAY_MOVED") got(m.data?.["tray-open"] === true);
  });
} else {
  const store =
    variant === "inproc-file"
      ? new FileStateStore({ dir: stateDir, logger: createSilentLogger() })
      : new MemoryStateStore();
  const { daemon } = await startEmbeddedDaemon("real", [path], store);
  daemon.events.registerAny({
    event: TrayChange,
    callback: (_d, data) => got(data.reason === "open"),
  });
}

onMessages((m) => {
  if (m.type === "cpu") {
    const u = process.cpuUsage();
    reply({ type: "cpu", us: u.user + u.system });
  }
});
reply({ type: "ready" });
