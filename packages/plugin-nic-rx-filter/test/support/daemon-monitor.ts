import type { Daemon } from "@virtevent/core";
import { connectQmp, defineQmpEvent, type QmpEventTable, type QmpMonitor } from "@virtevent/qmp";

/** A QMP monitor attached to a daemon for one domain. */
export interface AttachedMonitor {
  monitor: QmpMonitor;
  /** Closes the monitor and tells the daemon the domain lost it (the VM keeps running). */
  detach(): void;
}

/**
 * Connects a QMP monitor to `qmpPath` and plugs it into the daemon as its bridge expects: the
 * event table built from the plugins' monitor events (the monitor validates `data` with each
 * schema), events dispatched to the domain, the monitor attached as the domain's command channel
 * (which runs the plugins' connect hooks). A test stand-in for the qmp package's own domain
 * bridge.
 */
export async function attachDomainMonitor(
  daemon: Daemon,
  domainUuid: string,
  qmpPath: string,
  options: { reconnect?: boolean } = {},
): Promise<AttachedMonitor> {
  const events: QmpEventTable = new Map();
  for (const entry of daemon.bridge.monitorEvents()) {
    events.set(
      entry.eventName,
      defineQmpEvent(entry.schema, (data) => {
        daemon.bridge.dispatchMonitorEvent(entry, domainUuid, data);
      }),
    );
  }
  const monitor = await connectQmp({ path: qmpPath }, { loop: daemon.loop, events });
  try {
    await daemon.bridge.domainConnected(domainUuid, monitor, {
      reconnect: options.reconnect ?? false,
    });
  } catch (e) {
    monitor.close();
    throw e;
  }
  let detached = false;
  return {
    monitor,
    detach() {
      if (detached) return;
      detached = true;
      monitor.close();
      daemon.bridge.domainDisconnected(domainUuid, { channel: monitor });
    },
  };
}
