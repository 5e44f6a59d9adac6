import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem, type } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (bench/dist/lib → ../../..). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return "unavailable";
  }
}

/** What the figures were measured on. */
export function machine(): Record<string, unknown> {
  const list = cpus();
  return {
    cpuModel: list[0]?.model ?? "unknown",
    cpus: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
  };
}

function packageVersion(dir: string): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, dir, "package.json"), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/** Versions of everything measured. */
export function versions(): Record<string, string> {
  const qemu = run("qemu-system-x86_64", ["--version"])
    .split("\n")[0]
    .replace("QEMU emulator version ", "");
  const commit = run("git", ["-C", REPO_ROOT, "rev-parse", "--short", "HEAD"]);
  const dirty = run("git", [
    "-C",
    REPO_ROOT,
    "status",
    "--porcelain",
    "--untracked-files=no",
    "packages",
  ]);
  return {
    node: process.version,
    qemu,
    git:
      dirty === "" || dirty === "unavailable"
        ? commit
        : `${commit} (+ uncommitted changes in packages/)`,
    "@virtevent/core": packageVersion("packages/core"),
    "@virtevent/qmp": packageVersion("packages/qmp"),
    "@virtevent/daemon": packageVersion("packages/daemon"),
  };
}

/** The load average now. */
export function load(): number[] {
  return loadavg();
}
