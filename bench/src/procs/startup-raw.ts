// The start-up baseline: a plain Node process that connects to every socket listed in the JSON
// file argv[2] (none when absent) with the raw client, negotiates, then prints "ready" on
// stdout. It is spawned like virteventd (no IPC channel, which `fork` would add), so both
// start-up figures pay the same process start.
import { readFileSync } from "node:fs";
import { connectRaw } from "../lib/raw-qmp.js";

const file = process.argv[2];
const paths: string[] = file ? (JSON.parse(readFileSync(file, "utf8")) as string[]) : [];
// All at once, like virteventd's monitors (each waits for its greeting on its own).
const clients = await Promise.all(paths.map((p) => connectRaw(p, () => {})));
process.stdout.write("ready\n");

// Stay up like a daemon until told to stop.
process.on("SIGTERM", () => {
  for (const c of clients) c.close();
  process.exit(0);
});
setInterval(() => {}, 1 << 30);
