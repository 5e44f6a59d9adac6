import { createSilentLogger } from "@virtevent/core";
import { describe, expect, it } from "vitest";
import { isNicRxError } from "../errors/nic-rx-error.js";
import { RecordingHostNetwork } from "../testing/recording-host-network.js";
import { applySync } from "./apply-sync.js";
import { guestInfo, hostState, TRUSTED, UNTRUSTED } from "./test-data.test.util.js";

function recording(): RecordingHostNetwork {
  return new RecordingHostNetwork().addDevice("tap0", hostState());
}

const CHANGED = guestInfo({
  "main-mac": "52:54:00:00:00:02",
  promiscuous: true,
  multicast: "all",
  "multicast-table": ["01:00:5e:00:00:01", "01:00:5e:00:00:09"],
});

describe("applySync", () => {
  it("does not touch the host for an untrusted NIC, not even to read it", async () => {
    const host = recording();
    const result = await applySync(host, CHANGED, UNTRUSTED);
    expect(result).toMatchObject({ trusted: false, applied: [], failed: [] });
    expect(host.reads).toBe(0);
    expect(host.log).toEqual([]);
  });

  it("brings the host device in line with the guest and reports the MAC change", async () => {
    const host = recording();
    const result = await applySync(host, CHANGED, TRUSTED, { logger: createSilentLogger() });
    expect(result.failed).toEqual([]);
    expect(result.applied).toHaveLength(4);
    expect(host.device("tap0")).toMatchObject({
      mac: "52:54:00:00:00:02",
      promisc: true,
      allmulticast: true,
      multicast: true,
    });
    expect(host.device("tap0").multicastAddresses.map((m) => m.mac)).toContain("01:00:5e:00:00:09");
    expect(result.macChange).toEqual({ oldMac: "52:54:00:00:00:01", newMac: "52:54:00:00:00:02" });
    expect(result.guestMac).toBe("52:54:00:00:00:02");
  });

  it("compares with the last MAC seen rather than the configured one", async () => {
    const host = recording();
    const again = await applySync(host, CHANGED, TRUSTED, { lastSeenMac: "52:54:00:00:00:02" });
    expect(again.macChange).toBeUndefined();
  });

  it("reports no MAC change without a previous MAC", async () => {
    const result = await applySync(recording(), CHANGED, { ...TRUSTED, mac: undefined });
    expect(result.macChange).toBeUndefined();
    expect(result.guestMac).toBe("52:54:00:00:00:02");
  });

  it("keeps going when one operation fails and reports it", async () => {
    const host = recording();
    host.failOperations((_, op) => op.kind === "promisc");
    const result = await applySync(host, CHANGED, TRUSTED);
    expect(result.failed.map((f) => f.operation)).toEqual([{ kind: "promisc", on: true }]);
    expect(isNicRxError(result.failed[0]?.error, "NIC_RX_ERR_HOST_OPERATION")).toBe(true);
    expect(result.applied).toHaveLength(3);
    expect(host.device("tap0")).toMatchObject({
      promisc: false,
      allmulticast: true,
      mac: "52:54:00:00:00:02",
    });
  });

  it("aborts the sync, changing nothing, when the host state cannot be read", async () => {
    const host = recording();
    host.failReads(() => true);
    await expect(applySync(host, CHANGED, TRUSTED)).rejects.toSatisfy((e) =>
      isNicRxError(e, "NIC_RX_ERR_HOST_READ"),
    );
    expect(host.log).toEqual([]);
  });

  it("counts refused guest data in the result", async () => {
    const info = guestInfo({
      "main-mac": "ff:ff:ff:ff:ff:ff",
      "multicast-table": ["x", "01:00:5e:00:00:01"],
    });
    const result = await applySync(recording(), info, TRUSTED);
    expect(result.rejected).toEqual({
      mainMac: true,
      multicastEntries: 1,
      multicastOverflow: false,
    });
    expect(result.applied).toEqual([]);
  });
});
