/**
 * The SDK beside go-spiffe, on the same inputs: ID parse, X509-SVID parse+verify, JWT-SVID
 * validate. Each benchmark measures the SDK against the same in-process baseline as
 * spiffeid.bench.ts and svid.bench.ts, and adds go-spiffe's figure as an extra row whose note
 * gives the ratio: SDK ops/s ÷ go-spiffe ops/s, the median over five rounds in which the Go
 * program (bench/go) and the SDK take turns measuring for 300 ms each, in the same way: the rate of
 * one whole batch, garbage collection included. (The harness's own columns are medians over
 * 0.5 ms slices, which leave GC pauses out, so its SDK figure is higher than the one in the ratio.)
 * Without Go there are no benchmarks here.
 */
import {
  AUDIENCE,
  ID,
  idParse,
  inter,
  JWT_KEY_ID,
  jwtBare,
  jwtKey,
  jwtValidate,
  leaf,
  root,
  TD,
  token,
  urlParse,
  x509Bare,
  x509Verify,
} from './fixtures.js';
import { buildGoBench, compareWithGo, type GoBenchFixture } from './go/compare.js';
import type { Benchmark, BenchFn, ExtraRow } from './harness.js';

/** The inputs go-spiffe gets, the same as the SDK's (tlsconfig.bench.ts adds its handshake SVIDs). */
export const goFixture: GoBenchFixture = {
  id: ID,
  trustDomain: TD,
  chain: [leaf.der, inter.der],
  root: root.der,
  token,
  audience: AUDIENCE,
  jwtKeyId: JWT_KEY_ID,
  jwtKeySpki: jwtKey.publicKey.export({ type: 'spki', format: 'der' }),
};

/** The extra row: go-spiffe's ops/s, and the SDK's ÷ go-spiffe's, measured taking turns. */
export function goSpiffe(
  key: string,
  goCall: string,
  subject: BenchFn,
  fixture: () => GoBenchFixture = () => goFixture,
): () => Promise<ExtraRow | undefined> {
  return async () => {
    const c = compareWithGo(fixture(), key, subject.fn);
    if (c === undefined) return undefined;
    return {
      name: `go-spiffe ${c.goSpiffe}: ${goCall}`,
      opsPerSec: c.goOpsPerSec,
      note: `${c.go}; SDK ÷ go-spiffe = ${c.ratio.toFixed(2)}x`,
    };
  };
}

/** Whether go-spiffe can be measured here (Go installed, the program built). */
export const goAvailable = buildGoBench();

/** Empty when Go is not installed (or its build fails): the comparison is optional. */
export const benchmarks: Benchmark[] = goAvailable
  ? [
      {
        name: 'vs go-spiffe: ID parse',
        subject: idParse,
        baseline: urlParse,
        extra: goSpiffe('id-parse', 'spiffeid.FromString', idParse),
      },
      {
        name: 'vs go-spiffe: X509-SVID parse+verify (leaf + intermediate)',
        subject: x509Verify,
        baseline: x509Bare,
        extra: goSpiffe('x509-verify', 'x509svid.ParseAndVerify', x509Verify),
      },
      {
        name: 'vs go-spiffe: JWT-SVID validate (ES256)',
        subject: jwtValidate,
        baseline: jwtBare,
        extra: goSpiffe('jwt-validate', 'jwtsvid.ParseAndValidate', jwtValidate),
      },
    ]
  : [];
