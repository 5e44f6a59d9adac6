import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import type { EventLoopImpl } from "../loop/event-loop-impl.js";
import { createDuplexPair } from "./duplex-pair.js";
import { ManualEventLoop } from "./manual-event-loop.js";

/** Upper bound a real-time driver waits for a condition before the test fails. */
const REAL_TIME_WAIT_MS = 3000;

/**
 * How the conformance suite runs a loop: create it, let it turn, let time pass, and make
 * connected streams for it to watch.
 */
export interface EventLoopDriver<L extends EventLoopImpl = EventLoopImpl> {
  create(): L;
  /** Lets the loop run at least one full turn with pending I/O delivered. */
  turn(loop: L): Promise<void>;
  /** Lets `ms` milliseconds of loop time pass, with turns along the way. */
  advance(loop: L, ms: number): Promise<void>;
  /** Runs turns until `cond()` holds; throws when it never does. */
  until(loop: L, cond: () => boolean, what: string): Promise<void>;
  /** A connected pair: [the end a loop watches, the peer the test drives]. */
  pair(): Promise<[Duplex, Duplex]>;
  /** Releases what `pair()` created. */
  cleanup(): Promise<void>;
}

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Driver for loops that run by themselves on real time (like `NodeEventLoop`), with real unix
 * socket pairs.
 */
export function realTimeLoopDriver<L extends EventLoopImpl>(create: () => L): EventLoopDriver<L> {
  const dirs: string[] = [];
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  return {
    create,
    async turn() {
      await sleep(5);
      for (let i = 0; i < 3; i++) await immediate();
    },
    async advance(_loop, ms) {
      await sleep(ms);
      await immediate();
    },
    async until(_loop, cond, what) {
      const deadline = Date.now() + REAL_TIME_WAIT_MS;
      while (!cond()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
        await sleep(1);
      }
    },
    async pair() {
      const dir = mkdtempSync(join(tmpdir(), "virtevent-loop-"));
      dirs.push(dir);
      const path = join(dir, "s.sock");
      const server = createServer({ allowHalfOpen: true });
      servers.push(server);
      const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
      await new Promise<void>((resolve) => server.listen(path, resolve));
      const ours = createConnection({ path, allowHalfOpen: true });
      await new Promise<void>((resolve, reject) => {
        ours.once("connect", resolve);
        ours.once("error", reject);
      });
      const theirs = await accepted;
      sockets.push(ours, theirs);
      return [ours, theirs];
    },
    async cleanup() {
      for (const s of sockets.splice(0)) s.destroy();
      await Promise.all(
        servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
      );
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

/**
 * Driver for `ManualEventLoop`: turns and time only move when told to. `wrap` lets a loop that
 * decorates a manual loop (an instrumented wrapper, say) run the suite on virtual time.
 */
export function manualLoopDriver(
  options: { wrap?: (inner: ManualEventLoop) => EventLoopImpl } = {},
): EventLoopDriver {
  const inners = new WeakMap<EventLoopImpl, ManualEventLoop>();
  const innerOf = (loop: EventLoopImpl): ManualEventLoop => {
    const inner = inners.get(loop);
    if (!inner) throw new Error("manualLoopDriver: loop was not created by this driver");
    return inner;
  };
  return {
    create() {
      const inner = new ManualEventLoop();
      const loop = options.wrap ? options.wrap(inner) : inner;
      inners.set(loop, inner);
      return loop;
    },
    async turn(loop) {
      const inner = innerOf(loop);
      await inner.settle();
      inner.runOnce();
    },
    async advance(loop, ms) {
      const inner = innerOf(loop);
      await inner.settle();
      inner.advance(ms);
    },
    async until(loop, cond, what) {
      const inner = innerOf(loop);
      for (let i = 0; i < 1000 && !cond(); i++) {
        await inner.settle();
        if (inner.runOnce() > 0) continue;
        // Nothing was ready: jump virtual time to the next timer deadline, if any.
        const next = inner.nextDeadline();
        if (next !== undefined) inner.advance(next - inner.now());
      }
      if (!cond()) throw new Error(`never happened within 1000 turns: ${what}`);
    },
    async pair() {
      return createDuplexPair();
    },
    async cleanup() {},
  };
}
