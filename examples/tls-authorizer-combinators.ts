/**
 * Composing authorizers: authorizeIdPrefix (go-spiffe 2.9 AuthorizeIDPrefix) and the
 * authorizeAllOf / authorizeAnyOf / authorizeNot combinators (go-spiffe #208). An authorizer is a
 * plain function, so the decisions are shown by calling it with a peer ID, as the TLS handshake
 * does once the peer's X509-SVID verified.
 *
 * Run: npx tsx examples/tls-authorizer-combinators.ts
 */
import { SpiffeId } from '@spiffe-ts/sdk/spiffeid';
import {
  authorizeAllOf,
  authorizeAnyOf,
  authorizeIdPrefix,
  authorizeMemberOf,
  authorizeNot,
  authorizeOneOf,
  type Authorizer,
} from '@spiffe-ts/sdk/tlsconfig';

// #region combinators
// The workloads of namespace prod, except the batch jobs, plus two admin IDs of another trust
// domain (go-spiffe #208: "a member of our trust domain, or an admin ID").
const prod = authorizeAllOf(
  authorizeIdPrefix('spiffe://example.org/ns/prod'), // /ns/prod and below, not /ns/production
  authorizeNot(authorizeIdPrefix('spiffe://example.org/ns/prod/sa/batch')),
);
const authorizer: Authorizer = authorizeAnyOf(
  prod,
  authorizeOneOf('spiffe://ops.example/admin/alice', 'spiffe://ops.example/admin/bob'),
);
// #endregion combinators

/** What the handshake decides for `peer`: "accepted", or the refusal's message. */
function decide(peer: string): string {
  try {
    authorizer(SpiffeId.parse(peer), []);
    return 'accepted';
  } catch (error) {
    return `refused: ${(error as Error).message}`;
  }
}

for (const peer of [
  'spiffe://example.org/ns/prod/sa/api',
  'spiffe://example.org/ns/prod/sa/batch/nightly',
  'spiffe://example.org/ns/production/sa/api',
  'spiffe://ops.example/admin/alice',
]) {
  console.log(`${peer}: ${decide(peer)}`);
}

// Fail closed: an empty combinator refuses every peer, and so does a prefix with no path (use
// authorizeMemberOf for a whole trust domain); each says why.
const api = SpiffeId.parse('spiffe://example.org/ns/prod/sa/api');
for (const [name, a] of [
  ['authorizeAnyOf()', authorizeAnyOf()],
  ["authorizeIdPrefix('spiffe://example.org')", authorizeIdPrefix('spiffe://example.org')],
] as const) {
  try {
    a(api, []);
    throw new Error(`${name} accepted ${api}`);
  } catch (error) {
    console.log(`${name}: ${(error as Error).message}`);
  }
}
authorizeMemberOf('example.org')(api, []);
console.log(`authorizeMemberOf('example.org'): accepts ${api}`);
