import { GuestVm } from "./guest-vm.js";
import { NetNamespace } from "./netns.js";
import type { GuestImage } from "./prerequisites.js";

/** The tap device name every rig uses (each rig has its own namespace). */
export const RIG_TAP = "vtap0";

/** A booted test guest whose NIC sits on a tap in a namespace of its own. */
export interface GuestRig {
  netns: NetNamespace;
  tap: string;
  vm: GuestVm;
  /** Stops QEMU, then deletes the namespace (and the tap with it). Idempotent. */
  dispose(): Promise<void>;
}

/**
 * Creates a namespace and a tap in it, boots the guest on that tap and returns once its agent
 * listens. On any failure everything created so far is removed before the error propagates.
 *
 * @example
 * const rig = await startGuestRig(image);
 * try { await rig.vm.console.check("ip link set eth0 up"); } finally { await rig.dispose(); }
 */
export async function startGuestRig(
  image: GuestImage,
  options: { mac?: string } = {},
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
    await netns.addTap(RIG_TAP);
    vm = await GuestVm.launch({ netns, tap: RIG_TAP, image, mac: options.mac });
    return { netns, tap: RIG_TAP, vm, dispose };
  } catch (e) {
    await dispose().catch(() => undefined);
    throw e;
  }
}
