/** Reading the docs, the examples and the manifests, for the tests of test/docs. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { parseAllDocuments } from 'yaml';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The guides of issue 9: their code blocks must come from files CI runs or validates. */
export const GUIDES = [
  'README.md',
  'getting-started.md',
  'kubernetes.md',
  'authorization.md',
  'envoy.md',
  'migrating-from-go-spiffe.md',
];

/** Every page of docs/ (docs/api/ is generated and not a page). */
export const PAGES = readdirSync(join(repoRoot, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .sort();

/** The languages of TypeScript and JavaScript code blocks. */
export const CODE_LANGS = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs', 'tsx']);

/**
 * A marker before a code block: where its content comes from. `complete` is a whole example file
 * shown as a complete program (its `// #region` lines left out); `snippet` a region of a file,
 * shown as a fragment; `file` and `configmap` a configuration file or a ConfigMap entry.
 */
export interface Marker {
  kind: 'snippet' | 'complete' | 'file' | 'configmap';
  path: string;
  name: string | undefined;
}

/** A fenced code block of a Markdown file. */
export interface CodeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  content: string;
  marker: Marker | undefined;
  /** The Markdown between the previous code block (or the start of the page) and this one. */
  before: string;
}

const MARKER = /^<!-- (snippet|complete|file|configmap): (\S+?)(?:#(\S+))? -->$/;

/** A file of the repository, as text. */
export function read(path: string): string {
  return readFileSync(join(repoRoot, path), 'utf8');
}

/** The fenced code blocks of `markdown`, with the marker on the line before each, if any. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  let previous = 0;
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)$/.exec(lines[i]!);
    if (open === null) continue;
    let close = i + 1;
    while (close < lines.length && lines[close] !== '```') close++;
    const m = MARKER.exec((lines[i - 1] ?? '').trim());
    blocks.push({
      line: i + 1,
      lang: open[1]!,
      content: lines.slice(i + 1, close).join('\n'),
      marker: m === null ? undefined : { kind: m[1] as Marker['kind'], path: m[2]!, name: m[3] },
      before: lines.slice(previous, i).join('\n'),
    });
    i = close;
    previous = close + 1;
  }
  return blocks;
}

/** The lines between `// #region name` and `// #endregion name` of a file, dedented. */
export function region(path: string, name: string): string {
  const lines = read(path).split('\n');
  const start = lines.findIndex((l) => l.trim() === `// #region ${name}`);
  const end = lines.findIndex(
    (l, i) => i > start && (l.trim() === `// #endregion ${name}` || l.trim() === '// #endregion'),
  );
  if (start < 0 || end < 0) throw new Error(`${path} has no region ${JSON.stringify(name)}`);
  const body = lines.slice(start + 1, end);
  const indent = Math.min(...body.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length));
  return body.map((l) => l.slice(indent)).join('\n');
}

/** A region line: `// #region name` or `// #endregion [name]`. */
const REGION_LINE = /^\s*\/\/ #(end)?region\b.*$/;

/** A file of the repository without its region lines, as a `complete` marker shows it. */
export function withoutRegions(path: string): string {
  return read(path)
    .split('\n')
    .filter((l) => !REGION_LINE.test(l))
    .join('\n')
    .replace(/\n+$/, '');
}

/**
 * Whether the prose before a fragment labels it: `Fragment of [examples/x.ts](../examples/x.ts)`
 * (or `fragment of`; the link text may be in backticks), so that a reader knows where the complete program is.
 */
export function labelsFragment(before: string, path: string): boolean {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`[Ff]ragment of\\s+\\[\`?${escaped}\`?\\]\\(\\.\\./${escaped}\\)`).test(before);
}

/** The names of the regions of a file. */
export function regionNames(path: string): string[] {
  return [...read(path).matchAll(/^\s*\/\/ #region (\S+)\s*$/gm)].map((m) => m[1]!);
}

/** A Kubernetes object as read from YAML. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: IObjectMeta;
}

/** A label selector (meta/v1 LabelSelector). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
}

/** The fields of a ClusterSPIFFEID (spire.spiffe.io/v1alpha1) the tests read. */
export interface ClusterSpiffeId extends KubeObject {
  spec: {
    spiffeIDTemplate: string;
    className?: string;
    namespaceSelector?: LabelSelector;
    podSelector?: LabelSelector;
    federatesWith?: string[];
  };
}

/** The fields of a ClusterFederatedTrustDomain (spire.spiffe.io/v1alpha1) the tests read. */
export interface ClusterFederatedTrustDomain extends KubeObject {
  spec: {
    trustDomain: string;
    bundleEndpointURL: string;
    bundleEndpointProfile: { type: string; endpointSPIFFEID?: string };
  };
}

/** A Deployment as read from YAML (its spec and pod template are present). */
export type Deployment = KubeObject & Required<Pick<IDeployment, 'spec'>>;

/** The Kubernetes objects of a YAML file (empty documents left out). */
export function manifests(path: string): KubeObject[] {
  return parseAllDocuments(read(path))
    .map((d) => d.toJS() as KubeObject | null)
    .filter((d): d is KubeObject => d !== null && d !== undefined);
}

/** The first object of `kind` in a YAML file. */
export function manifestOf<T extends KubeObject>(path: string, kind: string): T {
  const found = manifests(path).find((m) => m.kind === kind);
  if (found === undefined) throw new Error(`${path} has no ${kind}`);
  return found as T;
}

/** The `data` entry `key` of a ConfigMap in a YAML file. */
export function configMapFile(path: string, key: string): string {
  for (const m of manifests(path)) {
    const value = m.kind === 'ConfigMap' ? (m as IConfigMap).data?.[key] : undefined;
    if (value !== undefined) return value;
  }
  throw new Error(`${path} has no ConfigMap data entry ${JSON.stringify(key)}`);
}

/** The text a marker stands for (trailing newlines left out, as in a code block). */
export function markerSource(marker: Marker): string {
  if (marker.kind === 'snippet') return region(marker.path, marker.name!);
  if (marker.kind === 'complete') return withoutRegions(marker.path);
  if (marker.kind === 'file') return read(marker.path).replace(/\n+$/, '');
  return configMapFile(marker.path, marker.name!).replace(/\n+$/, '');
}
