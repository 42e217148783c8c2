import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { parseDuration } from './duration.js';
import { toCliError } from './errors.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { HelperFlags } from './helper-config.js';
import { Output, type OutputStream } from './output.js';
import { listenForStop, type StopSignal } from './signals.js';

/** The process around the command: streams and environment (replaced in tests). */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

const EXIT_CODES_HELP = `
Exit codes:
  0  success (a daemon stopped by SIGINT/SIGTERM also exits 0)
  1  runtime failure (agent error, unusable response, file not readable or writable)
  2  usage error (unknown command or flag, bad value, bad config file, no agent address)
  3  no identity (none issued to this workload, or none within --timeout)
  4  validation failed (validate: token refused; inspect: a SPIFFE rule is broken)

The Workload API address comes from --socket or SPIFFE_ENDPOINT_SOCKET. Colour only on a
terminal, never with NO_COLOR set. Full guide: docs/cli.md in the @spiffe-ts/sdk repository.`;

const SOCKET_HELP =
  'Workload API address: unix:///path/to/agent.sock, tcp://<ip>:<port>, or an absolute socket path (default: $SPIFFE_ENDPOINT_SOCKET)';

/** `--socket`: the Workload API address, for every command that talks to an agent. */
function socketOption(): Option {
  return new Option('-s, --socket <address>', SOCKET_HELP);
}

/** `--timeout` (default 10 s): how long a one-shot command waits for the agent. */
function timeoutOption(what: string): Option {
  return new Option('-t, --timeout <duration>', what).argParser(duration('--timeout')).default(10_000, '10s');
}

/** A commander argument parser for durations (`500ms`, `30s`, `5m`, `1h`). */
function duration(flag: string) {
  return (value: string): number => {
    try {
      return parseDuration(value, flag);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message.replace(`${flag}: `, ''));
    }
  };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function fraction(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n < 1))
    throw new InvalidArgumentError('a fraction of the lifetime between 0 and 1, e.g. 0.25');
  return n;
}

/**
 * Runs the `spiffe` command with `argv` (without `node` and the script) and resolves with its
 * exit code; never throws, never calls `process.exit`.
 */
export async function runCli(argv: string[], io: CliIo): Promise<ExitCodeValue> {
  const out = new Output(io.stdout, io.stderr, io.env);
  let result: ExitCodeValue = ExitCode.ok;
  let stop: StopSignal | undefined;
  const daemon = (): StopSignal => (stop ??= listenForStop());
  const program = buildProgram(io, out, (code) => (result = code), daemon);
  try {
    await program.parseAsync(spiffeHelperFlags(argv), { from: 'user' });
    return result;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    const cliError = await toCliError(error);
    out.error(cliError.message);
    if (cliError.hint) out.info(`${out.errStyle.dim('hint:')} ${cliError.hint}`);
    return cliError.exitCode;
  } finally {
    stop?.[Symbol.dispose]();
  }
}

/**
 * spiffe-helper's flags are Go flags with one dash (`-config helper.conf`, `-daemon-mode=false`):
 * after `helper`, they are rewritten to this command's `--config` and `--daemon-mode`.
 */
function spiffeHelperFlags(argv: string[]): string[] {
  const at = argv.findIndex((arg) => !arg.startsWith('-'));
  if (argv[at] !== 'helper') return argv;
  return argv.map((arg, i) => (i > at && /^-(?:config|daemon-mode)(?:=|$)/.test(arg) ? `-${arg}` : arg));
}

function buildProgram(
  io: CliIo,
  out: Output,
  setResult: (code: ExitCodeValue) => void,
  daemon: () => StopSignal,
): Command {
  const program = new Command('spiffe')
    .description(
      'SPIFFE workload identity from the shell: fetch, watch and inspect SVIDs, write them to files, run a fake agent.',
    )
    .version(packageJson.version, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`${out.errStyle.red('error:')} ${text.replace(/^error: /, '')}`),
    })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP);

  const fetch = program
    .command('fetch')
    .description('fetch an X509-SVID, a JWT-SVID or the bundles from the Workload API');
  fetch
    .command('x509')
    .description('show the X509-SVIDs (ID, hint, expiry, chain) and trust domains; never the private key')
    .addOption(socketOption())
    .addOption(timeoutOption('how long to wait for an identity'))
    .option('--json', 'print JSON')
    .action(async (options) => setResult(await (await import('./fetch.js')).fetchX509(options, out)));
  fetch
    .command('jwt')
    .description('print a JWT-SVID to stdout (details on stderr, or all in JSON with --json)')
    .requiredOption('-a, --audience <audience>', 'the audience (repeat for extra audiences)', collect)
    .option('--spiffe-id <id>', 'the identity to get a token for, when the workload has several')
    .addOption(socketOption())
    .addOption(timeoutOption('how long to wait for the agent'))
    .option('--json', 'print JSON (the token included)')
    .action(async (options) => setResult(await (await import('./fetch.js')).fetchJwt(options, out)));
  fetch
    .command('bundles')
    .description('show the X.509 and JWT authorities of every trust domain')
    .addOption(socketOption())
    .addOption(timeoutOption('how long to wait for the agent'))
    .option('--json', 'print JSON')
    .action(async (options) => setResult(await (await import('./fetch.js')).fetchBundles(options, out)));

  program
    .command('validate')
    .description('validate an SVID with the Workload API')
    .command('jwt')
    .description(
      'validate a JWT-SVID for an audience (exit 4 when refused); the token comes from stdin by default',
    )
    .argument('[token]', 'the token, or - for standard input (default; keeps it out of the process list)')
    .requiredOption('-a, --audience <audience>', 'the audience the token must be for')
    .addOption(socketOption())
    .addOption(timeoutOption('how long to wait for the agent'))
    .option('--json', 'print JSON')
    .action(async (token: string | undefined, options) =>
      setResult(await (await import('./validate.js')).validateJwt(token, options, out, io.stdin)),
    );

  program
    .command('watch')
    .description('follow X.509 updates: print each rotation with time left; warn when rotation stalls')
    .option('-s, --socket <address>', SOCKET_HELP)
    .addOption(
      new Option(
        '--expiry-warning <fraction>',
        'warn when less than this fraction of the lifetime is left without rotation',
      )
        .argParser(fraction)
        .default(0.25),
    )
    .addOption(
      new Option(
        '-t, --timeout <duration>',
        'give up when no identity comes within this time (default: wait)',
      ).argParser(duration('--timeout')),
    )
    .option('--json', 'print one JSON object per event (NDJSON)')
    .action(async (options) => setResult(await (await import('./watch.js')).watch(options, out, daemon())));

  program
    .command('inspect')
    .description(
      'say what a file is (PEM certificates/keys, JWT-SVID, SPIFFE bundle/JWKS) and every SPIFFE rule it breaks',
    )
    .argument('<file>', 'the file, or - for standard input')
    .option('--trust-domain <name>', 'the trust domain of a bundle that does not name it (a plain JWKS)')
    .option(
      '--bundle <file>',
      'also verify the X509-SVID chain or the JWT-SVID signature with this bundle (PEM or JSON)',
    )
    .option('--json', 'print JSON')
    .action(async (file: string, options) =>
      setResult(await (await import('./inspect.js')).inspect(file, options, out, io.stdin)),
    );

  program
    .command('helper')
    .description(
      'write svid.pem, svid_key.pem and bundle.pem (and JWT-SVIDs), rewrite them on rotation, reload the workload',
    )
    .option(
      '-c, --config <file>',
      "spiffe-helper's config file: HCL, or JSON with the same keys (flags override it; also -config; default: ./helper.conf when there is no --out)",
    )
    .option('-s, --socket <address>', `${SOCKET_HELP} [agent_address]`)
    .option('-o, --out <dir>', 'folder to write the files into; created if missing [cert_dir]')
    .option(
      '--dir-mode <octal>',
      'mode of the --out folder when the helper creates it: 0700 (default), or 0755 for files another user reads',
    )
    .option('--svid-file <name>', 'certificate file (default: svid.pem) [svid_file_name]')
    .option('--key-file <name>', 'private key file, PKCS#8 (default: svid_key.pem) [svid_key_file_name]')
    .option('--bundle-file <name>', 'trust bundle file (default: bundle.pem) [svid_bundle_file_name]')
    .option(
      '--cert-mode <octal>',
      'mode of the certificate and bundle files (default: 0644) [cert_file_mode]',
    )
    .option('--key-mode <octal>', 'mode of the key file (default: 0600) [key_file_mode]')
    .option(
      '--jwt-bundle-file <name>',
      'also keep the JWT bundles in this file: JSON, trust domain to base64 JWKS [jwt_bundle_file_name]',
    )
    .option(
      '--include-federated',
      'add the federated trust domains to the bundle file [include_federated_domains]',
    )
    .option(
      '--intermediates-in-bundle',
      'put the intermediates in the bundle file, not the certificate file [add_intermediates_to_bundle]',
    )
    .option('--hint <hint>', 'write the SVID with this hint instead of the default one [hint]')
    .option(
      '--jwt-audience <audience>',
      'also keep a JWT-SVID for this audience (repeatable, pairs with --jwt-file) [jwt_svids]',
      collect,
    )
    .option('--jwt-file <name>', 'file for the JWT-SVID of the matching --jwt-audience', collect)
    .option(
      '--cmd <path>',
      'command to run after each write; with --signal, a child started once and signalled on rotation [cmd]',
    )
    .option('--cmd-args <args>', 'arguments of --cmd, one string split like a shell would [cmd_args]')
    .option('--signal <name>', 'signal to send on rotation, e.g. SIGHUP [renew_signal]')
    .option('--pid-file <path>', 'send --signal to the process whose pid is in this file [pid_file_name]')
    .option('--pid <pid>', 'send --signal to this process')
    .option('--once', 'write the files once and exit (init containers) [daemon_mode = false]')
    .option(
      '--daemon-mode [bool]',
      "spiffe-helper's -daemon-mode: false is --once, true overrides daemon_mode = false in the config",
    )
    .option(
      '-t, --timeout <duration>',
      'give up when no identity comes within this time (default: 30s with --once, else wait)',
    )
    .option(
      '--health-port <port>',
      'serve GET /live and /ready on this port (0: any free port) [health_checks]',
    )
    .option('--health-addr <address>', 'address of the health endpoint (default: 0.0.0.0)')
    .option('--json', 'log one JSON object per event to stdout (NDJSON)')
    .action(async (options: HelperFlags) =>
      setResult(await (await import('./helper.js')).helper(options, out, daemon())),
    );

  program
    .command('fake-agent')
    .description('run a fake Workload API (FakeAgent + FakeCa) for local development; NOT for production')
    .option('--trust-domain <name>', 'the trust domain (default: that of the first --id, else example.org)')
    .option('--socket <path>', 'unix socket path to listen on (default: a fresh temporary folder)')
    .option(
      '--id <spiffe-id>',
      'an identity every caller gets (repeatable; default: spiffe://<trust domain>/workload)',
      collect,
      [],
    )
    .addOption(
      new Option('--ttl <duration>', 'X509-SVID lifetime; renewed at half of it')
        .argParser(duration('--ttl'))
        .default(3_600_000, '1h'),
    )
    .addOption(
      new Option('--jwt-ttl <duration>', 'JWT-SVID lifetime')
        .argParser(duration('--jwt-ttl'))
        .default(300_000, '5m'),
    )
    .option(
      '--federate <trust-domain>',
      'also hand out the bundle of this foreign trust domain (repeatable)',
      collect,
      [],
    )
    .option('--json', 'print the ready event as JSON')
    .action(async (options) =>
      setResult(await (await import('./fake-agent.js')).fakeAgent(options, out, daemon())),
    );

  return program;
}
