import { Lifecycle, container as rootContainer } from "tsyringe";
import { describe, expect, it } from "vitest";
import { createSilentLogger } from "../common/logger.js";
import type { DomainRegistry } from "../domain/domain-registry.js";
import { DomainRegistryImpl } from "../domain/domain-registry-impl.js";
import { createDaemonContainer } from "./container.js";
import { TOKENS } from "./tokens.js";

function daemonContainer() {
  const c = createDaemonContainer();
  c.register(TOKENS.Logger, { useValue: createSilentLogger() });
  c.register(
    TOKENS.DomainRegistry,
    { useClass: DomainRegistryImpl },
    { lifecycle: Lifecycle.Singleton },
  );
  return c;
}

describe("createDaemonContainer", () => {
  it("gives two daemons in one process nothing in common", () => {
    const a = daemonContainer();
    const b = daemonContainer();
    const regA = a.resolve<DomainRegistry>(TOKENS.DomainRegistry);
    const regB = b.resolve<DomainRegistry>(TOKENS.DomainRegistry);
    expect(regA).not.toBe(regB);
    regA.define({ name: "vm1" });
    expect(regB.findByName("vm1")).toBeUndefined();
    expect(b.resolve(TOKENS.DependencyContainer)).toBe(b);
    // Nothing leaked into tsyringe's global container.
    expect(rootContainer.isRegistered(TOKENS.DomainRegistry, true)).toBe(false);
    expect(rootContainer.isRegistered(TOKENS.DependencyContainer, true)).toBe(false);
  });

  it("shares the daemon's singletons with plugin child containers", () => {
    const daemon = daemonContainer();
    const plugin = daemon.createChildContainer();
    expect(plugin.resolve(TOKENS.DomainRegistry)).toBe(daemon.resolve(TOKENS.DomainRegistry));
  });

  it("disposes the services it built, and refuses use afterwards", async () => {
    const c = createDaemonContainer();
    let disposed = 0;
    class Svc {
      dispose() {
        disposed++;
      }
    }
    c.register(TOKENS.StateStore, { useClass: Svc }, { lifecycle: Lifecycle.Singleton });
    c.resolve(TOKENS.StateStore);
    await c.dispose();
    expect(disposed).toBe(1);
    expect(() => c.resolve(TOKENS.StateStore)).toThrow(/disposed/);
  });
});
