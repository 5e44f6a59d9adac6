// Bench-local plugins with the same schema shapes as the real tray and nic-rx-filter plugins
// (they reuse the real data schemas) but none of their coalescing or host work: every monitor
// event becomes one process event, and every process event one public event. This is the
// heaviest full path per event (the real plugins coalesce per device), and it lets a subscriber
// count every event of a burst.
import {
  defineDomainEvent,
  definePlugin,
  defineProcessEvent,
  type ProcessEventHandler,
  type WorkerContext,
} from "@virtevent/core";
import { NicRxFilterChangedDataSchema } from "@virtevent/plugin-nic-rx-filter";
import { DeviceTrayMovedSchema } from "@virtevent/plugin-tray";
import { injectable } from "tsyringe";
import { z } from "zod";

interface TrayMove {
  alias: string;
  open: boolean;
}

const BenchTrayMoved = defineProcessEvent<TrayMove>("bench-tray/moved");
const BenchNicChanged = defineProcessEvent<{ alias: string }>("bench-nic/changed");

/** Public event of the bench tray plugin (TRAY_CHANGE's shape). */
export const BenchTrayChange = defineDomainEvent(
  "bench-tray-change",
  z.object({ devAlias: z.string(), reason: z.enum(["open", "close"]) }),
);
/** Public event of the bench nic plugin. */
export const BenchNicChange = defineDomainEvent(
  "bench-nic-change",
  z.object({ alias: z.string() }),
);

@injectable()
class BenchTrayWorker implements ProcessEventHandler<TrayMove> {
  handle(p: TrayMove, ctx: WorkerContext): void {
    ctx.emit(BenchTrayChange, { devAlias: p.alias, reason: p.open ? "open" : "close" });
  }
}

@injectable()
class BenchNicWorker implements ProcessEventHandler<{ alias: string }> {
  handle(p: { alias: string }, ctx: WorkerContext): void {
    ctx.emit(BenchNicChange, { alias: p.alias });
  }
}

/** DEVICE_TRAY_MOVED → bench-tray/moved (one job per event) → bench-tray-change. */
export const benchTrayPlugin = definePlugin({
  name: "bench-tray",
  core: "^0.1.0",
  qmpEvents: {
    DEVICE_TRAY_MOVED: {
      schema: DeviceTrayMovedSchema,
      onEvent(ctx, _domain, data) {
        ctx.submit(BenchTrayMoved, { alias: data.id, open: data["tray-open"] });
      },
    },
  },
  workers: [{ event: BenchTrayMoved, handler: BenchTrayWorker }],
  domainEvents: [BenchTrayChange],
});

/** NIC_RX_FILTER_CHANGED → bench-nic/changed (one job per event) → bench-nic-change. */
export const benchNicPlugin = definePlugin({
  name: "bench-nic",
  core: "^0.1.0",
  qmpEvents: {
    NIC_RX_FILTER_CHANGED: {
      schema: NicRxFilterChangedDataSchema,
      onEvent(ctx, _domain, data) {
        ctx.submit(BenchNicChanged, { alias: data.name ?? data.path });
      },
    },
  },
  workers: [{ event: BenchNicChanged, handler: BenchNicWorker }],
  domainEvents: [BenchNicChange],
});

/** Event ids the bench plugins emit. */
export const BENCH_EVENT_IDS: ReadonlySet<string> = new Set([
  BenchTrayChange.id,
  BenchNicChange.id,
]);
