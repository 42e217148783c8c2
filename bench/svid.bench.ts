import { jwtBare, jwtValidate, x509Bare, x509Verify } from './fixtures.js';
import type { Benchmark } from './harness.js';

/** The security core against bare node:crypto doing only the signature work. */
export const benchmarks: Benchmark[] = [
  {
    name: 'svid: X509-SVID parse+verify (leaf + intermediate)',
    subject: x509Verify,
    baseline: x509Bare,
    target: { ratio: 0.67, description: 'within 1.5x of bare node:crypto parse + signature checks' },
  },
  {
    name: 'svid: JWT-SVID validate (ES256)',
    subject: jwtValidate,
    baseline: jwtBare,
    target: { ratio: 0.67, description: 'within 1.5x of the bare signature check' },
  },
];
