import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type ConfigError, isDaemonError } from "../daemon-error.js";
import { loadConfig, parseConfig } from "./load-config.js";

const minimal = { stateDir: "/var/lib/virtevent", apiSocket: { path: "/run/virtevent/api.sock" } };

function issuesOf(raw: unknown): string[] {
  try {
    parseConfig(raw, "test.json", "/etc/virtevent");
  } catch (e) {
    if (isDaemonError(e, "DAEMON_ERR_CONFIG")) return [...(e as ConfigError).issues];
    throw e;
  }
  throw new Error("config was accepted");
}

describe("parseConfig", () => {
  it("fills defaults and resolves relative paths against the config's folder", () => {
    const c = parseConfig(
      { ...minimal, stateDir: "state", domains: [{ name: "vm1", qmp: "vm1.qmp" }] },
      "t",
      "/etc/virtevent",
    );
    expect(c.eventLoop).toBe("node");
    expect(c.logLevel).toBe("info");
    expect(c.apiSocket.mode).toBe("0600");
    expect(c.stateDir).toBe("/etc/virtevent/state");
    expect(c.stateFsync).toBe(false);
    expect(c.domains[0].qmp).toBe("/etc/virtevent/vm1.qmp");
    expect(c.domains[0].devices).toEqual({ disks: [], nics: [] });
  });

  it("defaults a NIC to untrusted guest rx filters", () => {
    const c = parseConfig(
      {
        ...minimal,
        domains: [
          { name: "vm1", qmp: "/q", devices: { nics: [{ alias: "net0", hostInterface: "tap0" }] } },
        ],
      },
      "t",
    );
    expect(c.domains[0].devices.nics[0].trustGuestRxFilters).toBe(false);
  });

  it.each([
    [{ ...minimal, stateDir: 3 }, "config.stateDir:"],
    [{ ...minimal, stateFsync: "yes" }, "config.stateFsync:"],
    [{ ...minimal, bogus: true }, 'config: Unrecognized key: "bogus"'],
    [{ ...minimal, logLevel: "loud" }, "config.logLevel:"],
    [{ ...minimal, apiSocket: { path: "/s", mode: "0777" } }, "config.apiSocket.mode:"],
    [
      { ...minimal, apiSocket: { path: "/s", mode: "0660" } },
      'config.apiSocket.group: mode "0660" needs a "group"',
    ],
    [{ ...minimal, domains: [{ name: "vm 1", qmp: "/q" }] }, "config.domains[0].name:"],
    [{ ...minimal, domains: [{ name: "vm1" }] }, 'config.domains[0].qmp: exactly one of "qmp"'],
    [
      { ...minimal, domains: [{ name: "vm1", qmp: "/q", launch: { args: [] } }] },
      'config.domains[0].qmp: exactly one of "qmp"',
    ],
    [
      {
        ...minimal,
        domains: [
          {
            name: "vm1",
            qmp: "/q",
            devices: { nics: [{ alias: "net0", hostInterface: "a;rm -rf /" }] },
          },
        ],
      },
      "config.domains[0].devices.nics[0].hostInterface: a Linux interface name",
    ],
    [
      {
        ...minimal,
        domains: [
          { name: "vm1", qmp: "/a" },
          { name: "vm1", qmp: "/b" },
        ],
      },
      'config.domains[1].name: duplicate domain name "vm1" (also domains[0])',
    ],
    [{ ...minimal, metrics: { host: "0.0.0.0", port: 9100 } }, "config.metrics.host:"],
  ])("names the bad field: %j", (raw, expected) => {
    const issues = issuesOf(raw);
    expect(issues.some((i) => i.startsWith(expected))).toBe(true);
  });
});

describe("loadConfig", () => {
  const dir = mkdtempSync(join(tmpdir(), "virtevent-config-"));

  it("reports a missing file and bad JSON as configuration errors", async () => {
    await expect(loadConfig(join(dir, "absent.json"))).rejects.toThrow(/cannot read the file/);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{ not json");
    await expect(loadConfig(bad)).rejects.toThrow(/not valid JSON/);
  });

  it("loads a valid file", async () => {
    const file = join(dir, "ok.json");
    writeFileSync(file, JSON.stringify({ ...minimal, stateDir: "s" }));
    const c = await loadConfig(file);
    expect(c.stateDir).toBe(join(dir, "s"));
  });
});
