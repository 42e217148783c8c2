/**
 * Runs the command's `runCli` inside the test process, with in-memory streams: for the many
 * one-shot cases (inspect variants, usage errors) where a subprocess per case would only add
 * start-up time. The subprocess tests cover the executable itself. Not for daemons (they listen
 * for SIGINT/SIGTERM on the process).
 */
import { Readable } from 'node:stream';
import { runCli } from '../../src/cli/program.js';

/** The outcome of an in-process run. */
export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `spiffe <args>` in-process; `input` becomes stdin. */
export async function run(args: string[], input = ''): Promise<InProcessResult> {
  let stdout = '';
  let stderr = '';
  const stdin = Readable.from(input === '' ? [] : [Buffer.from(input)]) as Readable & { isTTY?: boolean };
  const code = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t), isTTY: false },
    stderr: { write: (t: string) => (stderr += t), isTTY: false },
    stdin,
    env: { NO_COLOR: '1' },
  });
  return { code, stdout, stderr };
}

/** Runs `spiffe <args> --json` in-process and parses stdout. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the JSON loosely
export async function runJson(args: string[], input = ''): Promise<InProcessResult & { json: any }> {
  const r = await run([...args, '--json'], input);
  let json: unknown;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n--- stderr:\n${r.stderr}`);
  }
  return { ...r, json };
}
