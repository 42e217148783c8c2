/**
 * Test helpers: `FakeCa`, an in-memory SPIFFE CA that issues valid and deliberately broken
 * X509-SVIDs and JWT-SVIDs and rotates its keys; `createCertificate`, a synchronous X.509
 * certificate minter with full control over every field; and clocks (`systemClock`,
 * `ManualClock`) that drive validity and timers.
 * @module testing
 */
export {
  FakeCa,
  type FakeCaOptions,
  type IntermediateCaOptions,
  type IssueX509SvidOptions,
} from './fake-ca.js';
export type { IssuedX509Svid } from './issued-x509-svid.js';
export type { IssueJwtSvidOptions, IssuedJwtSvid } from './issued-jwt-svid.js';
export type { CertificateOverrides } from './certificate-overrides.js';
export {
  createCertificate,
  type CertificateOptions,
  type CertificateIssuer,
  type MintedCertificate,
  type KeyUsageName,
  type ExtKeyUsageName,
  type NameSubtrees,
  type CustomExtension,
} from './certificate-builder.js';
export { generateKeyPair, type KeyType, type KeyPair } from './keys.js';
export type { JwtSvidAlgorithm, ForbiddenJwtAlgorithm } from './jwt-signer.js';
export { systemClock, ManualClock, type Clock, type ClockTimer } from './clock.js';
export { TestingError, type TestingErrorCode } from './errors.js';
export { FakeAgent, type FakeAgentOptions, type MalformNextOptions } from './fake-agent.js';
export type { FakeEntry, FakeWorkload } from './fake-agent-handles.js';
export type { FakeEntryOptions } from './agent/entries.js';
export type { FakeWorkloadOptions, K8sAttributes } from './agent/workload.js';
export type { FailNextOptions } from './agent/faults.js';
export type { MalformKind } from './agent/malform.js';
export type { WorkloadApiMethod } from './agent/methods.js';
export type { FakeAgentCall } from './agent/handlers.js';
export {
  FakeBundleEndpoint,
  type FakeBundleEndpointOptions,
  type FakeBundleResponse,
} from './fake-bundle-endpoint.js';
