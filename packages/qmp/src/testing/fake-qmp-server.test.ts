import { createConnection, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { LineFramer } from "../protocol/line-framer.js";
import { FakeQmpServer } from "./fake-qmp-server.js";
import type { TranscriptEntry } from "./transcript.js";

/** A bare client: sends lines, collects the parsed lines it receives. */
async function client(server: FakeQmpServer) {
  const socket: Socket = createConnection(server.path);
  const received: Array<Record<string, unknown>> = [];
  const chunks: number[] = [];
  const framer = new LineFramer();
  socket.on("data", (c: Buffer) => {
    chunks.push(c.length);
    for (const l of framer.push(c)) received.push(JSON.parse(l));
  });
  await new Promise<void>((resolve) => socket.once("connect", resolve));
  const until = async (n: number) => {
    while (received.length < n) await new Promise((r) => setTimeout(r, 1));
  };
  return {
    socket,
    received,
    chunks,
    until,
    send: (o: unknown) => socket.write(`${JSON.stringify(o)}\n`),
  };
}

describe("FakeQmpServer", () => {
  let server: FakeQmpServer | undefined;
  afterEach(async () => {
    await server?.stop();
  });

  it("greets, negotiates and answers expected commands in FIFO order", async () => {
    server = await FakeQmpServer.start();
    server.expect("query-status", { return: { running: true } }, { args: { verbose: true } });
    server.expect("stop", (cmd) => ({ return: { echoed: cmd.id } }));
    const c = await client(server);
    c.send({ execute: "qmp_capabilities", id: 1 });
    c.send({ execute: "query-status", arguments: { verbose: true }, id: 2 });
    c.send({ execute: "stop", id: "x" });
    await c.until(4);
    expect(c.received[0]).toHaveProperty("QMP");
    expect(c.received.slice(1)).toEqual([
      { return: {}, id: 1 },
      { return: { running: true }, id: 2 },
      { return: { echoed: "x" }, id: "x" },
    ]);
    expect(() => server?.verify()).not.toThrow();
  });

  it("fails the test on an unexpected command, bad arguments, or a command never sent", async () => {
    const reported: string[] = [];
    server = await FakeQmpServer.start({ onFailure: (m) => reported.push(m) });
    server.expect(
      "eject",
      { return: {} },
      { args: (a) => (a?.force === true ? true : "force must be true") },
    );
    server.expect("never-sent", { return: {} });
    const c = await client(server);
    c.send({ execute: "qmp_capabilities", id: 1 });
    c.send({ execute: "eject", arguments: { force: false }, id: 2 });
    c.send({ execute: "surprise", id: 3 });
    await c.until(4);
    expect(c.received[2]).toMatchObject({ error: { class: "CommandNotFound" }, id: 2 });
    expect(reported).toHaveLength(2);
    expect(reported[0]).toContain("force must be true");
    expect(() => server?.verify()).toThrow(/never-sent never received/);
  });

  it("checks a verbatim line and sends a verbatim reply with the id filled in", async () => {
    server = await FakeQmpServer.start();
    server.expect(
      "query-block",
      { raw: '{"return": [], "id": %ID%}\r\n{"event": "X"}' },
      { verbatim: '{"execute":"query-block","id":%ID%}' },
    );
    const c = await client(server);
    c.send({ execute: "qmp_capabilities", id: 1 });
    c.send({ execute: "query-block", id: "q" });
    await c.until(4);
    expect(c.received.slice(2)).toEqual([{ return: [], id: "q" }, { event: "X" }]);
    server.verify();
  });

  it("holds commands while stalled and answers them on resume", async () => {
    server = await FakeQmpServer.start();
    server.expect("a", { return: 1 });
    const c = await client(server);
    c.send({ execute: "qmp_capabilities", id: 1 });
    await c.until(2);
    server.stall();
    c.send({ execute: "a", id: 2 });
    await new Promise((r) => setTimeout(r, 20));
    expect(c.received).toHaveLength(2);
    server.resume();
    await c.until(3);
    expect(c.received[2]).toEqual({ return: 1, id: 2 });
  });

  it("writes in chunks of the given sizes", async () => {
    server = await FakeQmpServer.start({ greeting: "none" });
    const c = await client(server);
    await server.waitForConnection();
    await server.writeChunks('{"event": "A"}\r\n{"event": "B"}\r\n', [3, 10]);
    await c.until(2);
    expect(c.received).toEqual([{ event: "A" }, { event: "B" }]);
    expect(c.chunks.reduce((a, b) => a + b, 0)).toBe(32);
  });

  it("replays a transcript, waiting for each recorded command and reusing the live id", async () => {
    const transcript: TranscriptEntry[] = [
      { t: 0, dir: "rx", msg: { QMP: { version: {}, capabilities: [] } } },
      { t: 1, dir: "tx", msg: { execute: "qmp_capabilities", id: "r-1" } },
      { t: 2, dir: "rx", msg: { return: {}, id: "r-1" } },
      { t: 3, dir: "tx", msg: { execute: "eject", arguments: { id: "cd0" }, id: "r-2" } },
      { t: 4, dir: "rx", msg: { event: "DEVICE_TRAY_MOVED", data: { id: "cd0" } } },
      { t: 5, dir: "rx", msg: { return: {}, id: "r-2" } },
    ];
    server = await FakeQmpServer.start({ transcript });
    const c = await client(server);
    await c.until(1);
    c.send({ execute: "qmp_capabilities", id: 10 });
    await c.until(2);
    await new Promise((r) => setTimeout(r, 20));
    expect(c.received).toHaveLength(2); // the event waits for its command
    c.send({ execute: "eject", arguments: { id: "cd0" }, id: 11 });
    await server.transcriptDone;
    await c.until(4);
    expect(c.received.slice(1)).toEqual([
      { return: {}, id: 10 },
      { event: "DEVICE_TRAY_MOVED", data: { id: "cd0" } },
      { return: {}, id: 11 },
    ]);
    server.verify();
  });
});
