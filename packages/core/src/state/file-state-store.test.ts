import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createSilentLogger } from "../common/logger.js";
import { FileStateStore } from "./file-state-store.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "virtevent-state-"));
  dirs.push(dir);
  return dir;
}

function recordingLogger() {
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: "debug" }, { write: (l: string) => logs.push(JSON.parse(l)) });
  return { logs, logger };
}

describe("FileStateStore", () => {
  it.each([false, true])(
    "persists one JSON file per domain and reads it back in a new store (fsync: %s)",
    async (fsync) => {
      const dir = await tempDir();
      const store = new FileStateStore({ dir, logger: createSilentLogger(), fsync });
      await store.load();
      await store.set("vm-1", "tray:cd0", { open: false });
      await store.set("vm-2", "mac", "52:54:00:12:34:56");
      await store.close();
      expect((await readdir(dir)).sort()).toEqual(["vm-1.json", "vm-2.json"]);
      const doc = JSON.parse(await readFile(join(dir, "vm-1.json"), "utf8"));
      expect(doc).toEqual({
        format: "virtevent-state",
        version: 1,
        domain: "vm-1",
        entries: { "tray:cd0": { open: false } },
      });
      const again = new FileStateStore({ dir, logger: createSilentLogger() });
      await again.load();
      expect(again.entries("vm-2")).toEqual({ mac: "52:54:00:12:34:56" });
    },
  );

  it("coalesces writes made while one is in flight; every promise resolves once durable", async () => {
    const dir = await tempDir();
    const store = new FileStateStore({ dir, logger: createSilentLogger() });
    await store.load();
    const writes = Array.from({ length: 50 }, (_, i) => store.set("vm", "n", i));
    await Promise.all(writes);
    const doc = JSON.parse(await readFile(join(dir, "vm.json"), "utf8"));
    expect(doc.entries.n).toBe(49);
    expect(await readdir(dir)).toEqual(["vm.json"]);
  });

  it("removes a domain's file when its last key goes", async () => {
    const dir = await tempDir();
    const store = new FileStateStore({ dir, logger: createSilentLogger() });
    await store.load();
    await store.set("vm", "a", 1);
    await store.delete("vm", "a");
    expect(await readdir(dir)).toEqual([]);
  });

  it("cleans leftover temp files and sets corrupt files aside with a logged error", async () => {
    const dir = await tempDir();
    const good = { format: "virtevent-state", version: 1, domain: "good", entries: { k: 1 } };
    await writeFile(join(dir, "good.json"), JSON.stringify(good));
    await writeFile(join(dir, "good.json.tmp-123-4"), '{"format":"virtevent-st');
    await writeFile(join(dir, "torn.json"), '{"format":"virtevent-state","version":1,"dom');
    await writeFile(join(dir, "wrong.json"), JSON.stringify({ ...good, domain: "other" }));
    await writeFile(join(dir, "array.json"), "[]");
    await writeFile(join(dir, "notes.txt"), "left alone");
    const { logs, logger } = recordingLogger();
    const store = new FileStateStore({ dir, logger });
    await store.load();
    expect(store.domains()).toEqual(["good"]);
    expect(store.get("good", "k")).toBe(1);
    expect((await readdir(dir)).sort()).toEqual([
      "array.json.corrupt",
      "good.json",
      "notes.txt",
      "torn.json.corrupt",
      "wrong.json.corrupt",
    ]);
    const errors = logs.filter((l) => l.level === 50);
    expect(errors.map((l) => (l.err as { code: string }).code)).toEqual([
      "VIRTEVENT_ERR_STATE_CORRUPT",
      "VIRTEVENT_ERR_STATE_CORRUPT",
      "VIRTEVENT_ERR_STATE_CORRUPT",
    ]);
    expect(String((errors[1].err as { message: string }).message)).toMatch(
      /torn\.json.*not valid JSON/,
    );
  });

  it("rejects a write that cannot reach the disk, logs it, and keeps the value in memory", async () => {
    const dir = join(await tempDir(), "missing");
    const { logs, logger } = recordingLogger();
    const store = new FileStateStore({ dir, logger });
    // No load(): the directory does not exist, so the write fails.
    await expect(store.set("vm", "k", 1)).rejects.toMatchObject({
      code: "VIRTEVENT_ERR_STATE_WRITE",
    });
    expect(store.get("vm", "k")).toBe(1);
    expect(logs.some((l) => l.level === 50 && l.msg === "state write failed")).toBe(true);
  });
});
