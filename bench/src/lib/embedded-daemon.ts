// A daemon composed in the measuring process (core + qmp + plugins), the way an embedder builds
// one: used where a subscriber must live in the daemon's own process.
import "reflect-metadata";
import { type AnyPlugin, createDaemon, type Daemon, type StateStore } from "@virtevent/core";
import nicRxFilterPlugin from "@virtevent/plugin-nic-rx-filter";
import { trayPlugin } from "@virtevent/plugin-tray";
import { DomainMonitor } from "@virtevent/qmp";
import { benchNicPlugin, benchTrayPlugin } from "./bench-plugins.js";

/** "bench": the 1:1 bench plugins; "real": @virtevent/plugin-tray + plugin-nic-rx-filter. */
export type PluginSet = "bench" | "real";

export function pluginsOf(set: PluginSet): AnyPlugin[] {
  return set === "bench" ? [benchTrayPlugin, benchNicPlugin] : [trayPlugin, nicRxFilterPlugin];
}

/** A started daemon with one DomainMonitor per socket path, every monitor connected. */
export interface EmbeddedDaemon {
  daemon: Daemon;
  links: DomainMonitor[];
  uuids: string[];
  close(): Promise<void>;
}

export async function startEmbeddedDaemon(
  set: PluginSet,
  paths: readonly string[],
  stateStore?: StateStore,
): Promise<EmbeddedDaemon> {
  const daemon = createDaemon({ plugins: pluginsOf(set), stateStore });
  await daemon.start();
  const links: DomainMonitor[] = [];
  const uuids: string[] = [];
  const connected: Promise<void>[] = [];
  paths.forEach((path, i) => {
    const vm = daemon.domains.define({ name: `vm${i}` });
    const link = new DomainMonitor({ daemon, uuid: vm.uuid, target: { path } });
    connected.push(
      new Promise((resolve) => {
        const off = link.onDidChangeStatus((s) => {
          if (s === "connected") {
            off();
            resolve();
          }
        });
      }),
    );
    link.start();
    links.push(link);
    uuids.push(vm.uuid);
  });
  await Promise.all(connected);
  return {
    daemon,
    links,
    uuids,
    async close() {
      for (const l of links) l.close();
      await daemon.close({ deadlineMs: 2_000 });
    },
  };
}
