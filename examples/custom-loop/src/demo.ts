import { createEventLoopRegistry, EventLoopSlot, NodeEventLoop } from "@virtevent/core";
import { runEchoSession } from "./echo-session.js";
import { InstrumentedLoop } from "./instrumented-loop.js";

/**
 * The example end to end: registers the instrumented loop by name next to core's own, selects
 * one by name the way a daemon does, runs a real socket conversation on it, shows that the
 * selection is frozen once in use, and prints what it saw through `print`.
 */
export async function runDemo(implName: string, print: (line: string) => void): Promise<void> {
  const registry = createEventLoopRegistry();
  registry.register("instrumented", () => new InstrumentedLoop(new NodeEventLoop()));

  const slot = new EventLoopSlot(registry);
  const loop = slot.select(implName);
  slot.lock();
  try {
    const result = await runEchoSession(loop, 1000);
    print(`event-loop implementations: ${registry.names().join(", ")}`);
    print(`selected: ${loop.name}`);
    print(`echoed ${result.echoed}/${result.sent} lines over a unix socket`);
    if (loop instanceof InstrumentedLoop) {
      const { handles, timeouts } = loop.dispatches;
      print(
        `dispatches: ${handles} handle, ${timeouts} timeout; slow callbacks: ${loop.slowReports.length}`,
      );
    }
    try {
      slot.select("node");
    } catch (e) {
      print(`swapping the loop after start is refused: ${(e as Error).message}`);
    }
  } finally {
    await loop.close();
  }
}
