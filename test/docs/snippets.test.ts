/**
 * The docs show only code that CI runs or validates ("Code in these docs" in docs/README.md).
 * Every TypeScript or JavaScript block of every page of docs/ is one of:
 *
 * - complete, with no marker: a program with its imports and set-up (the fake agent of
 *   `@spiffe-ts/sdk/testing` where it needs an agent) that runs as pasted into a new .mts file of
 *   a project with the package installed. test/examples/docs-blocks.test.ts type-checks every
 *   one against the built package's .d.ts and runs it with Node.
 * - complete, `<!-- complete: examples/x.ts -->`: a whole example (test/examples runs it),
 *   identical to the file without its `// #region` lines.
 * - a fragment, `<!-- snippet: examples/x.ts#name -->`: a region of an example, identical to it,
 *   and labelled in the prose above it with `Fragment of [examples/x.ts](../examples/x.ts)`.
 *
 * The guides' manifests are files of examples/kubernetes (validated by
 * scripts/validate-manifests.mjs), identical to their sources.
 * `node scripts/docs.mjs --snippets` rewrites the marked blocks from their sources.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CODE_LANGS,
  codeBlocks,
  GUIDES,
  labelsFragment,
  markerSource,
  PAGES,
  read,
  regionNames,
  repoRoot,
} from './support.js';

const CONFIG = new Set(['yaml', 'yml', 'json', 'rego']);
const blocks = PAGES.flatMap((doc) => codeBlocks(read(`docs/${doc}`)).map((b) => ({ doc, ...b })));
const marked = blocks.filter((b) => b.marker !== undefined);
const code = blocks.filter((b) => CODE_LANGS.has(b.lang));

describe('docs: code blocks and their sources', () => {
  it.each(
    marked.map(
      (b) =>
        [`${b.doc}:${b.line}`, `${b.marker!.path}${b.marker!.name ? `#${b.marker!.name}` : ''}`, b] as const,
    ),
  )('%s is %s, unchanged (node scripts/docs.mjs --snippets to refresh)', (_where, _what, block) => {
    expect(existsSync(join(repoRoot, block.marker!.path)), `${block.marker!.path} exists`).toBe(true);
    expect(block.content).toBe(markerSource(block.marker!));
  });

  it('every TypeScript or JavaScript block is complete, or a fragment of a file in examples/', () => {
    const loose = code.filter(
      (b) =>
        b.marker !== undefined &&
        (!['snippet', 'complete'].includes(b.marker.kind) || !b.marker.path.startsWith('examples/')),
    );
    expect(loose.map((b) => `${b.doc}:${b.line}`)).toEqual([]);
  });

  it('every fragment is labelled, above it, as a fragment of its complete example, with a link', () => {
    const unlabelled = code.filter(
      (b) => b.marker?.kind === 'snippet' && !labelsFragment(b.before, b.marker.path),
    );
    expect(
      unlabelled.map((b) => `${b.doc}:${b.line}: Fragment of [${b.marker!.path}](../${b.marker!.path})`),
    ).toEqual([]);
  });

  it('every YAML, JSON and Rego block of the guides is a file or ConfigMap entry of examples/kubernetes (validated by CI)', () => {
    const loose = blocks.filter(
      (b) =>
        GUIDES.includes(b.doc) &&
        CONFIG.has(b.lang) &&
        (b.marker === undefined ||
          b.marker.kind === 'snippet' ||
          !b.marker.path.startsWith('examples/kubernetes/')),
    );
    expect(loose.map((b) => `${b.doc}:${b.line}`)).toEqual([]);
  });

  it('every code block says its language', () => {
    expect(blocks.filter((b) => b.lang === '').map((b) => `${b.doc}:${b.line}`)).toEqual([]);
  });

  it('every region of every getting-started example is shown in a guide', () => {
    const shown = new Set(
      marked.filter((b) => b.marker!.kind === 'snippet').map((b) => `${b.marker!.path}#${b.marker!.name}`),
    );
    const whole = new Set(marked.filter((b) => b.marker!.kind === 'complete').map((b) => b.marker!.path));
    const examples = readdirSync(join(repoRoot, 'examples')).filter((f) =>
      /^getting-started-.*\.ts$/.test(f),
    );
    expect(examples.length).toBeGreaterThanOrEqual(5);
    const missing = examples
      .flatMap((f) => regionNames(`examples/${f}`).map((r) => `examples/${f}#${r}`))
      .filter((r) => !shown.has(r) && !whole.has(r.split('#')[0]!));
    expect(missing).toEqual([]);
  });
});

/** GitHub's anchor of a heading. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

describe('docs: links', () => {
  it.each(PAGES)('the relative links of %s resolve (files and anchors)', (doc) => {
    const text = read(`docs/${doc}`)
      .replace(/```[\s\S]*?```/g, '')
      .replace(/``.*?``|`[^`\n]*`/g, '');
    const broken: string[] = [];
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const [path, anchor] = target!.split('#') as [string, string | undefined];
      const file = path === '' ? join('docs', doc) : normalize(join('docs', dirname(doc), path));
      if (!existsSync(join(repoRoot, file))) {
        broken.push(target!);
        continue;
      }
      if (anchor !== undefined && file.endsWith('.md')) {
        const headings = [...read(file).matchAll(/^#+ (.*)$/gm)].map((m) => slug(m[1]!));
        if (!headings.includes(anchor)) broken.push(target!);
      }
    }
    expect(broken).toEqual([]);
  });

  it('docs/README.md links every page of docs/', () => {
    const index = read('docs/README.md');
    const pages = readdirSync(join(repoRoot, 'docs')).filter((f) => f.endsWith('.md') && f !== 'README.md');
    expect(pages.filter((p) => !index.includes(`](${p})`))).toEqual([]);
  });
});
