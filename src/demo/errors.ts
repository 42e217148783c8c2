import { SpiffeError } from '../internal/errors.js';

/**
 * Why the demo could not run:
 * - `usage`: a bad command-line option;
 * - `agent_unreachable`: `--spire` with no Workload API address, or an agent that does not answer;
 * - `identities_missing`: `--spire` and the agent does not give this process the three
 *   identities of the scenario (the message lists the `spire-server entry create` commands).
 */
export type DemoErrorCode = 'usage' | 'agent_unreachable' | 'identities_missing';

/** A failure to start the demo; its message is printed as is. */
export class DemoError extends SpiffeError {
  declare readonly code: DemoErrorCode;

  /** A failure `code`, and the `message` printed to the user. */
  constructor(code: DemoErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
