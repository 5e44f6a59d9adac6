// Child process of the row-22 test (named *.test.* so it is not published): writes state in
// a tight loop and prints every round whose writes resolved, until it is killed.
import { pino } from "pino";
import { FileStateStore } from "./file-state-store.js";

/** Padding that makes each write take a while, so a kill lands inside one. */
const PAD_CHARS = 64 * 1024;

const [dir, ...domains] = process.argv.slice(2);
const store = new FileStateStore({ dir, logger: pino({ level: "silent" }) });
await store.load();
const first = Number(store.get(domains[0], "round") ?? 0) + 1;
for (let round = first; ; round++) {
  const writes: Array<Promise<void>> = [];
  for (const domain of domains) {
    writes.push(store.set(domain, "round", round));
    writes.push(store.set(domain, "record", { round, pad: String(round % 10).repeat(PAD_CHARS) }));
  }
  await Promise.all(writes);
  process.stdout.write(`${round}\n`);
}
