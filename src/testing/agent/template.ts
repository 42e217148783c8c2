import { quote } from '../../internal/errors.js';
import { TestingError } from '../errors.js';
import type { K8sAttributes } from './workload.js';

/** What a ClusterSPIFFEID-style template is rendered from. */
export interface TemplateContext {
  /** The agent's own trust domain name (`.TrustDomain`). */
  trustDomain: string;
  /** The workload's Kubernetes attributes, when it has any. */
  k8s: K8sAttributes | undefined;
}

type Part = string | ((ctx: TemplateContext) => string);

/** A compiled SPIFFE ID template. */
export interface SpiffeIdTemplate {
  /** The template as registered. */
  readonly source: string;
  /** Whether it reads the workload's Kubernetes attributes. */
  readonly usesPod: boolean;
  /** Renders the template (Go text/template semantics: a missing label renders as ''). */
  render(ctx: TemplateContext): string;
}

const FIELDS: Record<string, { pod: boolean; get: (ctx: TemplateContext) => string }> = {
  '.TrustDomain': { pod: false, get: (ctx) => ctx.trustDomain },
  '.PodMeta.Namespace': { pod: true, get: (ctx) => ctx.k8s?.namespace ?? '' },
  '.PodMeta.Name': { pod: true, get: (ctx) => ctx.k8s?.podName ?? '' },
  '.PodSpec.ServiceAccountName': { pod: true, get: (ctx) => ctx.k8s?.serviceAccount ?? '' },
  '.PodSpec.NodeName': { pod: true, get: (ctx) => ctx.k8s?.nodeName ?? '' },
};
const LABEL = /^index\s+\.PodMeta\.Labels\s+"([^"\\]*)"$/;
const SUPPORTED = `${Object.keys(FIELDS).join(', ')} and index .PodMeta.Labels "<key>"`;

/** Whether `value` is a template rather than a literal SPIFFE ID. */
export function isTemplate(value: string): boolean {
  return value.includes('{{') || value.includes('}}');
}

/**
 * Compiles a ClusterSPIFFEID-style template (SPIRE controller manager), such as
 * `spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}`.
 * Supported actions: `.TrustDomain`, `.PodMeta.Namespace`, `.PodMeta.Name`,
 * `.PodSpec.ServiceAccountName`, `.PodSpec.NodeName` and `index .PodMeta.Labels "<key>"`, with
 * Go's `{{-`/`-}}` trim markers allowed.
 * @throws {TestingError} `invalid_option` for an unknown field or an unbalanced `{{`/`}}`.
 */
export function compileTemplate(source: string): SpiffeIdTemplate {
  const parts: Part[] = [];
  let usesPod = false;
  let at = 0;
  for (;;) {
    const open = source.indexOf('{{', at);
    const literal = source.slice(at, open === -1 ? undefined : open);
    if (literal.includes('}}')) throw invalidTemplate(source, 'has "}}" without a matching "{{"');
    if (literal !== '') parts.push(literal);
    if (open === -1) break;
    const close = source.indexOf('}}', open + 2);
    if (close === -1) throw invalidTemplate(source, 'has "{{" without a matching "}}"');
    const action = source
      .slice(open + 2, close)
      .replace(/^-\s/, '')
      .replace(/\s-$/, '')
      .trim();
    const field = Object.hasOwn(FIELDS, action) ? FIELDS[action] : undefined;
    const label = LABEL.exec(action);
    if (field !== undefined) {
      usesPod ||= field.pod;
      parts.push(field.get);
    } else if (label !== null) {
      const key = label[1] ?? '';
      usesPod = true;
      parts.push((ctx) =>
        ctx.k8s?.labels !== undefined && Object.hasOwn(ctx.k8s.labels, key) ? ctx.k8s.labels[key]! : '',
      );
    } else {
      throw invalidTemplate(
        source,
        `uses the unknown field or action ${quote(`{{ ${action} }}`)}; supported: ${SUPPORTED}`,
      );
    }
    at = close + 2;
  }
  return {
    source,
    usesPod,
    render: (ctx) => parts.map((p) => (typeof p === 'string' ? p : p(ctx))).join(''),
  };
}

function invalidTemplate(source: string, why: string): TestingError {
  return new TestingError('invalid_option', `FakeAgent: the SPIFFE ID template ${quote(source)} ${why}`);
}
