import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isQemuAlive, type LaunchedQemu, launchQemu, stopQemu } from "./qemu-launcher.js";

const QEMU = "qemu-system-x86_64";
const haveQemu = existsSync("/usr/bin/qemu-system-x86_64");
if (!haveQemu && process.env.VIRTEVENT_REQUIRE_QEMU === "1") {
  throw new Error(
    "VIRTEVENT_REQUIRE_QEMU=1 but qemu-system-x86_64 is not installed (run scripts/setup.sh)",
  );
}
const launched: LaunchedQemu[] = [];
afterEach(async () => {
  for (const q of launched.splice(0)) await stopQemu(q, 1000);
});

describe.runIf(haveQemu)("launchQemu (real QEMU)", () => {
  it("starts a detached QEMU with its own QMP socket and stops it", async () => {
    const runDir = join(mkdtempSync(join(tmpdir(), "virtevent-launch-")), "run");
    const q = await launchQemu({
      name: "vm1",
      binary: QEMU,
      args: ["-M", "q35", "-nodefaults", "-display", "none", "-S", "-accel", "tcg"],
      runDir,
    });
    launched.push(q);
    expect(q.qmpPath).toBe(join(runDir, "vm1.qmp"));
    expect(isQemuAlive(q.pid, q.qmpPath)).toBe(true);
    expect(isQemuAlive(q.pid, "/some/other.qmp")).toBe(false);
    await stopQemu(q);
    expect(isQemuAlive(q.pid, q.qmpPath)).toBe(false);
  });

  it("reports QEMU's own error when it exits before its monitor is ready", async () => {
    const runDir = join(mkdtempSync(join(tmpdir(), "virtevent-launch-")), "run");
    await expect(
      launchQemu({ name: "bad", binary: QEMU, args: ["-M", "no-such-machine"], runDir }),
    ).rejects.toThrow(
      /domain bad: QEMU exited \(code 1\) before its monitor was ready: .*unsupported machine type/s,
    );
  });
});

describe("launchQemu without QEMU", () => {
  it("names the binary it could not run", async () => {
    const runDir = join(mkdtempSync(join(tmpdir(), "virtevent-launch-")), "run");
    await expect(
      launchQemu({ name: "vm1", binary: "/nonexistent/qemu", args: [], runDir }),
    ).rejects.toThrow(/cannot run \/nonexistent\/qemu/);
  });
});
