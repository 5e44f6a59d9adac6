import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const DIST_BIN = fileURLToPath(new URL("../../dist/bin/", import.meta.url));

/** The built entry points the e2e tests run (CI builds before testing). */
export function binPath(name: "virteventd" | "virtevent"): string {
  const p = join(DIST_BIN, `${name}.js`);
  if (!existsSync(p))
    throw new Error(`${p} is missing: run "npm run build" before the daemon's end-to-end tests`);
  return p;
}

/** A running process with its output collected line by line. */
export interface Proc {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
}

/** Starts `node <bin> ...args` with output collected. */
export function run(bin: "virteventd" | "virtevent", args: string[], cwd?: string): Proc {
  const child = spawn(process.execPath, [binPath(bin), ...args], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const p: Proc = {
    child,
    stdout: [],
    stderr: [],
    exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))),
  };
  const collect = (stream: NodeJS.ReadableStream | null, into: string[]) => {
    let buf = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (c: string) => {
      buf += c;
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      into.push(...lines);
    });
  };
  collect(child.stdout, p.stdout);
  collect(child.stderr, p.stderr);
  return p;
}

/** A fresh directory holding `config.json` with `config`; returns its paths. */
export function writeConfig(config: unknown): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "virteventd-e2e-"));
  const file = join(dir, "config.json");
  writeFileSync(file, JSON.stringify(config, undefined, 2));
  return { dir, file };
}

/** Resolves once `cond()` holds; rejects after `timeoutMs` with `what` and extra context. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
  context = () => "",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${context()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
