#!/usr/bin/env node
/**
 * The `spiffe` command (the package's `bin`): SPIFFE workload identity from the shell. See
 * docs/cli.md for every command, flag and exit code.
 */
import { runCli } from './program.js';

function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

// A reader that went away (`spiffe inspect cert.pem | head`) is not an error: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

void runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
}).then(async (code) => {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  // Exit at once: a closed gRPC channel may keep timers alive for a few seconds.
  process.exit(code);
});
