/** Options of one command sent over a {@link CommandChannel}. */
export interface CommandOptions {
  /** Aborts the command (it rejects with an "aborted" error; a late reply is dropped). */
  signal?: AbortSignal;
  /** Per-command timeout in milliseconds; the channel has a default. */
  timeoutMs?: number;
}

/**
 * What a worker uses to send commands to a domain's hypervisor monitor. Core knows nothing of
 * the protocol: `@virtevent/qmp`'s monitor implements this interface and is attached to the
 * domain while it is connected. Monitor callbacks never get one (they must not wait on a reply).
 */
export interface CommandChannel {
  execute(
    command: string,
    args?: Record<string, unknown>,
    options?: CommandOptions,
  ): Promise<unknown>;
}
