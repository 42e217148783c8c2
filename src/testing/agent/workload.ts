import { quote } from '../../internal/errors.js';
import { TestingError } from '../errors.js';

/** Kubernetes attributes of a workload, as SPIRE's k8s workload attestor sees a pod. */
export interface K8sAttributes {
  /** Selector `k8s:ns:<namespace>`; `.PodMeta.Namespace` in templates. */
  namespace: string;
  /** Selector `k8s:sa:<serviceAccount>`; `.PodSpec.ServiceAccountName` in templates. */
  serviceAccount: string;
  /** Selector `k8s:pod-name:<podName>`; `.PodMeta.Name` in templates. */
  podName?: string;
  /** Selectors `k8s:pod-label:<key>:<value>`; `index .PodMeta.Labels "<key>"` in templates. */
  labels?: Readonly<Record<string, string>>;
  /** Selector `k8s:node-name:<nodeName>`; `.PodSpec.NodeName` in templates. */
  nodeName?: string;
}

/** How to describe a workload to {@link FakeAgent.workload}: plain selectors, Kubernetes attributes, or both. */
export interface FakeWorkloadOptions {
  /** Selectors in SPIRE's `type:value` form, e.g. `unix:uid:1000` or `docker:label:app:web`. */
  selectors?: readonly string[];
  /** Kubernetes attributes; they add the `k8s:` selectors and feed templates. */
  k8s?: K8sAttributes;
}

/** A workload as the agent tracks it: one socket, one set of selectors. */
export interface AgentWorkload {
  /** Unique within the agent; 0 is the default workload. */
  readonly key: number;
  /** The selectors the workload attests with (sorted, unique). */
  readonly selectors: readonly string[];
  readonly k8s: K8sAttributes | undefined;
}

/**
 * The workload for `options`, with its selectors: the given ones plus those of its Kubernetes
 * attributes.
 * @throws {TestingError} `invalid_option` for a malformed selector or attribute.
 */
export function newWorkload(key: number, options: FakeWorkloadOptions): AgentWorkload {
  if (typeof options !== 'object' || options === null) {
    throw new TestingError('invalid_option', 'FakeAgent.workload: options must be an object');
  }
  const selectors = new Set(checkSelectors(options.selectors, 'FakeAgent.workload'));
  const k8s = options.k8s === undefined ? undefined : checkK8s(options.k8s);
  if (k8s !== undefined) {
    selectors.add(`k8s:ns:${k8s.namespace}`);
    selectors.add(`k8s:sa:${k8s.serviceAccount}`);
    if (k8s.podName !== undefined) selectors.add(`k8s:pod-name:${k8s.podName}`);
    if (k8s.nodeName !== undefined) selectors.add(`k8s:node-name:${k8s.nodeName}`);
    for (const [name, value] of Object.entries(k8s.labels ?? {}))
      selectors.add(`k8s:pod-label:${name}:${value}`);
  }
  return Object.freeze({ key, selectors: Object.freeze([...selectors].sort()), k8s });
}

/**
 * Checks a selector list: each one `type:value` with a non-empty type and value.
 * @throws {TestingError} `invalid_option`.
 */
export function checkSelectors(selectors: readonly string[] | undefined, where: string): string[] {
  if (selectors === undefined) return [];
  if (!Array.isArray(selectors))
    throw new TestingError('invalid_option', `${where}: selectors must be an array of strings`);
  for (const selector of selectors as unknown[]) {
    if (typeof selector !== 'string' || !/^[^:\s]+:\S/.test(selector)) {
      throw new TestingError(
        'invalid_option',
        `${where}: selector ${quote(String(selector))} is not of the form "type:value" (e.g. "k8s:ns:default")`,
      );
    }
  }
  return [...selectors];
}

function checkK8s(k8s: K8sAttributes): K8sAttributes {
  const where = 'FakeAgent.workload: k8s';
  if (typeof k8s !== 'object' || k8s === null)
    throw new TestingError('invalid_option', `${where} must be an object`);
  const text = (value: unknown, name: string, required: boolean): string | undefined => {
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || value === '' || /[\s:]/.test(value)) {
      throw new TestingError(
        'invalid_option',
        `${where}.${name} must be a non-empty string without spaces or ":"`,
      );
    }
    return value;
  };
  const labels: Record<string, string> = {};
  if (k8s.labels !== undefined) {
    if (typeof k8s.labels !== 'object' || k8s.labels === null) {
      throw new TestingError('invalid_option', `${where}.labels must be an object of strings`);
    }
    for (const [name, value] of Object.entries(k8s.labels)) {
      text(name, 'labels key', true);
      if (typeof value !== 'string')
        throw new TestingError('invalid_option', `${where}.labels[${quote(name)}] must be a string`);
      labels[name] = value;
    }
  }
  const podName = text(k8s.podName, 'podName', false);
  const nodeName = text(k8s.nodeName, 'nodeName', false);
  return Object.freeze({
    namespace: text(k8s.namespace, 'namespace', true)!,
    serviceAccount: text(k8s.serviceAccount, 'serviceAccount', true)!,
    ...(podName === undefined ? {} : { podName }),
    ...(nodeName === undefined ? {} : { nodeName }),
    labels: Object.freeze(labels),
  });
}
