import type { X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { SpiffeBundle } from '../bundle/index.js';
import { createBundleEndpointHandler } from '../federation/index.js';
import { SpiffeId, type SpiffeIdLike, type TrustDomain } from '../spiffeid/index.js';
import type { X509Svid } from '../svid/index.js';
import { createHttpsServer, tlsServerOptions } from '../tlsconfig/index.js';
import { TestingError } from './errors.js';
import { FakeCa } from './fake-ca.js';
import { mintWebPki } from './fake-bundle-endpoint-web-pki.js';
import type { IssuedX509Svid } from './issued-x509-svid.js';

/** How to start a {@link FakeBundleEndpoint}. */
export interface FakeBundleEndpointOptions {
  /** `https_web`: a certificate from the endpoint's own fake web CA; `https_spiffe`: an X509-SVID from `ca`. */
  profile: 'https_web' | 'https_spiffe';
  /**
   * The trust domain's CA: the endpoint serves its current bundle (`ca.spiffeBundle()` on each
   * request) and, for `https_spiffe`, presents an X509-SVID it issues. Required for `https_spiffe`.
   */
  ca?: FakeCa;
  /**
   * A fixed bundle to serve instead of `ca`'s; `setBundle` changes it later. It may be of another
   * trust domain than `ca` (an endpoint that is not self-serving, F-14).
   */
  bundle?: SpiffeBundle;
  /** `https_spiffe`: the endpoint's SPIFFE ID; default `spiffe://<ca's trust domain>/spire/server`. */
  endpointId?: SpiffeIdLike;
  /** The path the bundle is served at (others get 404); default `/`. */
  path?: string;
}

/**
 * One scripted answer of a {@link FakeBundleEndpoint} (see {@link FakeBundleEndpoint.respondNext});
 * what is left out is as a good answer has it.
 */
export interface FakeBundleResponse {
  /** Default 200, or 302 with `redirect`. */
  status?: number;
  /** Default: the current bundle's JSON. */
  body?: string | Uint8Array;
  /** Default `application/json`; `null` sends no Content-Type. */
  contentType?: string | null;
  /** A `Location` to redirect to (any URL, `http:` included). */
  redirect?: string;
  /** Send the body without `Content-Length` (chunked), as a streaming server would. */
  chunked?: boolean;
  /** More response headers. */
  headers?: Record<string, string>;
}

/**
 * A SPIFFE bundle endpoint for tests (the server side of SPIFFE Federation §5.2) on a real HTTPS
 * socket on 127.0.0.1 with an ephemeral port: `https_web` with a certificate from its own fake
 * web CA (trust {@link FakeBundleEndpoint.webRoots}), or `https_spiffe` presenting an X509-SVID of
 * a {@link FakeCa}. It serves the CA's current bundle, or one you set, and misbehaves on request
 * (error statuses, garbage, oversized bodies, wrong content types, redirects anywhere).
 *
 * @example
 * const ca = new FakeCa({ trustDomain: 'partner.test' });
 * await using endpoint = await FakeBundleEndpoint.start({ ca, profile: 'https_spiffe' });
 * const bundle = await fetchBundle('partner.test', endpoint.url, {
 *   auth: { profile: 'https_spiffe', endpointId: endpoint.endpointId!, bundle: ca.spiffeBundle() },
 * });
 * endpoint.respondNext({ status: 500 });   // the next fetch fails with http_status
 */
export class FakeBundleEndpoint implements AsyncDisposable {
  /** The trust domain whose bundle is served: that of `bundle`, else `ca`'s. */
  readonly trustDomain: TrustDomain;
  /** The profile served. */
  readonly profile: 'https_web' | 'https_spiffe';
  /** `https_spiffe`: the SPIFFE ID in the endpoint's X509-SVID. */
  readonly endpointId: SpiffeId | undefined;
  readonly #ca: FakeCa | undefined;
  readonly #path: string;
  readonly #script: FakeBundleResponse[] = [];
  readonly #waiters: { count: number; resolve: () => void }[] = [];
  readonly #serveBundle: (req: IncomingMessage, res: ServerResponse) => void;
  #server: https.Server | undefined;
  #url = '';
  #webRoots: readonly X509Certificate[] = Object.freeze([]);
  #bundle: SpiffeBundle | undefined;
  #svid: { issued: IssuedX509Svid; parsed: X509Svid } | undefined;
  #requests = 0;
  #stopped: Promise<void> | undefined;

  private constructor(
    options: FakeBundleEndpointOptions,
    trustDomain: TrustDomain,
    endpointId: SpiffeId | undefined,
  ) {
    this.profile = options.profile;
    this.trustDomain = trustDomain;
    this.endpointId = endpointId;
    this.#ca = options.ca;
    this.#path = options.path ?? '/';
    this.#bundle = options.bundle?.clone();
    this.#serveBundle = createBundleEndpointHandler(trustDomain, {
      getBundleForTrustDomain: () => this.#currentBundle(),
    });
  }

  /**
   * Starts an endpoint on 127.0.0.1 with an ephemeral port.
   * @throws {TestingError} `invalid_option` for bad options.
   */
  static async start(options: FakeBundleEndpointOptions): Promise<FakeBundleEndpoint> {
    const where = 'FakeBundleEndpoint.start';
    if (typeof options !== 'object' || options === null) {
      throw new TestingError('invalid_option', `${where}: options are required`);
    }
    const { ca, bundle, profile } = options;
    const path = options.path ?? '/';
    if (ca !== undefined && !(ca instanceof FakeCa))
      throw new TestingError('invalid_option', `${where}: ca must be a FakeCa`);
    if (bundle !== undefined && !(bundle instanceof SpiffeBundle)) {
      throw new TestingError('invalid_option', `${where}: bundle must be a SpiffeBundle`);
    }
    if (ca === undefined && bundle === undefined)
      throw new TestingError('invalid_option', `${where}: give a ca or a bundle`);
    if (typeof path !== 'string' || !path.startsWith('/'))
      throw new TestingError('invalid_option', `${where}: path must start with "/"`);
    const trustDomain = (bundle?.trustDomain ?? ca?.trustDomain) as TrustDomain;
    let endpointId: SpiffeId | undefined;
    if (profile === 'https_spiffe') {
      if (ca === undefined)
        throw new TestingError(
          'invalid_option',
          `${where}: https_spiffe needs the ca that issues the endpoint's SVID`,
        );
      endpointId = SpiffeId.from(options.endpointId ?? `spiffe://${ca.trustDomain.name}/spire/server`);
    } else if (profile === 'https_web') {
      if (options.endpointId !== undefined)
        throw new TestingError('invalid_option', `${where}: https_web has no endpointId`);
    } else {
      throw new TestingError('invalid_option', `${where}: profile must be 'https_web' or 'https_spiffe'`);
    }

    const endpoint = new FakeBundleEndpoint(options, trustDomain, endpointId);
    const handler = (req: IncomingMessage, res: ServerResponse): void => endpoint.#handle(req, res);
    let server: https.Server;
    if (profile === 'https_web') {
      const pki = mintWebPki();
      endpoint.#webRoots = Object.freeze([pki.root]);
      server = https.createServer({ cert: pki.cert, key: pki.key, minVersion: 'TLSv1.2' }, handler);
    } else {
      endpoint.rotateSvid();
      server = createHttpsServer(tlsServerOptions({ getX509Svid: () => endpoint.#currentSvid() }), handler);
    }
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
    endpoint.#server = server;
    endpoint.#url = `https://127.0.0.1:${port}${path}`;
    return endpoint;
  }

  /** The endpoint URL: `https://127.0.0.1:<port><path>`. */
  get url(): string {
    return this.#url;
  }

  /** `https_web`: the root CA clients must trust (`auth: { profile: 'https_web', roots: [...endpoint.webRoots] }`). */
  get webRoots(): readonly X509Certificate[] {
    return this.#webRoots;
  }

  /** How many HTTP requests arrived (every path and method, scripted answers included). */
  get requests(): number {
    return this.#requests;
  }

  /** `https_spiffe`: the X509-SVID new connections are served. */
  get svid(): IssuedX509Svid | undefined {
    return this.#svid?.issued;
  }

  /** Serves `bundle` from now on; `undefined` goes back to the CA's current bundle. */
  setBundle(bundle: SpiffeBundle | undefined): void {
    const where = 'FakeBundleEndpoint.setBundle';
    if (bundle !== undefined && !(bundle instanceof SpiffeBundle)) {
      throw new TestingError('invalid_option', `${where}: expected a SpiffeBundle`);
    }
    const td = bundle?.trustDomain ?? this.#ca?.trustDomain;
    if (td === undefined || !td.equals(this.trustDomain)) {
      throw new TestingError(
        'invalid_option',
        `${where}: the endpoint serves the bundle of ${this.trustDomain.name} only`,
      );
    }
    this.#bundle = bundle?.clone();
  }

  /**
   * Answers the next `count` requests (default 1) with `response` instead of the bundle, e.g.
   * `{ status: 404 }`, `{ body: 'garbage' }`, `{ contentType: 'text/html' }`,
   * `{ body: ' '.repeat(2 << 20), chunked: true }`, `{ redirect: 'http://127.0.0.1/' }`,
   * `{ redirect: other.url }`. Scripted answers queue up in order.
   */
  respondNext(response: FakeBundleResponse, count = 1): void {
    if (typeof response !== 'object' || response === null) {
      throw new TestingError('invalid_option', 'FakeBundleEndpoint.respondNext: response must be an object');
    }
    if (!Number.isSafeInteger(count) || count < 1) {
      throw new TestingError(
        'invalid_option',
        'FakeBundleEndpoint.respondNext: count must be a whole number >= 1',
      );
    }
    for (let i = 0; i < count; i++) this.#script.push({ ...response });
  }

  /**
   * `https_spiffe`: issues a new X509-SVID for the endpoint from the CA's current signing key (after
   * `ca.rotate()`, from the new one); new connections are served it.
   */
  rotateSvid(): IssuedX509Svid {
    if (this.endpointId === undefined || this.#ca === undefined) {
      throw new TestingError(
        'invalid_option',
        'FakeBundleEndpoint.rotateSvid: only an https_spiffe endpoint has an SVID',
      );
    }
    const issued = this.#ca.issueX509Svid({ id: this.endpointId });
    this.#svid = { issued, parsed: issued.toX509Svid() };
    return issued;
  }

  /** Resolves once `count` requests in all have arrived (at once if they already have). */
  waitForRequests(count: number): Promise<void> {
    if (this.#requests >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  /** Stops the server and closes open connections. Idempotent. */
  stop(): Promise<void> {
    const server = this.#server as https.Server;
    this.#stopped ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return this.#stopped;
  }

  /** `await using endpoint = await FakeBundleEndpoint.start(...)`: stops it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  #currentSvid(): X509Svid {
    if (this.#svid === undefined) throw new TestingError('invalid_option', 'the endpoint has no SVID');
    return this.#svid.parsed;
  }

  #currentBundle(): SpiffeBundle {
    return this.#bundle?.clone() ?? (this.#ca as FakeCa).spiffeBundle();
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    this.#requests++;
    for (const waiter of [...this.#waiters]) {
      if (this.#requests >= waiter.count) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
    const scripted = this.#script.shift();
    if (scripted !== undefined) {
      this.#respond(res, scripted);
      return;
    }
    if ((req.url ?? '/').split('?')[0] !== this.#path) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    this.#serveBundle(req, res);
  }

  #respond(res: ServerResponse, r: FakeBundleResponse): void {
    const body = r.body ?? this.#currentBundle().marshal();
    const bytes =
      typeof body === 'string'
        ? Buffer.from(body)
        : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const headers: Record<string, string | number> = { ...r.headers };
    const contentType = r.contentType === undefined ? 'application/json' : r.contentType;
    if (contentType !== null) headers['content-type'] = contentType;
    if (r.redirect !== undefined) headers.location = r.redirect;
    if (!r.chunked) headers['content-length'] = bytes.length;
    res.writeHead(r.status ?? (r.redirect !== undefined ? 302 : 200), headers);
    res.end(bytes);
  }
}
