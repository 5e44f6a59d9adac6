import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EventLoopImpl, HandleEvents } from "@virtevent/core";

/** What one echo session observed. */
export interface EchoResult {
  sent: number;
  echoed: number;
  ticks: number;
}

/**
 * Runs a small line-echo conversation over a real unix socket, with both ends watched as
 * handles on `loop` and a periodic timeout ticking beside them: the server side reads lines
 * and writes them back, the client side counts echoes. Resolves when every line came back.
 */
export async function runEchoSession(loop: EventLoopImpl, lines: number): Promise<EchoResult> {
  const dir = mkdtempSync(join(tmpdir(), "virtevent-echo-"));
  const path = join(dir, "echo.sock");
  const server = createServer();
  const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const client = createConnection(path);
  const serverSide = await accepted;
  let ticks = 0;
  let echoed = 0;
  try {
    return await new Promise<EchoResult>((resolve, reject) => {
      const tick = loop.addTimeout(1, () => ticks++);
      const echo = loop.addHandle(serverSide, HandleEvents.READABLE, (_w, s) => {
        for (let chunk = s.read(); chunk !== null; chunk = s.read()) s.write(chunk);
      });
      let pending = "";
      const reader = loop.addHandle(client, HandleEvents.READABLE, (_w, s, events, error) => {
        if (events & HandleEvents.ERROR) reject(error);
        for (let chunk = s.read(); chunk !== null; chunk = s.read()) pending += String(chunk);
        const parts = pending.split("\n");
        pending = parts.pop() ?? "";
        echoed += parts.length;
        if (echoed === lines) {
          loop.removeHandle(reader);
          loop.removeHandle(echo);
          loop.removeTimeout(tick);
          resolve({ sent: lines, echoed, ticks });
        }
      });
      for (let i = 0; i < lines; i++) client.write(`line ${i}\n`);
    });
  } finally {
    client.destroy();
    serverSide.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
}
