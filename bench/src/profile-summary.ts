// `node bench/dist/profile-summary.js FILE.cpuprofile [TOP]`: the functions a V8 CPU profile
// (from `node --cpu-prof`, or `npm run bench -- --profile`) spent most self time in, and the
// time by package, as markdown. Used to find what a missed target costs.
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a script URL belongs: a workspace package, node_modules package, or node itself. */
function owner(url: string): string {
  const ws = /\/packages\/([^/]+)\//.exec(url);
  if (ws) return `@virtevent/${ws[1]}`;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (nm) return nm[1];
  if (url.includes("/bench/")) return "bench";
  if (url.startsWith("node:")) return "node";
  return url === "" ? "(native / gc / idle)" : url;
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\/.*?\/(packages|bench|node_modules)\//, "$1/");
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error("usage: profile-summary.js FILE.cpuprofile [TOP]");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const byFunction = new Map<string, number>();
const byOwner = new Map<string, number>();
for (const [id, us] of selfUs) {
  const f = byId.get(id)?.callFrame;
  if (!f) continue;
  const name = f.functionName || "(anonymous)";
  const key = f.url ? `${name} ${shortUrl(f.url)}:${f.lineNumber + 1}` : name;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  byOwner.set(owner(f.url), (byOwner.get(owner(f.url)) ?? 0) + us);
}
const pct = (us: number) => `${((100 * us) / total).toFixed(1)}%`;
const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
console.log(`Profile ${file}: ${(total / 1000).toFixed(0)} ms sampled\n`);
console.log("| self time | package |\n| --- | --- |");
for (const [k, us] of top(byOwner, 12)) console.log(`| ${pct(us)} | ${k} |`);
console.log("\n| self time | function |\n| --- | --- |");
for (const [k, us] of top(byFunction, Number(topArg ?? 25)))
  console.log(`| ${pct(us)} | \`${k}\` |`);
