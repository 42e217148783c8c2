/**
 * Global set-up of the `interop` vitest project: starts one SPIRE server and agent for every
 * test file (they take seconds to start and the agent needs seconds to sync an entry), hands
 * the test files a `SpireInfo` through `inject('spire')`, and on teardown stops every process
 * group it started, removes the temporary folder with the sockets, and fails the run if a
 * process or the folder is left.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { findBinaries } from './paths.js';
import { Processes } from './processes.js';
import { startSpire, type SpireInfo } from './spire.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The SPIRE deployment, or why there is none (the binaries were not built). */
    spire: { info: SpireInfo } | { missing: string };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const found = findBinaries();
  if ('missing' in found) {
    project.provide('spire', { missing: found.missing });
    return async () => {};
  }
  const procs = new Processes();
  const onExit = (): void => procs.killAllNow();
  process.once('exit', onExit);
  // Short paths: a unix socket path must stay under 108 bytes.
  const dir = await mkdtemp(join(tmpdir(), 'spire-'));
  try {
    const info = await startSpire(found.binaries, procs, dir);
    project.provide('spire', { info });
  } catch (error) {
    const logs = await Promise.all(
      ['server.log', 'agent.log'].map(async (f) =>
        existsSync(join(dir, f))
          ? `--- ${f} (tail)\n${(await readFile(join(dir, f), 'utf8')).slice(-4000)}`
          : '',
      ),
    );
    await procs.stopAll();
    await rm(dir, { recursive: true, force: true });
    process.removeListener('exit', onExit);
    throw new Error(`starting SPIRE failed: ${String(error)}\n${logs.join('\n')}`);
  }
  return async () => {
    await procs.stopAll();
    await rm(dir, { recursive: true, force: true });
    process.removeListener('exit', onExit);
    const left = procs.leftovers();
    if (left.length > 0 || existsSync(dir)) {
      throw new Error(
        `interop teardown left ${left.length} process group(s) (${left.join(', ')})` +
          `${existsSync(dir) ? ` and the folder ${dir}` : ''}`,
      );
    }
  };
}
