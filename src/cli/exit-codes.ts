/**
 * The exit codes of the `spiffe` command, documented in docs/cli.md. Scripts may rely on them:
 * they are part of the command's interface.
 */
export const ExitCode = {
  /** Success; also a daemon (`watch`, `helper`, `fake-agent`) stopped by SIGINT or SIGTERM. */
  ok: 0,
  /** A runtime failure: the agent failed or sent something unusable, a file could not be read or written. */
  failure: 1,
  /** A usage error: unknown command or flag, bad flag value, bad config file, no agent address. */
  usage: 2,
  /** No identity: the agent gave none (PermissionDenied, no entry) or none came within `--timeout`. */
  noIdentity: 3,
  /** Validation failed: `validate jwt` refused the token, `inspect` found a rule violation. */
  invalid: 4,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
