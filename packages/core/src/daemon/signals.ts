import { type Disposable, toDisposable } from "../common/disposable.js";

/** The signals that close a daemon gracefully. */
export const CLOSE_SIGNALS = ["SIGINT", "SIGTERM", "SIGQUIT"] as const;
/** The signal that reloads a daemon. */
export const RELOAD_SIGNAL = "SIGHUP";

/** What each group of signals does. */
export interface SignalActions {
  close(signal: NodeJS.Signals): void;
  reload(signal: NodeJS.Signals): void;
}

/**
 * Installs process listeners: SIGINT / SIGTERM / SIGQUIT → `close`, SIGHUP → `reload`.
 * Disposing removes exactly these listeners (others' stay).
 * @internal
 */
export function installSignalHandlers(actions: SignalActions): Disposable {
  const installed: Array<[NodeJS.Signals, () => void]> = [
    ...CLOSE_SIGNALS.map((s): [NodeJS.Signals, () => void] => [s, () => actions.close(s)]),
    [RELOAD_SIGNAL, () => actions.reload(RELOAD_SIGNAL)],
  ];
  for (const [signal, listener] of installed) process.on(signal, listener);
  return toDisposable(() => {
    for (const [signal, listener] of installed) process.removeListener(signal, listener);
  });
}
