import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSilentLogger } from "@virtevent/core";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { ApiConnection } from "../api/api-connection.js";
import { ApiServer, apiMethod } from "../api/api-server.js";
import { runVirteventCli } from "./virtevent-cli.js";

const servers: ApiServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

interface Registration {
  conn: ApiConnection;
  callbackId: number;
  event?: string;
  domain?: string;
}

/** A daemon stand-in serving the CLI's methods on a real socket. */
async function fakeDaemon() {
  const path = join(mkdtempSync(join(tmpdir(), "virtevent-cli-")), "run", "api.sock");
  const registrations: Registration[] = [];
  const mediaCalls: unknown[] = [];
  let nextId = 1;
  const server = new ApiServer({
    path,
    access: { mode: 0o600 },
    logger: createSilentLogger(),
    methods: new Map([
      [
        "domains.list",
        apiMethod(z.object({}), () => ({
          domains: [
            {
              name: "vm1",
              uuid: "11111111-2222-3333-4444-555555555555",
              state: "running",
              devices: {},
            },
          ],
        })),
      ],
      [
        "events.register",
        apiMethod(
          z.object({ event: z.string().optional(), domain: z.string().optional() }),
          (p, conn) => {
            const callbackId = nextId++;
            registrations.push({ conn, callbackId, ...p });
            return { callbackId };
          },
        ),
      ],
      [
        "domains.stop",
        apiMethod(z.object({ domain: z.string() }), (p) => {
          if (p.domain !== "vm1")
            throw Object.assign(new Error(`no domain named or with uuid "${p.domain}"`), {
              code: "X",
            });
          return { stopped: p.domain };
        }),
      ],
      [
        "media.change",
        apiMethod(z.record(z.string(), z.unknown()), (p) => {
          mediaCalls.push(p);
          return { changed: true };
        }),
      ],
    ]),
  });
  await server.listen();
  servers.push(server);
  const emit = (event: string, data: unknown) => {
    for (const r of registrations) {
      if (r.event && r.event !== event) continue;
      r.conn.notify("event", {
        callbackId: r.callbackId,
        domain: { name: "vm1", uuid: "11111111-2222-3333-4444-555555555555" },
        event,
        data,
        timestamp: "2026-11-21T08:00:00.000Z",
      });
    }
  };
  return { path, registrations, mediaCalls, emit };
}

async function cli(args: string[], path?: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runVirteventCli(path ? ["--socket", path, ...args] : args, {
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
    env: {},
  });
  return { code, out, err };
}

describe("virtevent CLI", () => {
  it("lists domains", async () => {
    const d = await fakeDaemon();
    const r = await cli(["domains"], d.path);
    expect(r.code).toBe(0);
    expect(r.out).toEqual(["vm1\trunning\t11111111-2222-3333-4444-555555555555"]);
  });

  it("prints events as lines, or as JSON, and stops after --count", async () => {
    const d = await fakeDaemon();
    const human = cli(["events", "--event", "tray-change", "--count", "2"], d.path);
    const json = cli(["events", "--json", "--count", "1"], d.path);
    await expect.poll(() => d.registrations.length).toBe(2);
    expect(d.registrations.map((r) => r.event)).toEqual(
      expect.arrayContaining(["tray-change", undefined]),
    );
    d.emit("tray-change", { devAlias: "cd0", reason: "open" });
    d.emit("tray-change", { devAlias: "cd0", reason: "close" });
    const h = await human;
    const j = await json;
    expect(h.code).toBe(0);
    expect(h.err).toEqual(["virtevent: listening for events"]);
    expect(h.out).toEqual([
      "2026-11-21T08:00:00.000Z event 'tray-change' for domain 'vm1': devAlias=cd0 reason=open",
      "2026-11-21T08:00:00.000Z event 'tray-change' for domain 'vm1': devAlias=cd0 reason=close",
    ]);
    expect(JSON.parse(j.out[0])).toMatchObject({
      event: "tray-change",
      data: { devAlias: "cd0", reason: "open" },
    });
  });

  it("stops following events after --timeout", async () => {
    const d = await fakeDaemon();
    const r = await cli(["events", "--timeout", "0.2"], d.path);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([]);
  });

  it("sends change-media with the chosen action", async () => {
    const d = await fakeDaemon();
    const r = await cli(
      ["change-media", "vm1", "cd0", "--insert", "/tmp/a.iso", "--force"],
      d.path,
    );
    expect(r.code).toBe(0);
    expect(d.mediaCalls).toEqual([
      { domain: "vm1", alias: "cd0", insert: "/tmp/a.iso", force: true },
    ]);
  });

  it("stops a domain, and reports a failure with exit code 1", async () => {
    const d = await fakeDaemon();
    expect(await cli(["stop", "vm1"], d.path)).toMatchObject({ code: 0, out: ["vm1: stopped"] });
    const bad = await cli(["stop", "vm9"], d.path);
    expect(bad.code).toBe(1);
    expect(bad.err).toEqual(['virtevent: no domain named or with uuid "vm9"']);
  });

  it.each([
    [["change-media", "vm1", "cd0"], "exactly one of --eject or --insert"],
    [
      ["change-media", "vm1", "cd0", "--eject", "--insert", "x"],
      "exactly one of --eject or --insert",
    ],
    [["events", "--count", "0"], "--count must be a positive integer"],
    [["events", "--timeout", "soon"], "--timeout must be a positive number"],
    [["frobnicate"], "unknown command"],
  ])("rejects bad usage %j with exit code 2", async (args, message) => {
    const d = await fakeDaemon();
    const r = await cli(args, d.path);
    expect(r.code).toBe(2);
    expect(r.err.join("\n")).toContain(message);
  });

  it("says the daemon is not running, with exit code 1", async () => {
    const r = await cli(["domains"], join(tmpdir(), "virtevent-no-such-dir", "api.sock"));
    expect(r.code).toBe(1);
    expect(r.err.join("\n")).toMatch(/virteventd is not running/);
  });
});
