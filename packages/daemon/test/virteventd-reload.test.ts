import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { FakeQmpServer } from "@virtevent/qmp/testing";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ApiClient, type ApiClientError, type ApiNotification } from "../src/api/api-client.js";
import { parseConfig } from "../src/config/load-config.js";
import { Virteventd } from "../src/virteventd/virteventd.js";
import { waitFor, writeConfig } from "./support/binaries.js";

const RUNNING = { return: { status: "running", running: true, singlestep: false } };
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fake(): Promise<FakeQmpServer> {
  const s = await FakeQmpServer.start();
  s.expect("query-status", RUNNING);
  cleanups.push(() => s.stop());
  return s;
}

function nic(trust: boolean) {
  return { alias: "net0", hostInterface: "tap-vm1", trustGuestRxFilters: trust };
}

async function startDaemon(config: Record<string, unknown>) {
  const { dir, file } = writeConfig(config);
  // Keep what the daemon logs at error level, to check reload refusals.
  const logs: string[] = [];
  const logger = pino({ level: "error" }, { write: (line: string) => void logs.push(line) });
  const d = new Virteventd(parseConfig(JSON.parse(JSON.stringify(config)), file, dir), {
    configPath: file,
    logger,
  });
  await d.start();
  cleanups.push(() => d.close());
  return { d, dir, file, logs };
}

describe("virteventd reload (SIGHUP)", () => {
  it("adds and removes domains, applies NIC trust changes, and refuses an invalid file", async () => {
    const a = await fake();
    const b = await fake();
    // Reload applies logLevel too: keep errors visible to check the refusal.
    const base = { stateDir: "state", apiSocket: { path: "run/api.sock" }, logLevel: "error" };
    const { d, file, logs } = await startDaemon({
      ...base,
      domains: [{ name: "vm1", qmp: a.path, devices: { nics: [nic(false)] } }],
    });
    await waitFor(() => d.daemon.domains.get("vm1")?.state === "running", "vm1 running");
    expect(d.daemon.domains.get("vm1")?.devices.get("net0")).toMatchObject({
      trustGuestRxFilters: false,
    });

    writeFileSync(
      file,
      JSON.stringify({
        ...base,
        domains: [
          { name: "vm1", qmp: a.path, devices: { nics: [nic(true)] } },
          { name: "vm2", qmp: b.path },
        ],
      }),
    );
    await d.reload();
    expect(d.daemon.domains.get("vm1")?.devices.get("net0")).toMatchObject({
      trustGuestRxFilters: true,
    });
    await waitFor(() => d.daemon.domains.get("vm2")?.state === "running", "vm2 added and running");

    writeFileSync(
      file,
      JSON.stringify({ ...base, domains: [{ name: "vm2", qmp: b.path }], bogus: 1 }),
    );
    await d.reload();
    expect(logs.join("\n")).toContain("config: Unrecognized key");
    expect(d.daemon.domains.get("vm1")).toBeDefined();

    writeFileSync(file, JSON.stringify({ ...base, domains: [{ name: "vm2", qmp: b.path }] }));
    await d.reload();
    expect(d.daemon.domains.get("vm1")).toBeUndefined();
    expect(d.daemon.domains.get("vm2")?.state).toBe("running");
  });
});

describe("virteventd API methods", () => {
  it("scopes registrations to their client and removes them when it disconnects", async () => {
    const a = await fake();
    const { d, dir } = await startDaemon({
      stateDir: "state",
      apiSocket: { path: "run/api.sock" },
      logLevel: "silent",
      domains: [{ name: "vm1", qmp: a.path }],
    });
    const socket = join(dir, "run/api.sock");
    await waitFor(() => d.daemon.domains.get("vm1")?.state === "running", "vm1 running");
    const c1 = await ApiClient.connect(socket);
    const c2 = await ApiClient.connect(socket);
    cleanups.push(() => c2.close());
    const { callbackId } = (await c1.call("events.register", {
      event: "lifecycle",
      domain: "vm1",
    })) as { callbackId: number };
    const other = (await c2
      .call("events.deregister", { callbackId })
      .catch((e) => e)) as ApiClientError;
    expect(other.message).toBe(`callback ${callbackId} is not registered by this client`);
    const unknown = (await c1
      .call("events.register", { event: "no-such-event" })
      .catch((e) => e)) as ApiClientError;
    expect(unknown.message).toMatch(
      /unknown event "no-such-event"; expected "\*" or one of: lifecycle/,
    );
    const noDomain = (await c1
      .call("domains.stop", { domain: "vm9" })
      .catch((e) => e)) as ApiClientError;
    expect(noDomain.message).toBe('no domain named or with uuid "vm9"');
    const attached = (await c1
      .call("domains.stop", { domain: "vm1" })
      .catch((e) => e)) as ApiClientError;
    expect(attached.message).toMatch(/attached, not launched/);
    const media = (await c1
      .call("media.change", { domain: "vm1", alias: "cd0", eject: true })
      .catch((e) => e)) as ApiClientError;
    expect(media.message).toMatch(/need the tray plugin/);

    const deliveredBefore = d.daemon.events.stats.delivered;
    const seen: ApiNotification[] = [];
    c2.onNotification((n) => seen.push(n));
    await c2.call("events.register", { domain: "vm1" });
    c1.close();
    await waitFor(
      () => d.daemon.events.stats.queued >= 0 && d.daemon.domains.list().length === 1,
      "c1 gone",
    );
    await waitFor(
      async () => (await c2.call("domains.list")) !== undefined,
      "daemon still serving",
    );
    // c1's registration went with it: a lifecycle event now reaches only c2's wildcard one.
    a.emitEvent("STOP");
    await waitFor(() => seen.length === 1, "c2 to get the suspended event");
    expect(seen[0]).toMatchObject({
      method: "event",
      params: { event: "lifecycle", data: { event: "suspended" } },
    });
    expect(d.daemon.events.stats.delivered - deliveredBefore).toBe(1);
  });
});

describe("virteventd start failures", () => {
  it("binds the API socket before launching anything: a bad socket directory launches no QEMU", async () => {
    const { dir, file } = writeConfig({});
    const { mkdirSync, existsSync } = await import("node:fs");
    mkdirSync(join(dir, "shared"), { mode: 0o755 });
    const config = parseConfig(
      {
        stateDir: "state",
        apiSocket: { path: "shared/api.sock" },
        logLevel: "silent",
        domains: [{ name: "never", launch: { binary: "/nonexistent/qemu", args: [] } }],
      },
      file,
      dir,
    );
    const d = new Virteventd(config, { logger: pino({ level: "silent" }) });
    await expect(d.start()).rejects.toThrow(/has mode 0755/);
    expect(existsSync(join(dir, "state", "run"))).toBe(false);
  });
});

describe("virteventd reload with the nic-rx-filter plugin", () => {
  it("resyncs a NIC whose trust a reload turned on (row 20)", async () => {
    const a = await fake();
    const base = {
      stateDir: "state",
      apiSocket: { path: "run/api.sock" },
      logLevel: "error",
      plugins: [{ package: "@virtevent/plugin-nic-rx-filter" }],
    };
    // Untrusted: the connect-time resync must not query the guest's filter for this NIC.
    const { d, file } = await startDaemon({
      ...base,
      domains: [{ name: "vm1", qmp: a.path, devices: { nics: [nic(false)] } }],
    });
    await waitFor(() => d.daemon.domains.get("vm1")?.state === "running", "vm1 running");
    await waitFor(
      () => d.daemon.workers.stats().running === 0 && d.daemon.workers.stats().queued === 0,
      "connect hooks done",
    );
    expect(a.commands.map((c) => c.command)).not.toContain("query-rx-filter");

    // Trusted by reload: the daemon resyncs the NIC, which starts with query-rx-filter.
    const queried = a.waitForCommand("query-rx-filter");
    writeFileSync(
      file,
      JSON.stringify({
        ...base,
        domains: [{ name: "vm1", qmp: a.path, devices: { nics: [nic(true)] } }],
      }),
    );
    await d.reload();
    const cmd = await queried;
    expect(cmd.args).toEqual({ name: "net0" });
  });
});

describe("virteventd metrics", () => {
  it("serves Prometheus metrics read from the live counters on loopback", async () => {
    const a = await fake();
    const { d } = await startDaemon({
      stateDir: "state",
      apiSocket: { path: "run/api.sock" },
      logLevel: "silent",
      metrics: { host: "127.0.0.1", port: 0 },
      domains: [{ name: "vm1", qmp: a.path }],
    });
    await waitFor(() => d.daemon.domains.get("vm1")?.state === "running", "vm1 running");
    a.emitEvent("FUTURE_EVENT", { x: 1 });
    const addr = d.metricsAddress;
    expect(addr?.host).toBe("127.0.0.1");
    let text = "";
    await waitFor(async () => {
      text = await (await fetch(`http://127.0.0.1:${addr?.port}/metrics`)).text();
      return text.includes('virtevent_qmp_events_total{domain="vm1",event="FUTURE_EVENT"} 1');
    }, "the event to be counted");
    expect(text).toContain('virtevent_domains{state="running"} 1');
    expect(text).toMatch(/virtevent_qmp_commands_total\{domain="vm1",outcome="succeeded"\} [1-9]/);
    expect(text).toContain("virtevent_api_clients 0");
    const missing = await fetch(`http://127.0.0.1:${addr?.port}/other`);
    expect(missing.status).toBe(404);
  });
});
