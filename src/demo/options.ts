import { parseArgs } from 'node:util';
import { DemoError } from './errors.js';

/** What `npm start -- [options]` asks for. */
export interface DemoOptions {
  /** Stop after this many seconds; undefined: run until Ctrl-C. */
  durationS: number | undefined;
  /** X509-SVID lifetime of the fake agent, in seconds (renewed at half of it). */
  ttlS: number;
  /** Pause between two requests of the frontend, in ms. */
  intervalMs: number;
  /** Use the real agent at `SPIFFE_ENDPOINT_SOCKET` instead of the embedded fake one. */
  spire: boolean;
  /** With `--spire`: the trust domain of the expected identities; default: the agent's. */
  trustDomain: string | undefined;
  /** Print the usage and stop. */
  help: boolean;
}

/** The text of `--help`. */
export const USAGE = `Usage: npm start -- [options]

The SPIFFE scenario of the SPIRE guides, live in one process: frontend, api-server and database
get their own SPIFFE IDs (spiffe://example.org/ns/production/sa/<name>) from a Workload API;
api-server calls database over mTLS, frontend calls api-server with a JWT-SVID, frontend is
refused by database, and the SVIDs rotate while requests keep flowing.

Options:
  --duration <s>        stop after <s> seconds (default: run until Ctrl-C)
  --ttl <s>             X509-SVID lifetime of the embedded agent, 4..3600 (default: 6; rotation at half)
  --interval <ms>       pause between requests, 50..60000 (default: 500)
  --spire               use the real agent at SPIFFE_ENDPOINT_SOCKET (also: SPIFFE_DEMO_SPIRE=1)
  --trust-domain <name> with --spire: the trust domain of the three identities (default: the agent's)
  -h, --help            show this help

Exit codes: 0 stopped (Ctrl-C or --duration) with every request answered; 1 some requests
failed; 2 the demo could not start (bad option, agent unreachable, identities missing).
Colour only on a terminal, never with NO_COLOR set.`;

/**
 * Reads the options from `argv` (without `node` and the script) and the environment.
 * @throws {DemoError} `usage` for an unknown option or a bad value.
 */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): DemoOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        duration: { type: 'string' },
        ttl: { type: 'string' },
        interval: { type: 'string' },
        spire: { type: 'boolean' },
        'trust-domain': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new DemoError('usage', `${(error as Error).message} (see --help)`, { cause: error });
  }
  const spireEnv = env.SPIFFE_DEMO_SPIRE;
  return {
    durationS:
      values.duration === undefined
        ? undefined
        : number(values.duration as string, '--duration', 0.1, 86_400),
    ttlS: values.ttl === undefined ? 6 : number(values.ttl as string, '--ttl', 4, 3600),
    intervalMs:
      values.interval === undefined ? 500 : number(values.interval as string, '--interval', 50, 60_000),
    spire: values.spire === true || (spireEnv !== undefined && spireEnv !== '' && spireEnv !== '0'),
    trustDomain: values['trust-domain'] as string | undefined,
    help: values.help === true,
  };
}

function number(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new DemoError(
      'usage',
      `${flag} must be a number from ${min} to ${max}, not ${JSON.stringify(text)}`,
    );
  }
  return value;
}
