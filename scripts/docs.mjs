#!/usr/bin/env node
/**
 * The generated parts of the docs.
 *
 * - `node scripts/docs.mjs` (`npm run docs`): the API reference, from the TSDoc comments, with
 *   typedoc into docs/api/ (gitignored; open docs/api/index.html). Options are in typedoc.json;
 *   the entry points are the layers, `src/<layer>/index.ts`, as the package exports them.
 * - `--check`: the same, and typedoc's warnings (an export without a comment, a broken
 *   `{@link}`, a type used in the public API but not exported) fail the run.
 * - `--snippets`: rewrites the code blocks of README.md and docs/*.md that follow a marker from
 *   their source:
 *   `<!-- complete: examples/x.ts -->` (the whole example, a complete program, without its
 *   `// #region` and `// #endregion` lines), `<!-- snippet: examples/x.ts#name -->` (a fragment:
 *   the lines between `// #region name` and `// #endregion name`, dedented),
 *   `<!-- file: path -->` (the whole file) or `<!-- configmap: path#key -->` (the `data` entry
 *   `key` of a ConfigMap in that YAML file). test/docs/snippets.test.ts fails when a block and its
 *   source differ; docs/README.md ("Code in these docs") says which blocks are complete.
 *
 * Exit codes: 0 done; 1 typedoc failed (or warned, with --check), or a marker's source is missing.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MARKER = /^<!-- (snippet|complete|file|configmap): (\S+?)(?:#(\S+))? -->$/;
const REGION_LINE = /^\s*\/\/ #(end)?region\b.*$/;

/** The text a marker stands for. @throws when the source or the region is missing. */
async function sourceOf(kind, path, name) {
  const text = await readFile(join(root, path), 'utf8');
  if (kind === 'file') return text.replace(/\n+$/, '');
  if (kind === 'complete') {
    return text
      .split('\n')
      .filter((l) => !REGION_LINE.test(l))
      .join('\n')
      .replace(/\n+$/, '');
  }
  if (kind === 'configmap') {
    const { parseAllDocuments } = await import('yaml');
    for (const doc of parseAllDocuments(text)) {
      const value = doc.toJS()?.data?.[name];
      if (typeof value === 'string') return value.replace(/\n+$/, '');
    }
    throw new Error(`${path} has no ConfigMap data entry ${JSON.stringify(name)}`);
  }
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === `// #region ${name}`);
  const end = lines.findIndex(
    (l, i) => i > start && (l.trim() === `// #endregion ${name}` || l.trim() === '// #endregion'),
  );
  if (start < 0 || end < 0) throw new Error(`${path} has no region ${JSON.stringify(name)}`);
  const body = lines.slice(start + 1, end);
  const indent = Math.min(...body.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length));
  return body.map((l) => l.slice(indent)).join('\n');
}

/** Rewrites the marked code blocks of README.md and every docs/*.md; returns how many changed. */
async function syncSnippets() {
  const docs = (await readdir(join(root, 'docs'))).filter((f) => f.endsWith('.md')).sort();
  let changed = 0;
  for (const name of ['../README.md', ...docs]) {
    const file = join(root, 'docs', name);
    const text = await readFile(file, 'utf8');
    const lines = text.split('\n');
    const out = [];
    for (let i = 0; i < lines.length; i++) {
      out.push(lines[i]);
      const marker = MARKER.exec(lines[i].trim());
      if (marker === null) continue;
      const fence = lines[i + 1] ?? '';
      if (!fence.startsWith('```'))
        throw new Error(`docs/${name}:${i + 1}: a marker must be followed by a code block`);
      let close = i + 2;
      while (close < lines.length && lines[close] !== '```') close++;
      if (close >= lines.length) throw new Error(`docs/${name}:${i + 2}: the code block is not closed`);
      const [, kind, path, region] = marker;
      const fresh = (await sourceOf(kind, path, region)).split('\n');
      const old = lines.slice(i + 2, close);
      if (old.join('\n') !== fresh.join('\n')) changed++;
      out.push(fence, ...fresh, '```');
      i = close;
    }
    if (out.join('\n') !== text) await writeFile(file, out.join('\n'));
  }
  return changed;
}

/** Builds the API reference; resolves with the exit code. */
async function apiReference(check) {
  const { Application, LogLevel, TSConfigReader, TypeDocReader } = await import('typedoc');
  process.chdir(root);
  const app = await Application.bootstrapWithPlugins(
    { options: join(root, 'typedoc.json'), treatWarningsAsErrors: check, logLevel: LogLevel.Info },
    [new TypeDocReader(), new TSConfigReader()],
  );
  const project = await app.convert();
  if (project === undefined) return 1;
  app.validate(project);
  if (app.logger.hasErrors() || (check && app.logger.hasWarnings())) return 1;
  await app.generateDocs(project, app.options.getValue('out'));
  return app.logger.hasErrors() ? 1 : 0;
}

async function main(args) {
  const unknown = args.filter((a) => !['--check', '--snippets'].includes(a));
  if (unknown.length > 0) {
    console.error(`unknown option ${unknown[0]}; usage: node scripts/docs.mjs [--check | --snippets]`);
    return 2;
  }
  if (args.includes('--snippets')) {
    const changed = await syncSnippets();
    console.log(`docs/*.md: ${changed} code block${changed === 1 ? '' : 's'} updated from their sources`);
    return 0;
  }
  return apiReference(args.includes('--check'));
}

process.exitCode = await main(process.argv.slice(2));
