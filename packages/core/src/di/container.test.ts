import { Lifecycle, container as rootContainer } from "tsyringe";
import { describe, expect, it } from "vitest";
import { createSilentLogger } from "../common/logger.js";
import type { DomainRegistry } from "../domain/domain-registry.js";
import { DomainRegistryImpl } from "../domain/domain-registry-impl.js";
import { ManualEventLoop } from "../testing/manual-event-loop.js";
import { createDaemonContainer } from "./container.js";
import { registerCoreServices } from "./core-services.js";
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

describe("registerCoreServices", () => {
  it("wires one registry, pool and store per daemon, shared with plugin containers", async () => {
    const loop = new ManualEventLoop();
    const a = createDaemonContainer();
    const b = createDaemonContainer();
    const servicesA = registerCoreServices(a, { loop, logger: createSilentLogger() });
    const servicesB = registerCoreServices(b, { loop, logger: createSilentLogger() });
    expect(servicesA.pool).not.toBe(servicesB.pool);
    expect(servicesA.stateStore).not.toBe(servicesB.stateStore);
    const plugin = a.createChildContainer();
    plugin.register(TOKENS.Logger, { useValue: createSilentLogger() }); // cannot rewire core
    expect(plugin.resolve(TOKENS.WorkerPool)).toBe(servicesA.pool);
    expect(plugin.resolve(TOKENS.DomainRegistry)).toBe(servicesA.registry);
    expect(plugin.resolve(TOKENS.StateStore)).toBe(servicesA.stateStore);

    const vm = servicesA.registry.define({ name: "vm1" });
    servicesA.registry.markStarted(vm.uuid);
    await a.dispose(); // disposes the pool: intake closed
    const outcome = await servicesA.pool.runInLane(vm.uuid, { plugin: "p", label: "x" }, () => {});
    expect(outcome).toBe("closed");
    expect(await servicesB.pool.runInLane(vm.uuid, { plugin: "p", label: "x" }, () => {})).toBe(
      "rejected", // daemon B never heard of daemon A's domain
    );
  });
});
