import { SpiffeId } from '../src/spiffeid/index.js';
import type { Benchmark } from './harness.js';

const ID = 'spiffe://example.org/ns/production/sa/api-server';

/** SPIFFE ID parsing against the WHATWG URL parser, which a naive implementation would use. */
export const benchmarks: Benchmark[] = [
  {
    name: 'spiffeid: parse',
    subject: { name: `SpiffeId.parse('${ID}')`, fn: () => SpiffeId.parse(ID) },
    baseline: { name: 'new URL() of the same string', fn: () => new URL(ID) },
    target: { ratio: 5, description: 'parse at least 5x as fast as new URL()' },
  },
];
