/**
 * The guides show only what CI runs or validates: each TypeScript block is a region of an example
 * (test/examples runs them), each manifest a file of examples/kubernetes (validated by
 * scripts/validate-manifests.mjs), and they are identical to their sources.
 * `node scripts/docs.mjs --snippets` rewrites the blocks from their sources.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeBlocks, GUIDES, markerSource, read, regionNames, repoRoot } from './support.js';

const CODE = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs', 'tsx']);
const CONFIG = new Set(['yaml', 'yml', 'json', 'rego']);
const blocks = GUIDES.flatMap((doc) => codeBlocks(read(`docs/${doc}`)).map((b) => ({ doc, ...b })));
const marked = blocks.filter((b) => b.marker !== undefined);

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

  it('every TypeScript or JavaScript block is a region of a file in examples/ (run by CI)', () => {
    const loose = blocks.filter(
      (b) => CODE.has(b.lang) && (b.marker?.kind !== 'snippet' || !b.marker.path.startsWith('examples/')),
    );
    expect(loose.map((b) => `${b.doc}:${b.line}`)).toEqual([]);
  });

  it('every YAML, JSON and Rego block is a file or ConfigMap entry of examples/kubernetes (validated by CI)', () => {
    const loose = blocks.filter(
      (b) =>
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
    const examples = readdirSync(join(repoRoot, 'examples')).filter((f) =>
      /^getting-started-.*\.ts$/.test(f),
    );
    expect(examples.length).toBeGreaterThanOrEqual(5);
    const missing = examples
      .flatMap((f) => regionNames(`examples/${f}`).map((r) => `examples/${f}#${r}`))
      .filter((r) => !shown.has(r));
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
  it.each(GUIDES)('the relative links of %s resolve (files and anchors)', (doc) => {
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
