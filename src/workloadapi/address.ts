import { isIP } from 'node:net';
import { quote } from '../internal/errors.js';
import { WorkloadApiError } from './errors.js';

/** The environment variable that names the Workload API endpoint (SPIFFE Workload Endpoint §4, E-7). */
export const SOCKET_ENV = 'SPIFFE_ENDPOINT_SOCKET';

/** A validated Workload API endpoint. */
export type WorkloadEndpoint =
  | { kind: 'unix'; path: string; address: string }
  | { kind: 'tcp'; host: string; port: number; address: string };

/** The endpoint address from `SPIFFE_ENDPOINT_SOCKET`, or undefined when it is not set or empty (E-7). */
export function getDefaultAddress(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env[SOCKET_ENV];
  return v === undefined || v === '' ? undefined : v;
}

function invalid(address: string, why: string): WorkloadApiError {
  return new WorkloadApiError(
    'invalid_address',
    `invalid Workload API endpoint address ${quote(address)}: ${why}`,
  );
}

function decodePath(address: string, raw: string): string {
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    throw invalid(address, 'the socket path has a malformed percent-encoding');
  }
  if (path.includes('\0')) throw invalid(address, 'the socket path contains a NUL byte');
  // E-9: the path is the socket's absolute path. A `.` or `..` segment (written out, or
  // percent-encoded as `%2e`, or split by an encoded `%2F`) would make the decoded path name
  // another directory than the one the address shows (`/tmp/%2e%2e/a.sock` is `/a.sock`).
  if (path.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw invalid(
      address,
      `the socket path ${quote(path)} has a "." or ".." segment (encoded or not); give the absolute path itself (E-9)`,
    );
  }
  return path;
}

/**
 * Parses and validates a Workload API endpoint address (E-8..E-10):
 * `unix:///abs/path` or `unix:/abs/path` (no authority, query or fragment; no `.` or `..` path
 * segment, percent-encoded or not), or
 * `tcp://<IP literal>:<port>` (an IP, never a host name, and a port; nothing else).
 *
 * @throws {WorkloadApiError} `invalid_address`, naming the rule that is broken.
 * @example parseEndpointAddress('unix:///run/spire/sockets/agent.sock').path // '/run/spire/sockets/agent.sock'
 */
export function parseEndpointAddress(address: string): WorkloadEndpoint {
  if (typeof address !== 'string' || address === '') {
    throw new WorkloadApiError('invalid_address', 'invalid Workload API endpoint address: empty');
  }
  const colon = address.indexOf(':');
  const scheme = colon > 0 ? address.slice(0, colon).toLowerCase() : '';
  if (scheme !== 'unix' && scheme !== 'tcp') {
    throw invalid(address, 'the scheme must be "unix" or "tcp" (E-8)');
  }
  const rest = address.slice(colon + 1);
  if (rest.includes('?')) throw invalid(address, 'a query is not allowed (E-9, E-10)');
  if (rest.includes('#')) throw invalid(address, 'a fragment is not allowed (E-9, E-10)');

  if (scheme === 'unix') {
    let raw = rest;
    if (raw.startsWith('//')) {
      const slash = raw.indexOf('/', 2);
      const authority = slash === -1 ? raw.slice(2) : raw.slice(2, slash);
      if (authority !== '') {
        throw invalid(
          address,
          `a unix address must not have an authority (${quote(authority)}); use unix:///absolute/path (E-9)`,
        );
      }
      raw = slash === -1 ? '' : raw.slice(slash);
    }
    if (!raw.startsWith('/'))
      throw invalid(address, 'the socket path must be absolute, as in unix:///path/to/socket (E-9)');
    if (raw === '/') throw invalid(address, 'the socket path is empty (E-9)');
    const path = decodePath(address, raw);
    return { kind: 'unix', path, address };
  }

  if (!rest.startsWith('//')) throw invalid(address, 'a tcp address must be tcp://<ip>:<port> (E-10)');
  const authority = rest.slice(2);
  if (authority.includes('/')) throw invalid(address, 'a path is not allowed in a tcp address (E-10)');
  if (authority.includes('@')) throw invalid(address, 'userinfo is not allowed (E-10)');
  let host: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close === -1) throw invalid(address, 'unterminated IPv6 literal (E-10)');
    host = authority.slice(1, close);
    const after = authority.slice(close + 1);
    if (after !== '' && !after.startsWith(':'))
      throw invalid(address, 'unexpected text after the IPv6 literal (E-10)');
    portText = after === '' ? undefined : after.slice(1);
    if (isIP(host) !== 6) throw invalid(address, `${quote(host)} is not an IPv6 address (E-10)`);
  } else {
    const c = authority.lastIndexOf(':');
    host = c === -1 ? authority : authority.slice(0, c);
    portText = c === -1 ? undefined : authority.slice(c + 1);
    if (host === '') throw invalid(address, 'the host is missing (E-10)');
    if (isIP(host) !== 4) {
      throw invalid(address, `the host must be an IP address, not ${quote(host)} (E-10)`);
    }
  }
  if (portText === undefined || portText === '') throw invalid(address, 'the port is missing (E-10)');
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    throw invalid(address, `the port ${quote(portText)} is not a number from 1 to 65535 (E-10)`);
  }
  return { kind: 'tcp', host, port: Number(portText), address };
}

/**
 * The gRPC target for a validated endpoint: `unix:<path>`, `ipv4:<ip>:<port>` or `ipv6:[<ip>]:<port>`
 * grpc-js takes these forms; DNS is never consulted).
 */
export function grpcTarget(endpoint: WorkloadEndpoint): string {
  if (endpoint.kind === 'unix') return `unix:${endpoint.path}`;
  return endpoint.host.includes(':')
    ? `ipv6:[${endpoint.host}]:${endpoint.port}`
    : `ipv4:${endpoint.host}:${endpoint.port}`;
}
