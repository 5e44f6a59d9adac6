import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createSilentLogger } from "../common/logger.js";
import type { JsonValue } from "../domain/domain.js";
import { isCoreError } from "../errors/core-error.js";
import { FileStateStore } from "./file-state-store.js";
import { MemoryStateStore } from "./memory-state-store.js";
import type { StateStore } from "./state-store.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "virtevent-state-"));
  dirs.push(dir);
  return dir;
}

const implementations: Array<[string, () => Promise<StateStore>]> = [
  ["MemoryStateStore", async () => new MemoryStateStore()],
  [
    "FileStateStore",
    async () => new FileStateStore({ dir: await tempDir(), logger: createSilentLogger() }),
  ],
];

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "resolved";
  } catch (e) {
    return isCoreError(e) ? e.code : "not a CoreError";
  }
}

describe.each(implementations)("%s (the StateStore contract)", (_name, create) => {
  it("reads back what was set, per domain, synchronously", async () => {
    const store = await create();
    await store.load();
    const pending = store.set("dom-a", "tray:cd0", { open: true });
    expect(store.get("dom-a", "tray:cd0")).toEqual({ open: true }); // memory first
    await pending;
    await store.set("dom-a", "mac", "52:54:00:00:00:01");
    await store.set("dom-b", "mac", "52:54:00:00:00:02");
    expect(store.entries("dom-a")).toEqual({
      "tray:cd0": { open: true },
      mac: "52:54:00:00:00:01",
    });
    expect(store.domains().sort()).toEqual(["dom-a", "dom-b"]);
    await store.delete("dom-a", "mac");
    await store.deleteDomain("dom-b");
    expect(store.get("dom-a", "mac")).toBeUndefined();
    expect(store.domains()).toEqual(["dom-a"]);
    await store.close();
  });

  it("stores copies and hands back frozen values", async () => {
    const store = await create();
    await store.load();
    const value = { list: [1, 2], nested: { a: "x" } };
    await store.set("d", "k", value);
    value.list.push(3);
    const back = store.get("d", "k") as { list: number[] };
    expect(back).toEqual({ list: [1, 2], nested: { a: "x" } });
    expect(Object.isFrozen(back) && Object.isFrozen(back.list)).toBe(true);
  });

  it("rejects values that are not plain JSON and keys it cannot hold, without throwing", async () => {
    const store = await create();
    await store.load();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad: unknown[] = [NaN, new Date(), cyclic, { f: () => 1 }, { u: undefined }, new Map()];
    for (const value of bad) {
      expect(await codeOf(store.set("d", "k", value as JsonValue))).toBe(
        "VIRTEVENT_ERR_STATE_VALUE",
      );
    }
    expect(await codeOf(store.set("../etc", "k", 1))).toBe("VIRTEVENT_ERR_STATE_KEY");
    expect(await codeOf(store.set("d", "", 1))).toBe("VIRTEVENT_ERR_STATE_KEY");
    expect(store.domains()).toEqual([]);
    await store.close();
    expect(await codeOf(store.set("d", "k", 1))).toBe("VIRTEVENT_ERR_STATE_CLOSED");
  });

  it("keeps a __proto__ key as plain data", async () => {
    const store = await create();
    await store.load();
    await store.set("d", "k", JSON.parse('{"__proto__": {"polluted": true}}') as JsonValue);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(store.get("d", "k") as object)).toEqual(["__proto__"]);
  });
});
