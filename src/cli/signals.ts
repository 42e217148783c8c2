/** The signals that stop a long-running command gracefully. */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** A stop request: aborted on the first SIGINT or SIGTERM, with the signal's name as reason. */
export interface StopSignal extends Disposable {
  readonly signal: AbortSignal;
  /** Resolves with the signal's name when one arrives. */
  readonly stopped: Promise<NodeJS.Signals>;
}

/**
 * Listens for SIGINT and SIGTERM while a command runs, so that it can stop gracefully (close the
 * agent connection, remove sockets, stop a child) instead of being killed. Dispose it when done.
 */
export function listenForStop(): StopSignal {
  const controller = new AbortController();
  let resolveStopped!: (signal: NodeJS.Signals) => void;
  const stopped = new Promise<NodeJS.Signals>((resolve) => (resolveStopped = resolve));
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) return;
    controller.abort(name);
    resolveStopped(name);
  };
  for (const name of STOP_SIGNALS) process.on(name, onSignal);
  return {
    signal: controller.signal,
    stopped,
    [Symbol.dispose]() {
      for (const name of STOP_SIGNALS) process.off(name, onSignal);
    },
  };
}
