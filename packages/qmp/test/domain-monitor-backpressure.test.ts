import "reflect-metadata";
import {
  type AnyPlugin,
  createDaemon,
  defineDomainEvent,
  definePlugin,
  defineProcessEvent,
} from "@virtevent/core";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { DomainMonitor } from "../src/bridge/domain-monitor.js";
import { FakeQmpServer } from "../src/testing/index.js";

const RUNNING = { return: { status: "running", running: true, singlestep: false } };
const Probed = defineProcessEvent<{ n: number }>("probe/seen");
const ProbeEvent = defineDomainEvent("probe-seen", z.object({ n: z.number() }));

/** One job and one public event per QMP event, no coalescing: the worst case for the queues. */
class ProbeWorker {
  handle(payload: { n: number }, ctx: { emit(e: typeof ProbeEvent, d: { n: number }): void }) {
    ctx.emit(ProbeEvent, payload);
  }
}

const oneToOne = definePlugin({
  name: "one-to-one",
  core: "^0.1.0",
  qmpEvents: {
    PROBE: {
      schema: z.object({ n: z.number() }),
      onEvent(ctx, _domain, data) {
        ctx.submit(Probed, data);
      },
    },
  },
  workers: [{ event: Probed, handler: ProbeWorker }],
  domainEvents: [ProbeEvent],
}) as AnyPlugin;

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("DomainMonitor read backpressure", () => {
  it("delivers every event when many domains burst at once beyond the public event queue", {
    timeout: 60_000,
  }, async () => {
    const DOMAINS = 40;
    const PER_DOMAIN = 500; // 20,000 in all: twice MAX_QUEUED_DOMAIN_EVENTS
    const daemon = createDaemon({ plugins: [oneToOne] });
    await daemon.start();
    cleanups.push(() => daemon.close({ deadlineMs: 5000 }));
    let delivered = 0;
    daemon.events.registerAny({ event: ProbeEvent, callback: () => delivered++ });
    const servers: FakeQmpServer[] = [];
    for (let i = 0; i < DOMAINS; i++) {
      const server = await FakeQmpServer.start();
      cleanups.push(() => server.stop());
      server.expect("query-status", RUNNING);
      const vm = daemon.domains.define({ name: `vm${i}` });
      const link = new DomainMonitor({ daemon, uuid: vm.uuid, target: { path: server.path } });
      cleanups.push(() => link.close());
      link.start();
      servers.push(server);
    }
    await expect.poll(() => daemon.domains.list().every((d) => d.state === "running")).toBe(true);

    const burst = (d: number) =>
      Array.from({ length: PER_DOMAIN }, (_, n) =>
        JSON.stringify({ timestamp: { seconds: d, microseconds: n }, event: "PROBE", data: { n } }),
      ).join("\r\n");
    for (const [d, server] of servers.entries()) server.writeRaw(`${burst(d)}\r\n`);

    await expect.poll(() => delivered, { timeout: 45_000 }).toBe(DOMAINS * PER_DOMAIN);
    expect(daemon.events.stats.droppedOverflow).toBe(0);
    expect(daemon.workers.stats().overflowDrops).toBe(0);
  });
});
