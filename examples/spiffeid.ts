/**
 * SPIFFE IDs and trust domains: parse, build, match, and handle a bad ID.
 *
 *   npm run build && npx tsx examples/spiffeid.ts
 */
import { SpiffeId, SpiffeIdError, TrustDomain, matchMemberOf, matchOneOf } from '@spiffe-ts/sdk/spiffeid';

// Parse an ID: strict, nothing is normalised.
const id = SpiffeId.parse('spiffe://example.org/ns/production/sa/api-server');
console.log(`parsed ${id}: trust domain ${id.trustDomain.name}, path ${id.path}`);

// Build IDs from a trust domain and a path or segments.
const td = TrustDomain.parse('example.org');
const worker = SpiffeId.fromSegments(td, 'ns', 'production', 'sa', 'worker');
console.log(`built ${worker}; trust domain ID ${td.id()}`);

// Authorise peers with matchers: they return, or throw a SpiffeIdError.
const allowed = matchOneOf(id, 'spiffe://example.org/ns/production/sa/frontend');
allowed(id);
try {
  allowed(worker);
} catch (err) {
  if (!(err instanceof SpiffeIdError)) throw err;
  console.log(`refused ${worker}: ${err.code}`);
}
matchMemberOf(td)(worker);
console.log(`${worker} is a member of ${td}`);

// Invalid input gives a SpiffeIdError with a stable code and the spec rule in the message.
for (const bad of ['spiffe://Example.org/api', 'spiffe://example.org/api/', 'https://example.org/api']) {
  try {
    SpiffeId.parse(bad);
  } catch (err) {
    if (!(err instanceof SpiffeIdError)) throw err;
    console.log(`${err.code}: ${err.message}`);
  }
}
