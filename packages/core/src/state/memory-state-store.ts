import { injectable } from "tsyringe";
import { StateStoreBase } from "./state-store-base.js";

/**
 * The default {@link StateStore}: memory only, every write durable at once (for tests and
 * daemons that need no memory across restarts).
 */
@injectable()
export class MemoryStateStore extends StateStoreBase {
  async load(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
  }

  protected persist(): Promise<void> {
    return Promise.resolve();
  }
}
