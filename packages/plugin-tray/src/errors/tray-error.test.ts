import { describe, expect, it } from "vitest";
import { isTrayError, TrayError } from "./tray-error.js";
import { MediaChangeError, TrayLockedError } from "./tray-errors.js";

describe("tray errors", () => {
  it("carry a TRAY_ERR_* code that the guard checks", () => {
    const e = new TrayLockedError("vm1", "cd0", 5_000);
    expect(e).toBeInstanceOf(TrayError);
    expect(e.name).toBe("TrayLockedError");
    expect(isTrayError(e)).toBe(true);
    expect(isTrayError(e, "TRAY_ERR_LOCKED")).toBe(true);
    expect(isTrayError(e, "TRAY_ERR_MEDIA_CHANGE")).toBe(false);
    expect(isTrayError(new Error("x"))).toBe(false);
    expect(isTrayError({ code: "TRAY_ERR_LOCKED" })).toBe(false);
  });

  it("say that a locked tray changed nothing", () => {
    const e = new TrayLockedError("vm1", "cd0", 5_000);
    expect(e.message).toContain("kept the tray of cd0 locked");
    expect(e.message).toContain("nothing was changed");
  });

  it("say where a failed media change left the drive", () => {
    const cause = new Error("boom");
    const e = new MediaChangeError(
      "vm1",
      "cd0",
      "blockdev-insert-medium",
      { tray: "closed", medium: "removed" },
      { cause },
    );
    expect(e.cause).toBe(cause);
    expect(e.message).toBe(
      "changing the medium of cd0 in vm1 failed at blockdev-insert-medium (boom); " +
        "the drive is now empty and the tray is closed",
    );
  });
});
