import { readFileSync } from "node:fs";
import { join } from "node:path";
import { requireQemu } from "@virtevent/qmp/testing";
import { afterEach, describe, expect, it } from "vitest";
import { type Proc, run, waitFor, writeConfig } from "./support/binaries.js";

const QEMU_ARGS = [
  "-M",
  "q35",
  "-nodefaults",
  "-display",
  "none",
  "-S",
  "-accel",
  "tcg",
  "-device",
  "ide-cd,id=cd0,bus=ide.0",
];

const procs: Proc[] = [];
const qemuPids: number[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) {
    if (p.child.exitCode === null) {
      p.child.kill("SIGKILL");
      await p.exited;
    }
  }
  for (const pid of qemuPids.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

function start(bin: "virteventd" | "virtevent", args: string[]): Proc {
  const p = run(bin, args);
  procs.push(p);
  return p;
}

async function cli(args: string[]): Promise<{ code: number | null; out: string[]; err: string[] }> {
  const p = start("virtevent", args);
  const code = await p.exited;
  return { code, out: p.stdout, err: p.stderr };
}

interface Listed {
  name: string;
  uuid: string;
  state: string;
  incarnation: number;
}

async function domains(socket: string): Promise<Listed[]> {
  const r = await cli(["--socket", socket, "domains", "--json"]);
  return r.code === 0 ? (JSON.parse(r.out[0]) as Listed[]) : [];
}

/** The pid virteventd recorded for a launched domain in its state directory. */
function launchPid(stateDir: string, uuid: string): number {
  const file = readFileSync(join(stateDir, "state", `${uuid}.json`), "utf8");
  return (JSON.parse(file) as { entries: { "virteventd.launch": { pid: number } } }).entries[
    "virteventd.launch"
  ].pid;
}

describe("virteventd: configuration errors", () => {
  it("exits 2 naming the bad field, and starts nothing", async () => {
    const { file, dir } = writeConfig({
      stateDir: "state",
      apiSocket: { path: "run/api.sock" },
      domains: [
        {
          name: "vm1",
          qmp: "/tmp/x.qmp",
          devices: { nics: [{ alias: "net0", hostInterface: "bad name!" }] },
        },
      ],
    });
    const d = start("virteventd", ["--config", file]);
    expect(await d.exited).toBe(2);
    expect(d.stderr.join("\n")).toContain("config.domains[0].devices.nics[0].hostInterface");
    const ls = await cli(["--socket", join(dir, "run/api.sock"), "domains"]);
    expect(ls.code).toBe(1);
    expect(ls.err.join("\n")).toMatch(/virteventd is not running/);
  });

  it("exits 2 for an unknown flag and for a plugin that cannot be loaded", async () => {
    const flag = start("virteventd", ["--config", "x.json", "--frobnicate"]);
    expect(await flag.exited).toBe(2);
    const { file } = writeConfig({
      stateDir: "state",
      apiSocket: { path: "run/api.sock" },
      plugins: [{ package: "@virtevent/no-such-plugin" }],
    });
    const d = start("virteventd", ["--config", file]);
    expect(await d.exited).toBe(2);
    expect(d.stderr.join("\n")).toContain(
      'config.plugins[0].package: cannot import "@virtevent/no-such-plugin"',
    );
  });
});

describe.runIf(requireQemu())("virteventd with a launched QEMU", () => {
  it("launches QEMU, re-attaches after a daemon restart, and reports SIGKILL as stopped crashed", {
    timeout: 90_000,
  }, async () => {
    const { file, dir } = writeConfig({
      stateDir: "state",
      apiSocket: { path: "run/api.sock" },
      logLevel: "warn",
      domains: [
        { name: "e2e", launch: { args: QEMU_ARGS }, devices: { disks: [{ alias: "cd0" }] } },
      ],
    });
    const socket = join(dir, "run/api.sock");
    const stateDir = join(dir, "state");
    const first = start("virteventd", ["--config", file]);
    let listed: Listed[] = [];
    const paused = async () => {
      listed = await domains(socket);
      return listed[0]?.state === "paused";
    };
    await waitFor(paused, "the launched domain to be paused (-S)", 20_000, () =>
      first.stderr.join("\n"),
    );
    const uuid = listed[0].uuid;
    const pid = launchPid(stateDir, uuid);
    qemuPids.push(pid);

    // Restart the daemon: QEMU keeps running and is re-attached, not relaunched.
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    process.kill(pid, 0);
    const second = start("virteventd", ["--config", file]);
    await waitFor(paused, "re-attach after restart", 20_000, () => second.stderr.join("\n"));
    expect(launchPid(stateDir, uuid)).toBe(pid);

    const events = start("virtevent", [
      "--socket",
      socket,
      "events",
      "--json",
      "--event",
      "lifecycle",
      "--count",
      "1",
      "--timeout",
      "20",
    ]);
    await new Promise((r) => setTimeout(r, 300));
    process.kill(pid, "SIGKILL");
    expect(await events.exited).toBe(0);
    const ev = JSON.parse(events.stdout[0]) as {
      event: string;
      domain: { name: string };
      data: { event: string; reason: string };
    };
    expect(ev).toMatchObject({
      event: "lifecycle",
      domain: { name: "e2e" },
      data: { event: "stopped", reason: "crashed" },
    });
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });
});
