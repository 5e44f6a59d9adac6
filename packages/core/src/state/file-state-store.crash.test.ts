import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { createSilentLogger } from "../common/logger.js";
import { FileStateStore } from "./file-state-store.js";

// The child runs the TypeScript sources through vite-node (installed with vitest).
const VITE_NODE = join(
  dirname(createRequire(import.meta.url).resolve("vite-node")),
  "..",
  "vite-node.mjs",
);
const WRITER = fileURLToPath(new URL("./crash-writer.test.util.ts", import.meta.url));
const DOMAINS = ["vm-a", "vm-b", "vm-c"];
const ROUNDS = 5;

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

/**
 * Starts the writer and SIGKILLs it once it has acknowledged `acksBeforeKill` rounds; returns
 * the last round it acknowledged (durable by contract).
 */
function runAndKill(dir: string, acksBeforeKill: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [VITE_NODE, WRITER, dir, ...DOMAINS], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    cleanup.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });
    let acked = 0;
    let acks = 0;
    let buffered = "";
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        acked = Number(line);
        acks++;
      }
      // Killed while the next round's writes are in flight: the loop never pauses.
      if (acks >= acksBeforeKill && child.signalCode === null) child.kill("SIGKILL");
    });
    child.on("error", reject);
    // "close" waits for the pipes: every round the child acknowledged before dying is counted.
    child.on("close", (_code, signal) => {
      if (signal === "SIGKILL") resolve(acked);
      else reject(new Error(`writer exited on its own (${_code}): ${stderr}`));
    });
  });
}

describe("FileStateStore crash safety (RELIABILITY.md row 22)", () => {
  it("a writer SIGKILLed mid-write loop leaves valid files; a restart reads the last good state", async () => {
    const dir = await mkdtemp(join(tmpdir(), "virtevent-crash-"));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    let previous = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const acksBeforeKill = 3 + round * 4;
      const acked = await runAndKill(dir, acksBeforeKill);
      // It resumed after what it read back, not from scratch.
      expect(acked).toBeGreaterThanOrEqual(previous + acksBeforeKill);

      // Whatever the kill interrupted, every state file is complete, valid JSON.
      for (const name of await readdir(dir)) {
        if (!name.endsWith(".json")) {
          expect(name).toMatch(/\.json\.tmp-\d+-\d+$/); // only an interrupted write's temp file
          continue;
        }
        const doc = JSON.parse(await readFile(join(dir, name), "utf8"));
        expect(doc.format).toBe("virtevent-state");
      }

      const store = new FileStateStore({ dir, logger: createSilentLogger() });
      await store.load();
      for (const domain of DOMAINS) {
        const stored = store.get(domain, "round") as number;
        const record = store.get(domain, "record") as { round: number; pad: string };
        // Acknowledged writes are durable; at most the in-flight round got further.
        expect(stored).toBeGreaterThanOrEqual(acked);
        expect(stored).toBeLessThanOrEqual(acked + 1);
        expect(record.round).toBeGreaterThanOrEqual(acked);
        expect(record.pad).toBe(String(record.round % 10).repeat(record.pad.length));
      }
      await store.close();
      expect((await readdir(dir)).sort()).toEqual(DOMAINS.map((d) => `${d}.json`)); // temp files cleaned
      previous = acked;
    }
  }, 60_000);
});
