import { idParse, urlParse } from './fixtures.js';
import type { Benchmark } from './harness.js';

/** SPIFFE ID parsing against the WHATWG URL parser, which a naive implementation would use. */
export const benchmarks: Benchmark[] = [
  {
    name: 'spiffeid: parse',
    subject: idParse,
    baseline: urlParse,
    target: { ratio: 5, description: 'parse at least 5x as fast as new URL()' },
  },
];
