// RELIABILITY.md row 18: hostile guest rx-filter data. Random (often hostile) query-rx-filter
// replies against random host devices, through the recording HostNetwork: an untrusted NIC
// never causes a host operation; a trusted one only ever passes valid MACs, at most
// MAX_MULTICAST_ENTRIES multicast entries, and converges (a second sync has nothing to do).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { HostOperation } from "../host/host-network.js";
import {
  isAssignableMac,
  isGroupMac,
  type MacAddress,
  parseMac,
  toMac,
} from "../mac/mac-address.js";
import { RecordingHostNetwork } from "../testing/recording-host-network.js";
import { applySync } from "./apply-sync.js";
import { MAX_MULTICAST_ENTRIES, planSync } from "./plan-sync.js";
import { findRxFilterInfo } from "./rx-filter-info.js";
import { TRUSTED, UNTRUSTED } from "./test-data.test.util.js";

const STRICT_MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const octets = (first: fc.Arbitrary<number>) =>
  fc.tuple(first, ...Array.from({ length: 5 }, () => fc.integer({ min: 0, max: 255 })));
const hex = (bytes: number[]) => bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");

const unicastMac = octets(fc.integer({ min: 0, max: 127 }).map((b) => b * 2)).map(hex);
const groupMac = octets(fc.integer({ min: 0, max: 127 }).map((b) => b * 2 + 1)).map(hex);
const hostileString = fc.oneof(
  fc.string(),
  fc.constantFrom(
    "00:00:00:00:00:00",
    "ff:ff:ff:ff:ff:ff",
    "52:54:00:aa:bb:cc; reboot",
    "$(id)",
    "01:00:5e:00:00:01\n",
    "-01:00:5e:00:00:1",
    "01-00-5E-00-00-01",
  ),
  groupMac.map((m) => m.toUpperCase()),
);
const anyEntry = fc.oneof(
  unicastMac,
  groupMac,
  hostileString,
  fc.integer(),
  fc.constant(null),
  fc.object(),
);

const reply = fc.record({
  name: fc.constant("net0"),
  promiscuous: fc.boolean(),
  multicast: fc.constantFrom("normal", "none", "all"),
  "multicast-overflow": fc.boolean(),
  "main-mac": fc.oneof(unicastMac, groupMac, hostileString, fc.integer()),
  "vlan-table": fc.array(fc.integer({ min: 0, max: 4095 }), { maxLength: 3 }),
  "multicast-table": fc.oneof(
    fc.array(anyEntry, { maxLength: 20 }),
    fc.array(groupMac, { minLength: 60, maxLength: 150 }),
  ),
  "unicast-table": fc.array(anyEntry, { maxLength: 3 }),
  "future-member": fc.anything(),
});

const hostDevice = fc.record({
  mac: unicastMac.map(toMac),
  promisc: fc.boolean(),
  allmulticast: fc.boolean(),
  multicast: fc.boolean(),
  multicastAddresses: fc.uniqueArray(
    fc.record({ mac: groupMac.map(toMac), static: fc.boolean() }),
    { maxLength: 8, selector: (m) => m.mac },
  ),
});

function assertSafe(
  op: HostOperation,
  guestTable: Set<MacAddress>,
  hostStatics: Set<string>,
): void {
  if (op.kind === "set-mac" || op.kind === "add-maddr" || op.kind === "del-maddr") {
    expect(op.mac).toMatch(STRICT_MAC);
    const mac = parseMac(op.mac) as MacAddress;
    if (op.kind === "set-mac") expect(isAssignableMac(mac)).toBe(true);
    if (op.kind === "add-maddr") expect(isGroupMac(mac) && guestTable.has(mac)).toBe(true);
    if (op.kind === "del-maddr") expect(hostStatics.has(mac)).toBe(true);
  }
}

describe("sync of hostile guest rx-filter data (RELIABILITY row 18)", () => {
  it("untrusted NIC: zero host operations, zero reads", async () => {
    await fc.assert(
      fc.asyncProperty(reply, hostDevice, async (raw, device) => {
        const info = findRxFilterInfo([raw], "net0");
        if (typeof info === "string") return;
        const host = new RecordingHostNetwork().addDevice("tap0", device);
        await applySync(host, info, UNTRUSTED);
        expect(host.log).toEqual([]);
        expect(host.reads).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("trusted NIC: only valid MACs, at most the cap of entries, and it converges", async () => {
    await fc.assert(
      fc.asyncProperty(reply, hostDevice, async (raw, device) => {
        const info = findRxFilterInfo([raw], "net0");
        expect(typeof info).not.toBe("string"); // the generator only builds well-formed replies
        if (typeof info === "string") return;
        const host = new RecordingHostNetwork().addDevice("tap0", device);
        const guestTable = new Set(
          info["multicast-table"].map(parseMac).filter((m): m is MacAddress => m !== undefined),
        );
        const hostStatics = new Set(
          device.multicastAddresses.filter((m) => m.static).map((m) => m.mac),
        );

        const result = await applySync(host, info, TRUSTED);
        expect(result.failed).toEqual([]);
        const ops = host.operations();
        for (const op of ops) assertSafe(op, guestTable, hostStatics);
        expect(ops.filter((o) => o.kind === "add-maddr").length).toBeLessThanOrEqual(
          MAX_MULTICAST_ENTRIES,
        );
        const after = host.device("tap0");
        expect(after.multicastAddresses.filter((m) => m.static).length).toBeLessThanOrEqual(
          Math.max(MAX_MULTICAST_ENTRIES, hostStatics.size),
        );
        if (result.rejected.multicastOverflow && info.multicast === "normal") {
          expect(after.allmulticast).toBe(true);
        }
        expect(planSync(info, after, TRUSTED).operations).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
