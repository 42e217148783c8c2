/**
 * Every complete code block of docs/ runs as pasted ("Code in these docs" in docs/README.md;
 * test/docs/snippets.test.ts says which blocks are complete and checks the fragments).
 *
 * The blocks are written into a new project in a temporary folder, as a reader would paste
 * them: each TypeScript block into a .mts file, each JavaScript block into a .mjs file, with
 * `@spiffe-ts/sdk` installed (a link to this repository, so the BUILT package: `npm test` builds
 * first), its dependencies and `@types/node`, and nothing else. Then:
 *
 * - `tsc` type-checks every TypeScript block (unmarked ones and `<!-- complete: examples/x.ts -->`
 *   ones) against the package's .d.ts files, in strict mode;
 * - every unmarked block runs with `node --import tsx` (TypeScript) or plain `node`
 *   (JavaScript) and must exit 0. The `complete:` blocks are examples, which
 *   test/examples/examples.test.ts runs with tsx; those labelled `js` run here with plain `node`
 *   too, as .mjs files.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODE_LANGS, codeBlocks, PAGES, read, repoRoot } from '../docs/support.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

interface Program {
  where: string;
  file: string;
  content: string;
  typescript: boolean;
  runs: boolean;
}

const programs: Program[] = PAGES.flatMap((doc) =>
  codeBlocks(read(`docs/${doc}`))
    .filter((b) => CODE_LANGS.has(b.lang) && (b.marker === undefined || b.marker.kind === 'complete'))
    .map((b) => {
      const typescript = !['js', 'javascript', 'mjs'].includes(b.lang);
      return {
        where: `docs/${doc}:${b.line}`,
        file: `${doc.replace(/\.md$/, '')}-${b.line}.${typescript ? 'mts' : 'mjs'}`,
        content: `${b.content}\n`,
        typescript,
        // A complete: block is an example, which examples.test.ts runs with tsx; one labelled as
        // JavaScript is also run here as a plain .mjs file, as it says.
        runs: b.marker === undefined || !typescript,
      };
    }),
);

/** The packages a project that installed @spiffe-ts/sdk has in node_modules. */
function installed(): string[] {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  return [...Object.keys(pkg.dependencies), '@types/node'];
}

let project: string;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'spiffe-docs-blocks-'));
  const modules = join(project, 'node_modules');
  await mkdir(join(modules, '@spiffe-ts'), { recursive: true });
  await symlink(repoRoot, join(modules, '@spiffe-ts', 'sdk'), 'dir');
  for (const name of installed()) {
    await mkdir(dirname(join(modules, name)), { recursive: true });
    await symlink(join(repoRoot, 'node_modules', name), join(modules, name), 'dir');
  }
  await writeFile(join(project, 'package.json'), '{ "private": true, "type": "module" }\n');
  await writeFile(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2023', 'ESNext.Disposable'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: true,
        types: ['node'],
        noEmit: true,
      },
      include: ['*.mts'],
    }),
  );
  for (const p of programs) await writeFile(join(project, p.file), p.content);
});

afterAll(async () => {
  if (project !== undefined) await rm(project, { recursive: true, force: true });
});

describe('docs: complete code blocks', () => {
  it('the package is built (npm test runs the build first)', () => {
    expect(existsSync(join(repoRoot, 'dist', 'index.js')), 'run `npm run build` first').toBe(true);
  });

  it('there are complete blocks', () => {
    expect(programs.filter((p) => p.runs).length).toBeGreaterThan(40);
  });

  it('every TypeScript block type-checks against the built package (tsc --strict)', async () => {
    const tsc = require.resolve('typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', project], { cwd: project }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    // Name the doc's lines, not the temporary files.
    const report = result.replace(/^(\S+?)\.(?:mts)\((\d+),\d+\)/gm, (_m, file: string, line: string) => {
      const p = programs.find((q) => q.file.startsWith(`${file}.`));
      if (p === undefined) return `${file}(${line})`;
      const [doc, start] = p.where.split(/:(?=\d+$)/) as [string, string];
      return `${doc}:${Number(start) + Number(line)}`;
    });
    expect(report).toBe('');
  }, 120_000);

  it.each(programs.filter((p) => p.runs).map((p) => [p.where, p] as const))(
    '%s runs and exits 0',
    async (_where, p) => {
      const args = p.typescript ? ['--import', pathToFileURL(require.resolve('tsx')).href, p.file] : [p.file];
      await run(process.execPath, args, {
        cwd: project,
        timeout: 50_000,
        env: { ...process.env, SPIFFE_ENDPOINT_SOCKET: '', NO_COLOR: '1' },
      });
    },
  );
});
