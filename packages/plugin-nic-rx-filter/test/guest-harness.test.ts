// The test guest and its harness: the guest boots under TCG on a tap in a throwaway namespace,
// runs commands over the serial console with exit statuses, its NIC is visible over QMP, and
// disposing removes QEMU, the tap and the namespace.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "./support/exec.js";
import { type GuestRig, startGuestRig } from "./support/guest-rig.js";
import {
  assertAvailable,
  checkPrerequisites,
  guestImage,
  QEMU_REQUIRED,
  skipNote,
} from "./support/prerequisites.js";

const availability = await checkPrerequisites({ root: true, qemu: true, guest: true });

describe.skipIf(!availability.ok && !QEMU_REQUIRED)(
  `test guest harness${skipNote(availability)}`,
  () => {
    let rig: GuestRig | undefined;
    const booted = (): GuestRig => {
      if (!rig) throw new Error("the guest did not boot (see beforeAll)");
      return rig;
    };

    beforeAll(async () => {
      assertAvailable(availability);
      const image = guestImage();
      if (!image.ok) throw new Error(image.reason);
      rig = await startGuestRig(image, { mac: "52:54:00:aa:bb:01" });
    }, 90_000);

    afterAll(async () => {
      await rig?.dispose();
    });

    it("runs commands in the guest and reports their exit status", async () => {
      const serial = booted().vm.console;
      expect(await serial.run("true")).toEqual({ status: 0, output: "" });
      expect((await serial.run("exit 3")).status).toBe(3);
      expect(await serial.check("echo hello; echo world")).toBe("hello\nworld\n");
    });

    it("has the real iproute2: link up, maddr add and allmulticast work on eth0", async () => {
      const serial = booted().vm.console;
      await serial.check("ip link set eth0 up");
      await serial.check("ip maddr add 01:00:5e:01:02:03 dev eth0");
      await serial.check("ip link set eth0 allmulticast on");
      expect(await serial.check("ip maddr show dev eth0")).toContain("01:00:5e:01:02:03");
      expect(await serial.check("ip link show eth0")).toMatch(/52:54:00:aa:bb:01/);
    });

    it("shows the guest's rx filter over QMP (query-rx-filter on net0)", async () => {
      const qmp = await booted().vm.qmp();
      try {
        const [info] = (await qmp.execute("query-rx-filter", { name: "net0" })) as Array<
          Record<string, unknown>
        >;
        expect(info?.["main-mac"]).toBe("52:54:00:aa:bb:01");
        expect(info?.["multicast-table"]).toContain("01:00:5e:01:02:03");
      } finally {
        await qmp.close();
      }
    });

    it("removes QEMU, the tap and the namespace on dispose", async () => {
      const current = booted();
      await current.dispose();
      expect(current.vm.hasExited).toBe(true);
      expect(await current.netns.exists()).toBe(false);
      const { stdout } = await runCommand("ip", ["-j", "link", "show"]);
      expect(stdout).not.toContain(`"${current.hostInterface}"`);
    });
  },
);
