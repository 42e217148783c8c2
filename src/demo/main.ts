/**
 * `npm start`: the SPIFFE scenario of the SPIRE guides, live in one process, on the embedded
 * fake agent (or a real one with `--spire`). Run with `node --import tsx src/demo/main.ts`; no
 * build needed. See `--help` and docs/getting-started.md.
 */
import { DemoError } from './errors.js';
import { EventLog } from './log.js';
import { parseOptions, USAGE, type DemoOptions } from './options.js';
import { EXIT, runDemo } from './run.js';

/** Resolves once what was written to `stream` has been handed to the OS. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/** Parses the options, handles Ctrl-C, runs the demo; resolves with the exit code. */
async function main(): Promise<number> {
  let options: DemoOptions;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof DemoError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    return EXIT.notStarted;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }

  // First Ctrl-C (or SIGTERM): stop cleanly. A second one: leave at once.
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort(`${signal} received`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed pipe (`npm start | head`) ends the demo like Ctrl-C.
  process.stdout.on('error', () => stop.abort('output closed'));

  const log = new EventLog(process.stdout, process.env);
  log.text(
    log.bold('@spiffe-ts/sdk demo') +
      ': frontend -> api-server (JWT-SVID) -> database (mTLS), SVIDs rotating underneath.' +
      (options.spire ? ' Real SPIRE agent.' : ' Embedded fake agent (npm start -- --spire for a real one).'),
  );
  return runDemo(options, log, process.env, stop.signal);
}

const code = await main();
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
// Everything was closed; exit at once rather than wait for gRPC's idle timers.
process.exit(code);
