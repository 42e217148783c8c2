/**
 * The SDK's side of the mTLS checks: a client that reads the server's greeting line, and a
 * guarded server that greets verified clients by their SPIFFE ID and records refused ones.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:tls';
import type { X509BundleSource } from '../../../src/bundle/index.js';
import type { X509SvidSource } from '../../../src/svid/index.js';
import {
  connect,
  createTlsServer,
  mtlsClientOptions,
  mtlsServerOptions,
  peerIdFrom,
  type Authorizer,
} from '../../../src/tlsconfig/index.js';

/** What the SDK's client saw: the server's verified ID and its greeting. */
export interface TsDialResult {
  peer: string;
  line: string;
}

/** Dials `address` (`host:port`) with `mtlsClientOptions`; rejects when the handshake or the check fails. */
export function tsDial(
  svids: X509SvidSource,
  bundles: X509BundleSource,
  authorizer: Authorizer,
  address: string,
): Promise<TsDialResult> {
  const [host, port] = splitAddress(address);
  return new Promise((resolve, reject) => {
    const socket = connect({ ...mtlsClientOptions(svids, bundles, authorizer), host, port });
    let peer = '';
    let data = '';
    socket.setEncoding('utf8');
    socket.once('secureConnect', () => {
      peer = peerIdFrom(socket).toString();
    });
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (data.includes('\n')) {
        socket.end();
        resolve({ peer, line: data.split('\n')[0]! });
      }
    });
    socket.once('error', reject);
    socket.once('close', () =>
      reject(new Error(`the connection closed before a greeting (got ${JSON.stringify(data)})`)),
    );
    socket.setTimeout(15_000, () => socket.destroy(new Error('no greeting within 15 s')));
  });
}

/** A running SDK server. */
export interface TsServer {
  server: Server;
  address: string;
  /** Errors reported for refused clients (`tlsClientError`), in order. */
  refused: Error[];
  /** Resolves on the next refused client. */
  nextRefusal(): Promise<Error>;
  close(): Promise<void>;
}

/** An mTLS server on 127.0.0.1 that answers `hello <client ID>\n` to each verified client. */
export async function tsServer(
  svids: X509SvidSource,
  bundles: X509BundleSource,
  authorizer: Authorizer,
): Promise<TsServer> {
  const server = createTlsServer(mtlsServerOptions(svids, bundles, authorizer), (socket) => {
    socket.end(`hello ${peerIdFrom(socket).toString()}\n`);
  });
  const refused: Error[] = [];
  const waiting: ((e: Error) => void)[] = [];
  server.on('tlsClientError', (error: Error) => {
    refused.push(error);
    waiting.shift()?.(error);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    address: `127.0.0.1:${port}`,
    refused,
    nextRefusal: () => new Promise((resolve) => waiting.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}

function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}
