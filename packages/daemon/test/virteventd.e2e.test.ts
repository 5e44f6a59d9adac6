import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NodeEventLoop } from "@virtevent/core";
import { connectQmp, type QmpEvent } from "@virtevent/qmp";
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
  stopReason?: string;
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

describe.runIf(requireQemu())("virteventd with the tray plugin on a launched QEMU", () => {
  it("delivers TRAY_CHANGE to virtevent events --json, resyncs a tray moved while it was down, and reports SIGKILL", {
    timeout: 120_000,
  }, async () => {
    const { file, dir } = writeConfig({
      stateDir: "state",
      apiSocket: { path: "run/api.sock" },
      logLevel: "warn",
      plugins: [{ package: "@virtevent/plugin-tray" }],
      domains: [
        { name: "tray", launch: { args: QEMU_ARGS }, devices: { disks: [{ alias: "cd0" }] } },
      ],
    });
    const socket = join(dir, "run/api.sock");
    const stateDir = join(dir, "state");
    let listed: Listed[] = [];
    const paused = async () => {
      listed = await domains(socket);
      return listed[0]?.state === "paused";
    };
    const follow = async (args: string[]) => {
      const p = start("virtevent", ["--socket", socket, "events", "--json", ...args]);
      await waitFor(
        () => p.stderr.includes("virtevent: listening for events"),
        "the events client to register",
      );
      return p;
    };
    const parse = (p: Proc) =>
      p.stdout.map((l) => JSON.parse(l) as { event: string; data: Record<string, unknown> });

    // 1. TRAY_CHANGE through the API socket while the daemon runs.
    const first = start("virteventd", ["--config", file]);
    await waitFor(paused, "the launched domain", 20_000, () => first.stderr.join("\n"));
    const uuid = listed[0].uuid;
    const pid = launchPid(stateDir, uuid);
    qemuPids.push(pid);
    const live = await follow(["--event", "tray-change", "--count", "2", "--timeout", "30"]);
    const image = join(dir, "disc.iso");
    writeFileSync(image, Buffer.alloc(1024 * 1024));
    const changed = await cli([
      "--socket",
      socket,
      "change-media",
      "tray",
      "cd0",
      "--insert",
      image,
    ]);
    expect(changed.code).toBe(0);
    expect(await live.exited).toBe(0);
    expect(parse(live).map((e) => e.data)).toEqual([
      { devAlias: "cd0", reason: "open" },
      { devAlias: "cd0", reason: "close" },
    ]);

    // 2. Stop the daemon; move the tray while nobody watches, holding QEMU's only QMP connection.
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    const loop = new NodeEventLoop();
    const seen: QmpEvent[] = [];
    const raw = await connectQmp(
      { path: join(stateDir, "run", "tray.qmp") },
      { loop, onEvent: (e) => seen.push(e) },
    );
    await raw.execute("blockdev-open-tray", { id: "cd0" });
    await waitFor(() => seen.some((e) => e.name === "DEVICE_TRAY_MOVED"), "the tray to open");

    // 3. Restart; subscribe before the daemon can reach QEMU, then let it in: exactly one event.
    const second = start("virteventd", ["--config", file]);
    await waitFor(async () => (await domains(socket)).length === 1, "the restarted daemon's API");
    const resync = await follow(["--event", "tray-change", "--timeout", "8"]);
    raw.close();
    await loop.close();
    expect(await resync.exited).toBe(0);
    expect(parse(resync).map((e) => e.data)).toEqual([{ devAlias: "cd0", reason: "open" }]);
    expect(launchPid(stateDir, uuid)).toBe(pid);

    // 4. SIGKILL QEMU: lifecycle stopped { crashed }.
    const lifecycle = await follow(["--event", "lifecycle", "--count", "1", "--timeout", "20"]);
    process.kill(pid, "SIGKILL");
    expect(await lifecycle.exited).toBe(0);
    expect(parse(lifecycle)[0].data).toMatchObject({ event: "stopped", reason: "crashed" });
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });
});

describe.runIf(requireQemu())("virteventd when QEMU dies while it is down", () => {
  it("reports the domain stopped (crashed) without restarting it; start and stop work", {
    timeout: 120_000,
  }, async () => {
    const { file, dir } = writeConfig({
      stateDir: "state",
      apiSocket: { path: "run/api.sock" },
      logLevel: "warn",
      domains: [{ name: "lost", launch: { args: QEMU_ARGS } }],
    });
    const socket = join(dir, "run/api.sock");
    let listed: Listed[] = [];
    const stateIs = (state: string) => async () => {
      listed = await domains(socket);
      return listed[0]?.state === state;
    };
    const first = start("virteventd", ["--config", file]);
    await waitFor(stateIs("paused"), "the launched domain", 20_000, () => first.stderr.join("\n"));
    const pid = launchPid(join(dir, "state"), listed[0].uuid);
    qemuPids.push(pid);
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    process.kill(pid, "SIGKILL");

    const second = start("virteventd", ["--config", file]);
    await waitFor(stateIs("stopped"), "the domain reported stopped", 20_000, () =>
      second.stderr.join("\n"),
    );
    expect(listed[0]).toMatchObject({ name: "lost", state: "stopped", stopReason: "crashed" });

    const started = await cli(["--socket", socket, "start", "lost"]);
    expect(started).toMatchObject({ code: 0, out: ["lost: started"] });
    await waitFor(stateIs("paused"), "the restarted domain");
    const pid2 = launchPid(join(dir, "state"), listed[0].uuid);
    qemuPids.push(pid2);
    expect(pid2).not.toBe(pid);
    const stopped = await cli(["--socket", socket, "stop", "lost"]);
    expect(stopped).toMatchObject({ code: 0, out: ["lost: stopped"] });
    await waitFor(stateIs("stopped"), "the stopped domain");
    expect(listed[0].stopReason).toBe("destroyed");
    // Gone for good (the daemon reaps its child a moment after it exits).
    await waitFor(() => {
      try {
        process.kill(pid2, 0);
        return false;
      } catch {
        return true;
      }
    }, "the stopped QEMU to be reaped");
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });
});
