/**
 * Every file in examples/ runs against the BUILT package (`npm test` builds first), through the
 * package's own name (`@spiffe-ts/sdk/...`), exactly as a user's code would import it. tsx reads
 * tsconfig.json's `paths`, which point `@spiffe-ts/sdk` at src/ for the type-checker; it is given
 * tsconfig.built.json instead, which has none, so that the name resolves to dist/.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const examples = readdirSync(join(root, 'examples')).filter((f) => /\.(ts|mts|js|mjs)$/.test(f));

describe('examples', () => {
  it('the package is built (npm test runs the build first)', () => {
    expect(existsSync(join(root, 'dist', 'index.js')), 'run `npm run build` first').toBe(true);
  });

  it('examples import the built package, not src/', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        "console.log(import.meta.resolve('@spiffe-ts/sdk/testing'))",
      ],
      {
        cwd: root,
        env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'test', 'examples', 'tsconfig.built.json') },
      },
    );
    expect(stdout.trim()).toMatch(/\/dist\/testing\/index\.js$/);
  });

  it.each(examples)('%s runs and exits 0', async (file) => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join('examples', file)], {
      cwd: root,
      timeout: 50_000,
      env: {
        ...process.env,
        SPIFFE_ENDPOINT_SOCKET: '',
        NO_COLOR: '1',
        TSX_TSCONFIG_PATH: join(root, 'test', 'examples', 'tsconfig.built.json'),
      },
    });
    expect(stdout.length).toBeGreaterThan(0);
  });
});
