import type { AddressInfo } from 'node:net';
import type { Server } from 'node:net';
import { FakeCa, type IssuedX509Svid } from '../../src/testing/index.js';
import { X509BundleSet } from '../../src/bundle/index.js';
import type { X509Svid } from '../../src/svid/index.js';

/** Two trust domains, as in NODE-NOTES: example.org (ours) and other.org (federated). */
export function trustDomains(): { caA: FakeCa; caB: FakeCa; bundles: X509BundleSet } {
  const caA = new FakeCa({ trustDomain: 'example.org' });
  const caB = new FakeCa({ trustDomain: 'other.org' });
  return { caA, caB, bundles: new X509BundleSet(caA.x509Bundle(), caB.x509Bundle()) };
}

/** An X509Svid issued by `ca`. */
export function svidOf(ca: FakeCa, id: string, options: { ttl?: number } = {}): X509Svid {
  return ca.issueX509Svid({ id, ...options }).toX509Svid();
}

/** The PEM cert/key of an issued SVID, for plain Node TLS peers. */
export function pemOf(issued: IssuedX509Svid): { cert: string; key: string } {
  return { cert: issued.certificatesPem, key: issued.privateKeyPem };
}

/** Listens on a loopback port and returns it. */
export async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Closes a server, ending its open connections. */
export async function close(server: Server & { closeAllConnections?: () => void }): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

/** A mutable SVID source: the test rotates what it serves. */
export class SwitchableSvidSource {
  constructor(public svid: X509Svid) {}
  getX509Svid(): X509Svid {
    return this.svid;
  }
}

/** Resolves when `emitter` emits `close`, whatever errors come first (unlike `events.once`). */
export function closed(emitter: { on(event: 'close', listener: () => void): unknown }): Promise<void> {
  return new Promise((resolve) => emitter.on('close', () => resolve()));
}
