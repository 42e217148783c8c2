/**
 * The repository's README.md is the package's front page on npm: its code blocks are files that CI
 * runs (examples/quick-start.mjs runs in the examples suite, and `npm run test:packed` runs it with
 * plain `node` against the packed package), identical to those files.
 */
import { describe, expect, it } from 'vitest';
import { codeBlocks, markerSource, read } from './support.js';

const readme = read('README.md');
const blocks = codeBlocks(readme);

describe('README.md', () => {
  it('starts with the install command and a quick start that is a whole file of examples/', () => {
    const install = readme.indexOf('npm install @spiffe-ts/sdk');
    const quick = blocks.find((b) => b.marker?.path === 'examples/quick-start.mjs');
    expect(install).toBeGreaterThan(0);
    expect(quick?.marker?.kind).toBe('file');
    expect(quick!.content).toBe(markerSource(quick!.marker!));
  });

  it('every JavaScript or TypeScript block is a file or region of examples/', () => {
    const loose = blocks.filter(
      (b) => ['js', 'ts', 'mjs'].includes(b.lang) && !b.marker?.path.startsWith('examples/'),
    );
    expect(loose.map((b) => `README.md:${b.line}`)).toEqual([]);
  });

  it('the output it shows is what the quick start prints', () => {
    const shown = blocks.find((b) => b.lang === 'text')!.content.split('\n');
    const source = read('examples/quick-start.mjs');
    expect(shown[0]).toMatch(
      /^I am spiffe:\/\/example\.org\/ns\/production\/sa\/api-server, valid until \S+Z$/,
    );
    expect(shown[1]).toMatch(/^rotated: now valid until \S+Z$/);
    expect(source).toContain('console.log(`I am ${svid.id}, valid until ${svid.expiresAt.toISOString()}`);');
    expect(source).toContain(
      'console.log(`rotated: now valid until ${source.getX509Svid().expiresAt.toISOString()}`);',
    );
  });

  it('shows the set-up of the repository: npm ci, npm start, npm test', () => {
    expect(readme).toMatch(/```sh\nnpm ci\nnpm start .*\nnpm test .*\n```/);
  });
});
