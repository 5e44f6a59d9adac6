import { closeSync, openSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand } from "./exec.js";
import { GuestVm } from "./guest-vm.js";
import { NetNamespace } from "./netns.js";
import type { GuestImage } from "./prerequisites.js";

/** The host device names of a rig (each rig has its own namespace). */
export const RIG_DEVICES = {
  tap: "vtap0",
  macvtap: "mvtap0",
  vethParent: "veth0",
  vethPeer: "veth1",
};

/** Which kind of host device backs the guest's NIC. */
export type RigDeviceKind = "tap" | "macvtap";

/** A booted test guest whose NIC sits on a host device in a namespace of its own. */
export interface GuestRig {
  netns: NetNamespace;
  /** The host device behind the guest's NIC (the tap, or the macvtap). */
  hostInterface: string;
  vm: GuestVm;
  /** Stops QEMU, then deletes the namespace (and its devices with it). Idempotent. */
  dispose(): Promise<void>;
}

/**
 * Opens the character device of macvtap `name` in `ns`: its /dev/tapN node is created in a
 * private directory from the major:minor sysfs shows inside the namespace, so nothing depends
 * on the host's /dev naming.
 */
async function openMacvtap(ns: NetNamespace, name: string): Promise<number> {
  const sys = `/sys/class/net/${name}`;
  const read = async (path: string) =>
    (await runCommand("ip", ["netns", "exec", ns.name, "cat", path])).stdout.trim();
  const ifindex = await read(`${sys}/ifindex`);
  const [major, minor] = (await read(`${sys}/macvtap/tap${ifindex}/dev`)).split(":");
  const dir = await mkdtemp(join(tmpdir(), "vent-mvtap-"));
  try {
    const node = join(dir, "tap");
    await runCommand("mknod", ["-m", "0600", node, "c", major ?? "", minor ?? ""]);
    return openSync(node, "r+");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Creates a namespace and the host device in it (a tap; or a macvtap in bridge mode over one
 * end of a veth pair), boots the guest on it and returns once its agent listens. On any failure
 * everything created so far is removed before the error propagates.
 *
 * @example
 * const rig = await startGuestRig(image);
 * try { await rig.vm.console.check("ip link set eth0 up"); } finally { await rig.dispose(); }
 */
export async function startGuestRig(
  image: GuestImage,
  options: { mac?: string; device?: RigDeviceKind } = {},
): Promise<GuestRig> {
  const netns = await NetNamespace.create();
  let vm: GuestVm | undefined;
  let disposed: Promise<void> | undefined;
  const dispose = (): Promise<void> => {
    disposed ??= (async () => {
      const errors: unknown[] = [];
      for (const step of [() => vm?.dispose(), () => netns.dispose()]) {
        try {
          await step();
        } catch (e) {
          errors.push(e);
        }
      }
      if (errors.length > 0) throw new AggregateError(errors, "guest rig cleanup failed");
    })();
    return disposed;
  };
  try {
    const { tap, macvtap, vethParent, vethPeer } = RIG_DEVICES;
    if (options.device === "macvtap") {
      await netns.addVethPair(vethParent, vethPeer);
      await netns.addMacvtap(macvtap, vethParent);
      await netns.ip(["link", "set", "dev", macvtap, "up"]);
      const fd = await openMacvtap(netns, macvtap);
      try {
        vm = await GuestVm.launch({ netns, netdev: { fd }, image, mac: options.mac });
      } finally {
        closeSync(fd); // QEMU holds its own copy
      }
      return { netns, hostInterface: macvtap, vm, dispose };
    }
    await netns.addTap(tap);
    vm = await GuestVm.launch({ netns, netdev: { tap }, image, mac: options.mac });
    return { netns, hostInterface: tap, vm, dispose };
  } catch (e) {
    await dispose().catch(() => undefined);
    throw e;
  }
}
