// `node --expose-gc bench/dist/heap-summary.js [DOMAINS]`: attaches an embedded daemon (core +
// qmp + the bench plugins) to DOMAINS fake servers (default 1000), collects garbage, takes a V8
// heap snapshot and prints the heap by constructor, as markdown. Run it with 1 and with 1000
// domains to split the scale workload's RSS into a fixed part and a per-domain part.
import "reflect-metadata";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";
import { makeTmp, startFakeServers } from "./lib/context.js";
import { startEmbeddedDaemon } from "./lib/embedded-daemon.js";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

const domains = Number(process.argv[2] ?? 1000);
const tmp = makeTmp();
const { servers, paths } = await startFakeServers(tmp.dir, domains);
const embedded = await startEmbeddedDaemon("bench", paths);
await new Promise((r) => setTimeout(r, 1_000));
(globalThis as { gc?: () => void }).gc?.();
const file = writeHeapSnapshot(join(tmp.dir, "daemon.heapsnapshot"));
const snap = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
rmSync(file);

const fields = snap.snapshot.meta.node_fields;
const types = snap.snapshot.meta.node_types[0];
const [iType, iName, iSize] = ["type", "name", "self_size"].map((f) => fields.indexOf(f));
const byKind = new Map<string, { bytes: number; count: number }>();
let total = 0;
for (let i = 0; i < snap.nodes.length; i += fields.length) {
  const type = types[snap.nodes[i + iType]];
  const name = type === "object" || type === "closure" ? snap.strings[snap.nodes[i + iName]] : "";
  const key = `${type}${name ? ` ${name.slice(0, 60)}` : ""}`;
  const entry = byKind.get(key) ?? { bytes: 0, count: 0 };
  entry.bytes += snap.nodes[i + iSize];
  entry.count++;
  byKind.set(key, entry);
  total += snap.nodes[i + iSize];
}
console.log(
  `Heap after GC with ${domains} domains attached: ${(total / 2 ** 20).toFixed(1)} MiB\n`,
);
console.log("| KiB | count | kind |\n| --- | --- | --- |");
for (const [k, v] of [...byKind].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 25)) {
  console.log(`| ${(v.bytes / 1024).toFixed(0)} | ${v.count} | ${k} |`);
}
await embedded.close();
await servers.stop();
tmp.remove();
process.exit(0);
