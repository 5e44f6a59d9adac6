import "reflect-metadata";
import {
  type AnyPlugin,
  createDaemon,
  type Daemon,
  definePlugin,
  LifecycleEvent,
} from "@virtevent/core";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { DomainMonitor } from "../src/bridge/domain-monitor.js";
import { FakeQmpServer, requireQemu, startQemu } from "../src/testing/index.js";

const RUNNING = { return: { status: "running", running: true, singlestep: false } };
const PAUSED = { return: { status: "prelaunch", running: false, singlestep: false } };

interface Probe {
  events: unknown[];
  hooks: Array<{ reconnect: boolean }>;
}

function probePlugin(probe: Probe): AnyPlugin {
  return definePlugin({
    name: "probe",
    core: "^0.1.0",
    qmpEvents: {
      PROBE: {
        schema: z.object({ n: z.number() }),
        onEvent(_ctx, _domain, data) {
          probe.events.push(data);
        },
      },
    },
    setup(ctx) {
      ctx.onDomainConnected(async (_w, info) => {
        probe.hooks.push({ reconnect: info.reconnect });
      });
    },
  }) as AnyPlugin;
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(options: { isAlive?: () => boolean } = {}) {
  const probe: Probe = { events: [], hooks: [] };
  const daemon: Daemon = createDaemon({ plugins: [probePlugin(probe)] });
  await daemon.start();
  cleanups.push(() => daemon.close({ deadlineMs: 1000 }));
  const vm = daemon.domains.define({ name: "vm1" });
  const lifecycle: string[] = [];
  daemon.events.registerAny({
    event: LifecycleEvent,
    callback: (_d, ev) =>
      lifecycle.push(ev.event === "stopped" ? `stopped:${ev.reason}` : ev.event),
  });
  const server = await FakeQmpServer.start();
  cleanups.push(() => server.stop());
  const link = new DomainMonitor({
    daemon,
    uuid: vm.uuid,
    target: { path: server.path },
    isAlive: options.isAlive,
    reconnect: { initialDelayMs: 10, maxDelayMs: 40 },
  });
  cleanups.push(() => link.close());
  return { daemon, vm, server, link, probe, lifecycle };
}

describe("DomainMonitor (qmp ↔ core bridge) on FakeQmpServer", () => {
  it("connects, marks the domain started, runs the resync hooks and dispatches plugin events", async () => {
    const { server, link, probe, lifecycle, daemon, vm } = await setup();
    server.expect("query-status", RUNNING);
    link.start();
    await expect.poll(() => probe.hooks).toEqual([{ reconnect: false }]);
    expect(link.status).toBe("connected");
    expect(daemon.domains.findByUuid(vm.uuid)?.state).toBe("running");
    server.emitEvent("PROBE", { n: 1 });
    server.emitEvent("PROBE", { n: "not a number" });
    server.emitEvent("PROBE", { n: 2 });
    await expect.poll(() => probe.events).toEqual([{ n: 1 }, { n: 2 }]);
    await expect.poll(() => lifecycle).toEqual(["started"]);
    expect(
      await daemon.domains
        .ref(vm.uuid)
        .channel()
        .execute("query-version")
        .catch((e) => e.code),
    ).toBeDefined();
  });

  it("reports a paused QEMU as suspended and follows STOP / RESUME", async () => {
    const { server, link, lifecycle } = await setup();
    server.expect("query-status", PAUSED);
    link.start();
    await expect.poll(() => lifecycle).toEqual(["started", "suspended"]);
    server.emitEvent("RESUME");
    server.emitEvent("STOP");
    await expect.poll(() => lifecycle).toEqual(["started", "suspended", "resumed", "suspended"]);
  });

  it("reconnects a lost monitor whose QEMU still runs, without stopping the domain", async () => {
    const { server, link, probe, lifecycle } = await setup({ isAlive: () => true });
    const synced: Array<{ reconnect: boolean; hooksSeen: number }> = [];
    link.onDidSync((info) => synced.push({ ...info, hooksSeen: probe.hooks.length }));
    server.expect("query-status", RUNNING);
    link.start();
    await expect.poll(() => probe.hooks.length).toBe(1);
    server.expect("query-status", RUNNING);
    server.close();
    await expect.poll(() => probe.hooks).toEqual([{ reconnect: false }, { reconnect: true }]);
    // onDidSync fires after the hooks of each connection have run.
    await expect
      .poll(() => synced)
      .toEqual([
        { reconnect: false, hooksSeen: 1 },
        { reconnect: true, hooksSeen: 2 },
      ]);
    expect(link.connectionCount).toBe(2);
    expect(lifecycle).toEqual(["started"]);
  });

  it("stops the domain as crashed when QEMU is gone, as shutdown after a SHUTDOWN event", async () => {
    let alive = true;
    const a = await setup({ isAlive: () => alive });
    a.server.expect("query-status", RUNNING);
    a.link.start();
    await expect.poll(() => a.lifecycle).toEqual(["started"]);
    alive = false;
    a.server.close();
    await expect.poll(() => a.lifecycle).toEqual(["started", "stopped:crashed"]);
    expect(a.link.status).toBe("gone");

    let alive2 = true;
    const b = await setup({ isAlive: () => alive2 });
    b.server.expect("query-status", RUNNING);
    b.link.start();
    await expect.poll(() => b.lifecycle).toEqual(["started"]);
    // The stream delivers SHUTDOWN before the EOF that follows it.
    b.server.emitEvent("SHUTDOWN", { guest: true, reason: "guest-shutdown" });
    alive2 = false;
    b.server.close();
    await expect.poll(() => b.lifecycle).toEqual(["started", "stopped:shutdown"]);
  });

  it("without a process check, a refused reconnect means QEMU is gone; retries continue", async () => {
    const { server, link, lifecycle } = await setup();
    server.expect("query-status", RUNNING);
    link.start();
    await expect.poll(() => lifecycle).toEqual(["started"]);
    await server.stop();
    await expect.poll(() => lifecycle).toEqual(["started", "stopped:crashed"]);
    expect(["waiting", "connecting"]).toContain(link.status);
  });

  it("retries with backoff until a configured domain's monitor appears", async () => {
    const probe: Probe = { events: [], hooks: [] };
    const daemon = createDaemon({ plugins: [probePlugin(probe)] });
    await daemon.start();
    cleanups.push(() => daemon.close({ deadlineMs: 1000 }));
    const vm = daemon.domains.define({ name: "later" });
    const server = await FakeQmpServer.start();
    cleanups.push(() => server.stop());
    const link = new DomainMonitor({
      daemon,
      uuid: vm.uuid,
      target: { path: `${server.path}.not-yet` },
      reconnect: { initialDelayMs: 5, maxDelayMs: 20 },
    });
    cleanups.push(() => link.close());
    link.start();
    await expect.poll(() => link.status).toBe("waiting");
    expect(daemon.domains.findByUuid(vm.uuid)?.state).toBe("defined");
    link.close();
    expect(link.status).toBe("closed");
  });
});

describe.runIf(requireQemu())("DomainMonitor on real QEMU", () => {
  it("marks the domain stopped (crashed) and aborts its lease when QEMU is SIGKILLed (row 9)", async () => {
    const qemu = await startQemu();
    cleanups.push(() => qemu.kill());
    const probe: Probe = { events: [], hooks: [] };
    const daemon = createDaemon({ plugins: [probePlugin(probe)] });
    await daemon.start();
    cleanups.push(() => daemon.close({ deadlineMs: 1000 }));
    const vm = daemon.domains.define({ name: "real" });
    const lifecycle: string[] = [];
    daemon.events.registerAny({
      event: LifecycleEvent,
      callback: (_d, ev) =>
        lifecycle.push(ev.event === "stopped" ? `stopped:${ev.reason}` : ev.event),
    });
    const pid = qemu.process.pid ?? -1;
    const link = new DomainMonitor({
      daemon,
      uuid: vm.uuid,
      target: { path: qemu.qmpPath },
      isAlive: () => qemu.process.exitCode === null && qemu.process.signalCode === null,
    });
    cleanups.push(() => link.close());
    link.start();
    // QEMU started with -S is paused before it runs any guest code.
    await expect.poll(() => lifecycle, { timeout: 10_000 }).toEqual(["started", "suspended"]);
    expect(probe.hooks).toEqual([{ reconnect: false }]);
    const lease = daemon.domains.ref(vm.uuid);
    const pending = lease.channel().execute("query-block");
    process.kill(pid, "SIGKILL");
    await pending.catch(() => undefined);
    await expect
      .poll(() => lifecycle, { timeout: 10_000 })
      .toEqual(["started", "suspended", "stopped:crashed"]);
    expect(lease.signal.aborted).toBe(true);
    expect(lease.isCurrent()).toBe(false);
    expect(link.status).toBe("gone");
  });
});
