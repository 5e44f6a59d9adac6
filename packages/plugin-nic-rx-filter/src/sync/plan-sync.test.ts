import { describe, expect, it } from "vitest";
import { toMac } from "../mac/mac-address.js";
import { MAX_MULTICAST_ENTRIES, planSync } from "./plan-sync.js";
import { groupMacs, guestInfo, hostState, TRUSTED, UNTRUSTED } from "./test-data.test.util.js";

describe("planSync", () => {
  it("plans nothing when the host already matches", () => {
    expect(planSync(guestInfo(), hostState(), TRUSTED)).toEqual({
      operations: [],
      guestMac: "52:54:00:00:00:01",
      rejected: { mainMac: false, multicastEntries: 0, multicastOverflow: false },
    });
  });

  it("plans nothing at all for an untrusted NIC, whatever the guest says", () => {
    const info = guestInfo({
      promiscuous: true,
      "main-mac": "52:54:00:99:99:99",
      multicast: "all",
    });
    expect(planSync(info, hostState(), UNTRUSTED).operations).toEqual([]);
  });

  it("sets the main MAC when it differs (canonicalised)", () => {
    const { operations } = planSync(
      guestInfo({ "main-mac": "52:54:00:AA:BB:CC" }),
      hostState(),
      TRUSTED,
    );
    expect(operations).toEqual([{ kind: "set-mac", mac: "52:54:00:aa:bb:cc" }]);
  });

  it.each([
    ["a group MAC", "01:00:5e:00:00:01"],
    ["the zero MAC", "00:00:00:00:00:00"],
    ["garbage", "52:54:00:aa:bb:cc; reboot"],
    ["a number", 42],
  ])("leaves the host MAC alone for %s and counts it", (_what, mac) => {
    const plan = planSync(guestInfo({ "main-mac": mac }), hostState(), TRUSTED);
    expect(plan.operations).toEqual([]);
    expect(plan.guestMac).toBeUndefined();
    expect(plan.rejected.mainMac).toBe(true);
  });

  it("mirrors promiscuous, forced on by a non-empty vlan table", () => {
    expect(planSync(guestInfo({ promiscuous: true }), hostState(), TRUSTED).operations).toEqual([
      { kind: "promisc", on: true },
    ]);
    expect(planSync(guestInfo(), hostState({ promisc: true }), TRUSTED).operations).toEqual([
      { kind: "promisc", on: false },
    ]);
    expect(
      planSync(guestInfo({ "vlan-table": [10] }), hostState({ promisc: true }), TRUSTED).operations,
    ).toEqual([]);
    expect(planSync(guestInfo({ "vlan-table": [10] }), hostState(), TRUSTED).operations).toEqual([
      { kind: "promisc", on: true },
    ]);
  });

  it("maps the multicast modes onto allmulticast and multicast", () => {
    const plan = (info: Parameters<typeof guestInfo>[0], host = hostState()) =>
      planSync(guestInfo(info), host, TRUSTED).operations;
    expect(plan({ multicast: "all" })).toEqual([{ kind: "allmulticast", on: true }]);
    expect(plan({ multicast: "normal", "multicast-overflow": true })).toEqual([
      { kind: "allmulticast", on: true },
    ]);
    expect(
      plan({ multicast: "normal" }, hostState({ multicast: false, allmulticast: true })),
    ).toEqual([
      { kind: "multicast", on: true },
      { kind: "allmulticast", on: false },
    ]);
    expect(plan({ multicast: "none" }, hostState({ allmulticast: true }))).toEqual([
      { kind: "multicast", on: false },
      { kind: "allmulticast", on: false },
    ]);
    // "all" does not touch IFF_MULTICAST
    expect(plan({ multicast: "all" }, hostState({ multicast: false, allmulticast: true }))).toEqual(
      [],
    );
  });

  it("adds missing entries and deletes extra ones that were added from user space", () => {
    const host = hostState({
      multicastAddresses: [
        { mac: toMac("01:00:5e:00:00:01"), static: false },
        { mac: toMac("01:00:5e:00:00:02"), static: true },
        { mac: toMac("33:33:00:00:00:01"), static: false },
      ],
    });
    const info = guestInfo({ "multicast-table": ["01:00:5e:00:00:01", "33:33:FF:00:00:09"] });
    expect(planSync(info, host, TRUSTED).operations).toEqual([
      { kind: "del-maddr", mac: "01:00:5e:00:00:02" },
      { kind: "add-maddr", mac: "33:33:ff:00:00:09" },
    ]);
  });

  it("drops invalid multicast entries and counts them", () => {
    const info = guestInfo({
      "multicast-table": ["01:00:5e:00:00:01", "52:54:00:00:00:07", "nope", 7, "01:00:5e:00:00:01"],
    });
    const plan = planSync(info, hostState(), TRUSTED);
    expect(plan.operations).toEqual([]);
    expect(plan.rejected.multicastEntries).toBe(3);
  });

  it(`keeps at most ${MAX_MULTICAST_ENTRIES} entries: beyond, allmulticast instead of the list`, () => {
    const exactly = planSync(
      guestInfo({ "multicast-table": groupMacs(MAX_MULTICAST_ENTRIES) }),
      hostState(),
      TRUSTED,
    );
    expect(exactly.operations.filter((o) => o.kind === "add-maddr")).toHaveLength(
      MAX_MULTICAST_ENTRIES - 1,
    );
    expect(exactly.rejected.multicastOverflow).toBe(false);

    const over = planSync(
      guestInfo({ "multicast-table": groupMacs(MAX_MULTICAST_ENTRIES + 1) }),
      hostState(),
      TRUSTED,
    );
    expect(over.operations).toEqual([{ kind: "allmulticast", on: true }]);
    expect(over.rejected.multicastOverflow).toBe(true);
  });
});
