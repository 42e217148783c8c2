import { describe, expect, it } from 'vitest';
import {
  getDefaultAddress,
  grpcTarget,
  parseEndpointAddress,
  SOCKET_ENV,
  WorkloadApiError,
} from '../../src/workloadapi/index.js';

function refused(address: string): WorkloadApiError {
  try {
    parseEndpointAddress(address);
  } catch (e) {
    expect(e).toBeInstanceOf(WorkloadApiError);
    expect((e as WorkloadApiError).code).toBe('invalid_address');
    return e as WorkloadApiError;
  }
  throw new Error(`accepted ${address}`);
}

describe('Workload API endpoint address', () => {
  it('E-7: SPIFFE_ENDPOINT_SOCKET is the default; empty means unset', () => {
    expect(SOCKET_ENV).toBe('SPIFFE_ENDPOINT_SOCKET');
    expect(getDefaultAddress({ SPIFFE_ENDPOINT_SOCKET: 'unix:///a.sock' })).toBe('unix:///a.sock');
    expect(getDefaultAddress({ SPIFFE_ENDPOINT_SOCKET: '' })).toBeUndefined();
    expect(getDefaultAddress({})).toBeUndefined();
  });

  it('E-9: accepts unix:///abs and unix:/abs', () => {
    expect(parseEndpointAddress('unix:///tmp/a.sock')).toMatchObject({ kind: 'unix', path: '/tmp/a.sock' });
    expect(parseEndpointAddress('unix:/tmp/a.sock')).toMatchObject({ kind: 'unix', path: '/tmp/a.sock' });
    expect(parseEndpointAddress('unix:///tmp/a%20b.sock')).toMatchObject({ path: '/tmp/a b.sock' });
    // Dots inside a segment name a file, not a directory step.
    expect(parseEndpointAddress('unix:///tmp/..a/a..sock')).toMatchObject({ path: '/tmp/..a/a..sock' });
    expect(parseEndpointAddress('unix:///tmp/.agent.sock')).toMatchObject({ path: '/tmp/.agent.sock' });
  });

  it.each([
    ['unix://tmp/a.sock', /authority/],
    ['unix:tmp/a.sock', /absolute/],
    ['unix://', /absolute/],
    ['unix:///', /empty/],
    ['unix:///p?x', /query/],
    ['unix:///p#f', /fragment/],
    ['unix://u@/p', /authority/],
    ['unix:///p%zz', /percent/],
    ['unix:///p%00', /NUL/],
    ['unix:///tmp/../a.sock', /"\.\." segment/],
    ['unix:///tmp/%2e%2e/a.sock', /"\/tmp\/\.\.\/a\.sock" has a "\." or "\.\." segment/],
    ['unix:///tmp/%2E%2E/a.sock', /segment/],
    ['unix:///tmp/.%2e/a.sock', /segment/],
    ['unix:///tmp/%2e/a.sock', /segment/],
    ['unix:///tmp/./a.sock', /segment/],
    ['unix:/tmp/../a.sock', /segment/],
    ['unix:///tmp%2F..%2Fa.sock', /segment/],
    ['unix:///tmp/a.sock/..', /segment/],
    ['unix:///..', /segment/],
  ])('E-9: refuses %s', (address, why) => {
    expect(refused(address).message).toMatch(why);
  });

  it('E-10: accepts tcp with an IP literal and a port', () => {
    expect(parseEndpointAddress('tcp://127.0.0.1:8000')).toMatchObject({
      kind: 'tcp',
      host: '127.0.0.1',
      port: 8000,
    });
    expect(parseEndpointAddress('tcp://[::1]:8000')).toMatchObject({ kind: 'tcp', host: '::1', port: 8000 });
  });

  it.each([
    ['tcp://127.0.0.1:8000/foo', /path/],
    ['tcp://127.0.0.1:8000/', /path/],
    ['tcp://localhost:8000', /IP address/],
    ['tcp://127.0.0.1', /port is missing/],
    ['tcp://127.0.0.1:', /port is missing/],
    ['tcp://u@1.2.3.4:80', /userinfo/],
    ['tcp://1.2.3.4:80?q', /query/],
    ['tcp://1.2.3.4:80#f', /fragment/],
    ['tcp:1.2.3.4:80', /tcp:\/\//],
    ['tcp://', /host is missing/],
    ['tcp://1.2.3.4:0', /port/],
    ['tcp://1.2.3.4:65536', /port/],
    ['tcp://1.2.3.4:8x', /port/],
    ['tcp://[::1', /IPv6/],
    ['tcp://[example]:80', /IPv6/],
    ['tcp://1.2.3.4.5:80', /IP address/],
  ])('E-10: refuses %s', (address, why) => {
    expect(refused(address).message).toMatch(why);
  });

  it.each(['http://127.0.0.1:80', '/tmp/a.sock', 'npipe:agent', 'a.sock', ':x', ''])(
    'E-8: refuses the scheme or form of %j',
    (address) => {
      refused(address);
    },
  );

  it('gives grpc-js targets that never consult DNS (A-14)', () => {
    expect(grpcTarget(parseEndpointAddress('unix:///tmp/a.sock'))).toBe('unix:/tmp/a.sock');
    expect(grpcTarget(parseEndpointAddress('tcp://127.0.0.1:8000'))).toBe('ipv4:127.0.0.1:8000');
    expect(grpcTarget(parseEndpointAddress('tcp://[::1]:8000'))).toBe('ipv6:[::1]:8000');
  });
});
