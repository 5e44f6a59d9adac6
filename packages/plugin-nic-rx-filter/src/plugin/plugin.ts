import { definePlugin, type StateStore, TOKENS } from "@virtevent/core";
import { z } from "zod";
import { HostNetwork } from "../host/host-network.js";
import { Iproute2HostNetwork } from "../host/iproute2-host-network.js";
import { aliasOfEvent } from "./nic-device.js";
import { NicMacChange, NicRxFilterChanged } from "./nic-events.js";
import { NicRxFilterCounters, NicRxFilterStats } from "./nic-rx-filter-stats.js";
import { NicRxFilterWorker, NicSyncer } from "./nic-syncer.js";

/** Options of the plugin (`pluginOptions["nic-rx-filter"]`). */
export const NicRxFilterOptionsSchema = z
  .object({
    /** Network namespace of the host devices, for the default iproute2 adapter. */
    netns: z.string().optional(),
  })
  .strict()
  .default({});

/** Data of NIC_RX_FILTER_CHANGED: `name` (the NIC's id) is absent for NICs without one. */
export const NicRxFilterChangedDataSchema = z.object({
  name: z.string().optional(),
  path: z.string(),
});

/** Longest one sync may take (a query plus a few `ip` commands), in milliseconds. */
export const NIC_SYNC_TIMEOUT_MS = 20_000;

/**
 * The nic-rx-filter plugin: NIC_RX_FILTER_CHANGED → query-rx-filter → host device synced
 * through {@link HostNetwork} → NIC_MAC_CHANGE. Only NICs whose device record says
 * `trustGuestRxFilters: true` are synced; see the package README for the trust model. Uses the
 * HostNetwork registered in the daemon's container, or iproute2 (in `options.netns`).
 *
 * @example
 * const daemon = createDaemon({ plugins: [nicRxFilterPlugin] });
 */
export const nicRxFilterPlugin = definePlugin({
  name: "nic-rx-filter",
  core: "^0.1.0",
  options: NicRxFilterOptionsSchema,
  qmpEvents: {
    NIC_RX_FILTER_CHANGED: {
      schema: NicRxFilterChangedDataSchema,
      onEvent(ctx, _domain, data) {
        const alias = aliasOfEvent(data);
        if (alias === undefined) {
          ctx.logger.debug({ path: data.path }, "rx-filter change of a NIC without an id");
          return;
        }
        // The worker checks the NIC's trust: the event is one-shot, so a coalesced job per NIC
        // is all it takes, and checking there also covers configuration changes.
        ctx.submit(NicRxFilterChanged, { alias }, { coalesceKey: alias });
      },
    },
  },
  workers: [
    { event: NicRxFilterChanged, handler: NicRxFilterWorker, timeoutMs: NIC_SYNC_TIMEOUT_MS },
  ],
  domainEvents: [NicMacChange],
  setup(ctx) {
    const container = ctx.container;
    if (!container.isRegistered(HostNetwork, true)) {
      container.register(HostNetwork, {
        useValue: new Iproute2HostNetwork({ netns: ctx.options.netns }),
      });
    }
    if (!container.isRegistered(NicRxFilterStats, true)) {
      container.register(NicRxFilterStats, { useValue: new NicRxFilterCounters() });
    }
    const counters = container.resolve(NicRxFilterStats);
    const store = container.resolve<StateStore>(TOKENS.StateStore);
    const syncer = new NicSyncer(container.resolve(HostNetwork), store, counters);
    container.register(NicRxFilterWorker, { useFactory: () => new NicRxFilterWorker(syncer) });
    // Events that came while nobody listened were not queried, and QEMU stays silent until a
    // query: resync (and re-arm) every trusted NIC on each connect and reconnect.
    ctx.onDomainConnected((wctx) => syncer.syncAll(wctx));
  },
});
