// The raw baseline client: a `net` socket, a line split and JSON.parse, nothing else (no
// framing limits, no schema, no event table). Every "raw" figure of the suite uses it.
import { connect, type Socket } from "node:net";
import { splitLines } from "./wire.js";

/** A parsed QMP message as the raw client sees it. */
export type RawMessage = {
  event?: string;
  data?: Record<string, unknown>;
  return?: unknown;
  id?: unknown;
  QMP?: unknown;
};

/** A raw QMP connection: negotiated, then every parsed message goes to `onMessage`. */
export interface RawQmp {
  socket: Socket;
  send(command: string, args?: Record<string, unknown>): void;
  close(): void;
}

/**
 * Connects to `path`, waits for the greeting, negotiates capabilities, then hands every
 * message to `onMessage`. Resolves once negotiated.
 */
export function connectRaw(path: string, onMessage: (m: RawMessage) => void): Promise<RawQmp> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.setEncoding("utf8");
    let phase: "greeting" | "negotiating" | "ready" = "greeting";
    let nextId = 1;
    const raw: RawQmp = {
      socket,
      send(command, args) {
        const msg = args
          ? { execute: command, arguments: args, id: nextId++ }
          : { execute: command, id: nextId++ };
        socket.write(`${JSON.stringify(msg)}\n`);
      },
      close() {
        socket.destroy();
      },
    };
    const state = { tail: "" };
    socket.on("error", reject);
    socket.on("data", (chunk: string) =>
      splitLines(state, chunk, (line) => {
        const m = JSON.parse(line) as RawMessage;
        if (phase === "ready") {
          onMessage(m);
        } else if (phase === "greeting" && m.QMP !== undefined) {
          phase = "negotiating";
          raw.send("qmp_capabilities");
        } else if (phase === "negotiating" && m.return !== undefined) {
          phase = "ready";
          socket.removeListener("error", reject);
          socket.on("error", () => {});
          resolve(raw);
        }
      }),
    );
  });
}
