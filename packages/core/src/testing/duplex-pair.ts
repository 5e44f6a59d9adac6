import { Duplex } from "node:stream";

/**
 * One side of an in-memory duplex pair: what is written here becomes readable on the peer at
 * once (synchronously), in paused mode, as a socket would.
 */
export class MemoryDuplex extends Duplex {
  /** @internal */
  peer: MemoryDuplex | undefined;

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const peer = this.peer;
    if (!peer || peer.destroyed) {
      cb(new Error("peer closed"));
      return;
    }
    peer.push(chunk);
    cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.peer?.push(null);
    cb();
  }

  /** Makes this side fail with `error`, as a socket reset would (the peer sees a hangup). */
  fail(error: Error): void {
    this.destroy(error);
    this.peer?.push(null);
  }
}

/**
 * Two connected in-memory streams, for driving handles on any loop without sockets.
 *
 * @example
 * const [ours, theirs] = createDuplexPair();
 * loop.addHandle(ours, HandleEvents.READABLE, (_w, s) => s.read());
 * theirs.write("hello\n");
 */
export function createDuplexPair(): [MemoryDuplex, MemoryDuplex] {
  const a = new MemoryDuplex({ allowHalfOpen: true });
  const b = new MemoryDuplex({ allowHalfOpen: true });
  a.peer = b;
  b.peer = a;
  return [a, b];
}
