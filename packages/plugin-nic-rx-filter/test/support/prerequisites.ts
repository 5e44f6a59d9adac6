import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCommand } from "./exec.js";

/** True when CI demands the real-QEMU tests: a missing prerequisite is then a failure. */
export const QEMU_REQUIRED = process.env.VIRTEVENT_REQUIRE_QEMU === "1";

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const guestScriptsDir = join(repoRoot, "scripts/guest");

/** Where scripts/guest/build-guest.sh puts the image (same rule as the script). */
export function guestImageDir(): string {
  const override = process.env.VIRTEVENT_GUEST_DIR;
  if (override) return override;
  const cache = process.env.VIRTEVENT_CACHE_DIR ?? join(homedir(), ".cache/virtevent");
  return join(cache, "guest");
}

/** The paths of a built guest image. */
export interface GuestImage {
  kernel: string;
  initrd: string;
}

/** The stamp build-guest.sh writes: sha256 over `sha256sum` lines of scripts/guest/*, by name. */
export function expectedGuestStamp(): string {
  const lines = readdirSync(guestScriptsDir)
    .sort()
    .filter((name) => statSync(join(guestScriptsDir, name)).isFile())
    .map((name) => {
      const digest = createHash("sha256").update(readFileSync(join(guestScriptsDir, name)));
      return `${digest.digest("hex")}  ${name}\n`;
    });
  return createHash("sha256").update(lines.join("")).digest("hex");
}

/** What a test needs from the machine. */
export interface Needs {
  /** The test creates namespaces and devices. */
  root?: boolean;
  /** The test boots QEMU. */
  qemu?: boolean;
  /** The test boots the guest image (implies qemu). */
  guest?: boolean;
}

/** Either everything is there, or the first missing thing and how to get it. */
export type Availability = { ok: true } | { ok: false; reason: string };

async function hasCommand(file: string, args: readonly string[]): Promise<boolean> {
  try {
    await runCommand(file, args);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks the machine for what `needs` asks. The answer drives `describe.skipIf` (locally) or a
 * failing `beforeAll` (when {@link QEMU_REQUIRED}).
 */
export async function checkPrerequisites(needs: Needs): Promise<Availability> {
  if (process.platform !== "linux") return { ok: false, reason: "needs Linux" };
  if (needs.root && process.getuid?.() !== 0) {
    return { ok: false, reason: "needs root (network namespaces and tap devices)" };
  }
  if (needs.root && !(await hasCommand("ip", ["-V"]))) {
    return { ok: false, reason: "needs iproute2 (`ip`); run scripts/setup.sh" };
  }
  if ((needs.qemu || needs.guest) && !(await hasCommand("qemu-system-x86_64", ["--version"]))) {
    return { ok: false, reason: "needs qemu-system-x86_64; run scripts/setup.sh" };
  }
  if (needs.guest) {
    const image = guestImage();
    if (!image.ok) return image;
  }
  return { ok: true };
}

/** The built guest image, or why it cannot be used (absent or older than scripts/guest). */
export function guestImage(): ({ ok: true } & GuestImage) | { ok: false; reason: string } {
  const dir = guestImageDir();
  const manifest = join(dir, "manifest");
  const kernel = join(dir, "vmlinux");
  const initrd = join(dir, "initrd.cpio");
  const build = "run `bash scripts/guest/build-guest.sh` (scripts/setup.sh does)";
  if (!existsSync(manifest) || !existsSync(kernel) || !existsSync(initrd)) {
    return { ok: false, reason: `no guest image in ${dir}: ${build}` };
  }
  if (!readFileSync(manifest, "utf8").split("\n").includes(`stamp=${expectedGuestStamp()}`)) {
    return { ok: false, reason: `the guest image in ${dir} is stale: ${build}` };
  }
  return { ok: true, kernel, initrd };
}

/** The title suffix that tells a reader why a suite is skipped (empty when it runs). */
export function skipNote(availability: Availability): string {
  return availability.ok || QEMU_REQUIRED ? "" : ` (skipped: ${availability.reason})`;
}

/**
 * For `beforeAll`: throws the missing prerequisite when the suite runs anyway (that happens
 * only when {@link QEMU_REQUIRED}), so CI reports a failure rather than a silent skip.
 */
export function assertAvailable(availability: Availability): void {
  if (!availability.ok) {
    throw new Error(
      `VIRTEVENT_REQUIRE_QEMU=1 but a prerequisite is missing: ${availability.reason}`,
    );
  }
}
