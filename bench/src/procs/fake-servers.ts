// A separate process of fake QMP servers (one unix socket each), so that producing the events
// never shares the measured process's event loop. Speaks QEMU's exact wire format.
import { rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { type Message, onMessages, reply } from "../lib/child.js";
import { BLAST_COMMAND, burst, GREETING, replyLine, replyTo, splitLines } from "../lib/wire.js";

const servers: Server[] = [];
const connections = new Set<Socket>();
const bursts = new Map<string, Buffer>();

function burstOf(count: number, endAlias?: string): Buffer {
  const key = `${count}/${endAlias}`;
  let b = bursts.get(key);
  if (!b) {
    b = burst(count, endAlias);
    bursts.set(key, b);
  }
  return b;
}

function serve(socket: Socket): void {
  connections.add(socket);
  socket.on("close", () => connections.delete(socket));
  socket.on("error", () => {});
  socket.setEncoding("utf8");
  const state = { tail: "" };
  socket.on("data", (chunk: string) =>
    splitLines(state, chunk, (line) => {
      const cmd = JSON.parse(line) as {
        execute: string;
        arguments?: { count?: number; end?: string };
        id?: unknown;
      };
      socket.write(replyLine(replyTo(cmd.execute), cmd.id));
      if (cmd.execute === BLAST_COMMAND)
        socket.write(burstOf(cmd.arguments?.count ?? 1000, cmd.arguments?.end));
    }),
  );
  socket.write(GREETING);
}

async function listen(dir: string, count: number): Promise<string[]> {
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const path = join(dir, `d${i}.sock`);
    rmSync(path, { force: true });
    const server = createServer(serve);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => resolve());
    });
    servers.push(server);
    paths.push(path);
  }
  return paths;
}

onMessages(
  async (m: Message) => {
    if (m.type === "listen") {
      const paths = await listen(m.dir as string, m.count as number);
      reply({ type: "listening", paths });
    } else if (m.type === "blast") {
      // Every connection gets the same burst (the scale workload's "events spread across them").
      const data = burstOf(m.perConnection as number);
      for (const s of connections) s.write(data);
      reply({ type: "blasted", connections: connections.size });
    } else if (m.type === "drop-connections") {
      for (const s of connections) s.destroy();
      reply({ type: "dropped" });
    }
  },
  async () => {
    for (const s of connections) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  },
);
reply({ type: "started" });
