// Entry point: `node dist/main.js /path/to/qmp.sock [domain-name]`. Prints every TRAY_CHANGE
// until Ctrl-C. reflect-metadata must load before any decorated class (tsyringe).
import "reflect-metadata";
import { LifecycleEvent } from "@virtevent/core";
import { startMinimalDaemon } from "./minimal-daemon.js";

const [qmpPath, domainName = "vm1"] = process.argv.slice(2);
if (!qmpPath) {
  console.error("usage: node dist/main.js /path/to/qmp.sock [domain-name]");
  process.exit(2);
}

const md = await startMinimalDaemon({
  qmpPath,
  domainName,
  onEvent: (e) => console.log(`${e.domain}: TRAY_CHANGE ${e.devAlias} ${e.reason}`),
});
let connected = false;
md.monitor.onDidChangeStatus((status) => {
  if (status === "connected") console.log(`${domainName}: monitor connected`);
  else if (connected && status === "waiting") console.log(`${domainName}: monitor lost, retrying`);
  connected = status === "connected";
});
// Core's own public event, from the monitor's lifecycle (started, suspended, stopped, ...).
md.daemon.events.registerAny({
  event: LifecycleEvent,
  callback: (domain, ev) =>
    console.log(`${domain.name}: LIFECYCLE ${ev.event}${"reason" in ev ? ` ${ev.reason}` : ""}`),
});
console.log(`watching ${domainName} at ${qmpPath}; Ctrl-C to stop`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void md.close().then(() => process.exit(0));
  });
}
