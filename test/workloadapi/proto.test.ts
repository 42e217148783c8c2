// The Workload API wire layer: proto/workload.proto and its generated bindings
// (src/workloadapi/proto/, internal to the SDK, hence imported directly and not via the index).
//
// 1. Field numbers, checked against byte strings assembled by hand from CHECKLIST §6.1, so they
//    do not depend on the generator.
// 2. A real grpc-js server and client over a unix socket: every RPC round-trips, the method
//    paths are `/SpiffeWorkloadAPI/<Method>`, and the security header reaches the server (E-4).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  InterceptingCall,
  type Metadata,
  Server,
  ServerCredentials,
  credentials,
  status,
  type ClientReadableStream,
  type Interceptor,
  type ServiceError,
} from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JWTBundlesRequest,
  JWTBundlesResponse,
  JWTSVIDRequest,
  JWTSVIDResponse,
  SpiffeWorkloadAPIClient,
  SpiffeWorkloadAPIService,
  ValidateJWTSVIDRequest,
  ValidateJWTSVIDResponse,
  WITBundlesRequest,
  WITBundlesResponse,
  WITSVIDRequest,
  WITSVIDResponse,
  X509BundlesRequest,
  X509BundlesResponse,
  X509SVIDRequest,
  X509SVIDResponse,
  type MessageFns,
  type SpiffeWorkloadAPIServer,
} from '../../src/workloadapi/proto/workload.js';

// ---------------------------------------------------------------------------------------------
// Hand assembly of protobuf bytes: tag = field number << 3 | wire type.
const VARINT = 0;
const I64 = 1;
const LEN = 2;

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const tag = (field: number, wireType: number): number[] => varint(field * 8 + wireType);
const raw = (s: string): number[] => [...Buffer.from(s, 'utf8')];
/** A length-delimited field: a string, bytes, an embedded message or a map entry. */
const len = (field: number, payload: number[] | string): number[] => {
  const p = typeof payload === 'string' ? raw(payload) : payload;
  return [...tag(field, LEN), ...varint(p.length), ...p];
};
const double = (field: number, v: number): number[] => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return [...tag(field, I64), ...b];
};
const uint = (field: number, v: number): number[] => [...tag(field, VARINT), ...varint(v)];
const bytesOf = (...fields: number[][]): Uint8Array => Uint8Array.from(fields.flat());
/** A map<string, V> entry: key = 1, value = 2 (protobuf map encoding). */
const mapEntry = (field: number, key: string, value: number[] | string): number[] =>
  len(field, [...len(1, key), ...len(2, value)]);
const u8 = (...b: number[]): Uint8Array => Uint8Array.from(b);

interface WireCase {
  name: string;
  bytes: Uint8Array;
  value: unknown;
  decode(): unknown;
  encode(): Uint8Array;
}
function wire<T>(name: string, codec: MessageFns<T>, bytes: Uint8Array, value: T): WireCase {
  return {
    name,
    bytes,
    value,
    decode: () => codec.decode(bytes),
    encode: () => codec.encode(value).finish(),
  };
}

const ID = 'spiffe://example.org/workload';
const FED = 'spiffe://federated.test';

const wireCases: WireCase[] = [
  wire(
    'X509SVIDResponse: svids = 1 (X509SVID spiffe_id = 1, x509_svid = 2, x509_svid_key = 3, bundle = 4, hint = 5), crl = 2, federated_bundles = 3',
    X509SVIDResponse,
    bytesOf(
      len(1, [
        ...len(1, ID),
        ...len(2, [0xc1, 0xc2]),
        ...len(3, [0xd1]),
        ...len(4, [0xb1, 0xb2]),
        ...len(5, 'internal'),
      ]),
      len(1, [...len(1, `${ID}/2`), ...len(2, [0xc3]), ...len(3, [0xd2]), ...len(4, [0xb3])]),
      len(2, [0xe1]),
      len(2, [0xe2, 0xe3]),
      mapEntry(3, FED, [0xf1, 0xf2]),
    ),
    {
      svids: [
        {
          spiffeId: ID,
          x509Svid: u8(0xc1, 0xc2),
          x509SvidKey: u8(0xd1),
          bundle: u8(0xb1, 0xb2),
          hint: 'internal',
        },
        { spiffeId: `${ID}/2`, x509Svid: u8(0xc3), x509SvidKey: u8(0xd2), bundle: u8(0xb3), hint: '' },
      ],
      crl: [u8(0xe1), u8(0xe2, 0xe3)],
      federatedBundles: new Map([[FED, u8(0xf1, 0xf2)]]),
    },
  ),
  wire(
    'X509BundlesResponse: crl = 1, bundles = 2',
    X509BundlesResponse,
    bytesOf(len(1, [0xe1]), mapEntry(2, 'spiffe://example.org', [0xb1])),
    { crl: [u8(0xe1)], bundles: new Map([['spiffe://example.org', u8(0xb1)]]) },
  ),
  wire(
    'JWTSVIDRequest: audience = 1 (repeated), spiffe_id = 2',
    JWTSVIDRequest,
    bytesOf(len(1, 'aud-1'), len(1, 'aud-2'), len(2, ID)),
    { audience: ['aud-1', 'aud-2'], spiffeId: ID },
  ),
  wire(
    'JWTSVIDResponse: svids = 1 (JWTSVID spiffe_id = 1, svid = 2, hint = 3)',
    JWTSVIDResponse,
    bytesOf(len(1, [...len(1, ID), ...len(2, 'h.p.s'), ...len(3, 'external')])),
    { svids: [{ spiffeId: ID, svid: 'h.p.s', hint: 'external' }] },
  ),
  wire(
    'JWTBundlesResponse: bundles = 1 (map<string, bytes>)',
    JWTBundlesResponse,
    bytesOf(mapEntry(1, 'spiffe://example.org', '{"keys":[]}')),
    { bundles: new Map([['spiffe://example.org', Uint8Array.from(raw('{"keys":[]}'))]]) },
  ),
  wire(
    'ValidateJWTSVIDRequest: audience = 1 (singular), svid = 2',
    ValidateJWTSVIDRequest,
    bytesOf(len(1, 'aud'), len(2, 'h.p.s')),
    { audience: 'aud', svid: 'h.p.s' },
  ),
  wire(
    // google.protobuf.Struct: fields = 1 (map<string, Value>); Value: null_value = 1,
    // number_value = 2, string_value = 3, bool_value = 4, struct_value = 5, list_value = 6.
    'ValidateJWTSVIDResponse: spiffe_id = 1, claims = 2 (google.protobuf.Struct)',
    ValidateJWTSVIDResponse,
    bytesOf(
      len(1, ID),
      len(2, [
        ...mapEntry(1, 'sub', len(3, ID)),
        ...mapEntry(1, 'exp', double(2, 1_700_000_000)),
        ...mapEntry(1, 'ok', uint(4, 1)),
        ...mapEntry(1, 'nil', uint(1, 0)),
        ...mapEntry(1, 'aud', len(6, [...len(1, len(3, 'a')), ...len(1, double(2, 2.5))])),
        ...mapEntry(1, 'obj', len(5, mapEntry(1, 'k', len(3, 'v')))),
      ]),
    ),
    {
      spiffeId: ID,
      claims: { sub: ID, exp: 1_700_000_000, ok: true, nil: null, aud: ['a', 2.5], obj: { k: 'v' } },
    },
  ),
  wire('WITSVIDRequest: spiffe_id = 1', WITSVIDRequest, bytesOf(len(1, ID)), { spiffeId: ID }),
  wire(
    'WITSVIDResponse: svids = 1 (WITSVID spiffe_id = 1, wit_svid = 2, wit_svid_key = 3, hint = 4)',
    WITSVIDResponse,
    bytesOf(len(1, [...len(1, ID), ...len(2, 'h.p.s'), ...len(3, '{"kty":"OKP"}'), ...len(4, 'wit')])),
    { svids: [{ spiffeId: ID, witSvid: 'h.p.s', witSvidKey: '{"kty":"OKP"}', hint: 'wit' }] },
  ),
  wire(
    'WITBundlesResponse: bundles = 1 (map<string, string>)',
    WITBundlesResponse,
    bytesOf(mapEntry(1, 'spiffe://example.org', '{"keys":[]}')),
    { bundles: new Map([['spiffe://example.org', '{"keys":[]}']]) },
  ),
  wire('X509SVIDRequest: no fields', X509SVIDRequest, bytesOf(), {}),
  wire('X509BundlesRequest: no fields', X509BundlesRequest, bytesOf(), {}),
  wire('JWTBundlesRequest: no fields', JWTBundlesRequest, bytesOf(), {}),
  wire('WITBundlesRequest: no fields', WITBundlesRequest, bytesOf(), {}),
];

describe('§6.1 wire format: hand-assembled bytes', () => {
  it.each(wireCases.map((c) => [c.name, c] as const))('decodes %s', (_name, c) => {
    expect(c.decode()).toEqual(c.value);
  });

  it.each(wireCases.map((c) => [c.name, c] as const))('encodes %s to the same bytes', (_name, c) => {
    expect([...c.encode()]).toEqual([...c.bytes]);
  });

  it('W-7: an empty message decodes to empty fields (no SVIDs, no bundles, no claims)', () => {
    expect(X509SVIDResponse.decode(bytesOf())).toEqual({ svids: [], crl: [], federatedBundles: new Map() });
    expect(X509BundlesResponse.decode(bytesOf())).toEqual({ crl: [], bundles: new Map() });
    expect(ValidateJWTSVIDResponse.decode(bytesOf())).toEqual({ spiffeId: '', claims: undefined });
  });

  it('skips unknown fields (a newer server may add some)', () => {
    const svid = [...len(1, ID), ...uint(99, 7), ...len(100, 'future')];
    expect(X509SVIDResponse.decode(bytesOf(len(1, svid), len(42, [1, 2])))).toEqual(
      X509SVIDResponse.create({ svids: [{ spiffeId: ID }] }),
    );
  });

  it('keeps a map key "__proto__" as an ordinary key (map fields are Map objects)', () => {
    const decoded = X509SVIDResponse.decode(bytesOf(mapEntry(3, '__proto__', [1])));
    expect([...decoded.federatedBundles.keys()]).toEqual(['__proto__']);
  });

  it('keeps a claim "__proto__" as an own property, not as the prototype (gen-proto.mjs patch)', () => {
    const claims = ValidateJWTSVIDResponse.decode(
      bytesOf(len(2, mapEntry(1, '__proto__', len(5, mapEntry(1, 'admin', uint(4, 1)))))),
    ).claims;
    expect(claims).toBeDefined();
    expect(Object.getPrototypeOf(claims)).toBe(Object.prototype);
    expect(Object.keys(claims ?? {})).toEqual(['__proto__']);
    expect((claims as Record<string, unknown>)['admin']).toBeUndefined();
  });

  it('throws on a truncated message (the client must turn this into its own error)', () => {
    const full = bytesOf(len(1, [...len(1, ID), ...len(2, [1, 2, 3])]));
    expect(() => X509SVIDResponse.decode(full.subarray(0, full.length - 2))).toThrow(RangeError);
  });

  it('decodes invalid UTF-8 in a string field to U+FFFD (no throw: the SPIFFE ID parser rejects it)', () => {
    const decoded = JWTSVIDResponse.decode(bytesOf(len(1, len(1, [0x73, 0xff]))));
    expect(decoded.svids[0]?.spiffeId).toBe('s\uFFFD');
  });
});

describe('§6.1 proto/workload.proto', () => {
  const proto = readFileSync(new URL('../../proto/workload.proto', import.meta.url), 'utf8');
  const code = proto.replace(/\/\/.*$/gm, '');

  it('has no package statement and imports only google/protobuf/struct.proto', () => {
    expect(code).not.toMatch(/^\s*package\b/m);
    expect([...code.matchAll(/^\s*import\s+"([^"]+)"/gm)].map((m) => m[1])).toEqual([
      'google/protobuf/struct.proto',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// grpc-js over a unix socket.

const HEADER = 'workload.spiffe.io';

/** E-4: the client interceptor that adds the security header to every call (NODE-NOTES §2). */
const securityHeader: Interceptor = (options, nextCall) =>
  new InterceptingCall(nextCall(options), {
    start(metadata, listener, next) {
      metadata.set(HEADER, 'true');
      next(metadata, listener);
    },
  });

const PATHS = {
  fetchX509Svid: '/SpiffeWorkloadAPI/FetchX509SVID',
  fetchX509Bundles: '/SpiffeWorkloadAPI/FetchX509Bundles',
  fetchJwtsvid: '/SpiffeWorkloadAPI/FetchJWTSVID',
  fetchJwtBundles: '/SpiffeWorkloadAPI/FetchJWTBundles',
  validateJwtsvid: '/SpiffeWorkloadAPI/ValidateJWTSVID',
  fetchWitsvid: '/SpiffeWorkloadAPI/FetchWITSVID',
  fetchWitBundles: '/SpiffeWorkloadAPI/FetchWITBundles',
} as const;

const der = (...b: number[]): Buffer => Buffer.from(b);

const X509_SVIDS = X509SVIDResponse.create({
  svids: [
    {
      spiffeId: ID,
      x509Svid: der(0x30, 1, 2),
      x509SvidKey: der(0x30, 3),
      bundle: der(0x30, 4),
      hint: 'internal',
    },
    { spiffeId: `${ID}/b`, x509Svid: der(0x30, 5), x509SvidKey: der(0x30, 6), bundle: der(0x30, 7) },
  ],
  crl: [der(0x30, 8), der(0x30, 9, 9)],
  federatedBundles: new Map([
    [FED, der(0x30, 10)],
    ['spiffe://other.test', der(0x30, 11, 11)],
  ]),
});
const X509_BUNDLES = X509BundlesResponse.create({
  crl: [der(0x30, 12)],
  bundles: new Map([
    ['spiffe://example.org', der(0x30, 13)],
    [FED, der(0x30, 14)],
  ]),
});
const JWT_SVIDS = JWTSVIDResponse.create({ svids: [{ spiffeId: ID, svid: 'h.p.s', hint: 'ext' }] });
const JWT_BUNDLES = JWTBundlesResponse.create({
  bundles: new Map([['spiffe://example.org', Buffer.from('{"keys":[{"kid":"k"}]}')]]),
});
const CLAIMS = {
  sub: ID,
  aud: ['a', 'b'],
  exp: 1_900_000_000,
  ratio: 0.25,
  admin: false,
  nested: { none: null, list: [1, 'two', { three: [true] }], empty: {} },
};
const VALIDATED = ValidateJWTSVIDResponse.create({ spiffeId: ID, claims: CLAIMS });
const WIT_SVIDS = WITSVIDResponse.create({ svids: [{ spiffeId: ID, witSvid: 'h.p.s', witSvidKey: '{}' }] });
const WIT_BUNDLES = WITBundlesResponse.create({
  bundles: new Map([['spiffe://example.org', '{"keys":[]}']]),
});

interface Seen {
  path: string;
  header: unknown[];
  request: unknown;
}

/** A test agent that records each call and answers with the fixed messages above. */
function recordingAgent(seen: Seen[]): SpiffeWorkloadAPIServer {
  const record = (call: { getPath(): string; metadata: Metadata; request: unknown }): void => {
    seen.push({ path: call.getPath(), header: call.metadata.get(HEADER), request: call.request });
  };
  return {
    fetchX509Svid: (call) => (record(call), call.write(X509_SVIDS), call.end()),
    fetchX509Bundles: (call) => (record(call), call.write(X509_BUNDLES), call.end()),
    fetchJwtsvid: (call, done) => (record(call), done(null, JWT_SVIDS)),
    fetchJwtBundles: (call) => (record(call), call.write(JWT_BUNDLES), call.end()),
    validateJwtsvid: (call, done) => (record(call), done(null, VALIDATED)),
    fetchWitsvid: (call) => (record(call), call.write(WIT_SVIDS), call.end()),
    fetchWitBundles: (call) => (record(call), call.write(WIT_BUNDLES), call.end()),
  };
}

function listen(server: Server, address: string): Promise<void> {
  return new Promise((resolve, reject) =>
    server.bindAsync(address, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
}

async function collect<T>(stream: ClientReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const message of stream) out.push(message as T);
  return out;
}

/** Runs a unary call as a promise: `start` issues the call with the given callback. */
function unary<Res>(start: (done: (err: ServiceError | null, res?: Res) => void) => unknown): Promise<Res> {
  return new Promise((resolve, reject) =>
    start((err, res) =>
      err ? reject(err) : res === undefined ? reject(new Error('no response')) : resolve(res),
    ),
  );
}

describe('§6.1 generated service over grpc-js on a unix socket', () => {
  let dir: string;
  let server: Server;
  let client: SpiffeWorkloadAPIClient;
  let bare: SpiffeWorkloadAPIClient;
  const seen: Seen[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spiffe-proto-'));
    const address = `unix://${join(dir, 'agent.sock')}`;
    server = new Server();
    server.addService(SpiffeWorkloadAPIService, recordingAgent(seen));
    await listen(server, address);
    client = new SpiffeWorkloadAPIClient(address, credentials.createInsecure(), {
      interceptors: [securityHeader],
    });
    bare = new SpiffeWorkloadAPIClient(address, credentials.createInsecure());
  });

  afterAll(() => {
    client?.close();
    bare?.close();
    // forceShutdown cancels calls still open, so a failed test cannot hang the cleanup.
    server?.forceShutdown();
    if (dir) rmSync(dir, { recursive: true, force: true });
    expect(existsSync(dir)).toBe(false);
  });

  const lastCall = (): Seen => {
    const s = seen.at(-1);
    if (!s) throw new Error('the server saw no call');
    return s;
  };

  it('the service definition has all seven methods at /SpiffeWorkloadAPI/<Method> (no package)', () => {
    expect(
      Object.fromEntries(Object.entries(SpiffeWorkloadAPIService).map(([method, def]) => [method, def.path])),
    ).toEqual(PATHS);
    expect(SpiffeWorkloadAPIClient.serviceName).toBe('SpiffeWorkloadAPI');
    const streaming = Object.entries(SpiffeWorkloadAPIService)
      .filter(([, def]) => def.responseStream)
      .map(([method]) => method);
    expect(streaming).toEqual([
      'fetchX509Svid',
      'fetchX509Bundles',
      'fetchJwtBundles',
      'fetchWitsvid',
      'fetchWitBundles',
    ]);
    expect(Object.values(SpiffeWorkloadAPIService).every((def) => !def.requestStream)).toBe(true);
  });

  it('FetchX509SVID streams SVIDs, repeated crl bytes and the federated_bundles map; E-4 header on a stream', async () => {
    expect(await collect(client.fetchX509Svid({}))).toEqual([X509_SVIDS]);
    expect(lastCall()).toEqual({ path: PATHS.fetchX509Svid, header: ['true'], request: {} });
  });

  it('FetchX509Bundles streams crl and the bundles map', async () => {
    expect(await collect(client.fetchX509Bundles({}))).toEqual([X509_BUNDLES]);
    expect(lastCall()).toEqual({ path: PATHS.fetchX509Bundles, header: ['true'], request: {} });
  });

  it('FetchJWTSVID (unary) sends audience and spiffe_id and returns the SVIDs; E-4 header on a unary call', async () => {
    const request = JWTSVIDRequest.create({ audience: ['aud-1', 'aud-2'], spiffeId: ID });
    expect(await unary<JWTSVIDResponse>((done) => client.fetchJwtsvid(request, done))).toEqual(JWT_SVIDS);
    expect(lastCall()).toEqual({ path: PATHS.fetchJwtsvid, header: ['true'], request });
  });

  it('FetchJWTBundles streams the JWKS map', async () => {
    expect(await collect(client.fetchJwtBundles({}))).toEqual([JWT_BUNDLES]);
    expect(lastCall()).toEqual({ path: PATHS.fetchJwtBundles, header: ['true'], request: {} });
  });

  it('ValidateJWTSVID (unary) returns claims as a Struct with nested values, read back as a plain object', async () => {
    const request = ValidateJWTSVIDRequest.create({ audience: 'aud', svid: 'h.p.s' });
    const response = await unary<ValidateJWTSVIDResponse>((done) => client.validateJwtsvid(request, done));
    expect(response).toEqual({ spiffeId: ID, claims: CLAIMS });
    expect(Object.getPrototypeOf(response.claims)).toBe(Object.prototype);
    expect(lastCall()).toEqual({ path: PATHS.validateJwtsvid, header: ['true'], request });
  });

  it('FetchWITSVID and FetchWITBundles stream their messages', async () => {
    expect(await collect(client.fetchWitsvid(WITSVIDRequest.create({ spiffeId: ID })))).toEqual([WIT_SVIDS]);
    expect(lastCall()).toEqual({ path: PATHS.fetchWitsvid, header: ['true'], request: { spiffeId: ID } });
    expect(await collect(client.fetchWitBundles({}))).toEqual([WIT_BUNDLES]);
    expect(lastCall().path).toBe(PATHS.fetchWitBundles);
  });

  it('E-4: without the interceptor the header is absent (control for the checks above)', async () => {
    await unary<JWTSVIDResponse>((done) =>
      bare.fetchJwtsvid(JWTSVIDRequest.create({ audience: ['a'] }), done),
    );
    expect(lastCall().header).toEqual([]);
    await collect(bare.fetchX509Svid({}));
    expect(lastCall().header).toEqual([]);
  });
});

describe('§6.1 a malformed response from the server', () => {
  it('fails the call with INTERNAL (the deserializer throws inside grpc-js)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spiffe-proto-'));
    const address = `unix://${join(dir, 'agent.sock')}`;
    const server = new Server();
    // Same path and request codec; the response serializer emits a truncated JWTSVIDResponse.
    server.addService(
      {
        fetchJwtsvid: {
          ...SpiffeWorkloadAPIService.fetchJwtsvid,
          responseSerialize: () => Buffer.from([0x0a, 0x05]),
        },
      },
      { fetchJwtsvid: (_call: unknown, done: (e: null, r: object) => void) => done(null, {}) },
    );
    const client = new SpiffeWorkloadAPIClient(address, credentials.createInsecure());
    try {
      await listen(server, address);
      const err = await unary<JWTSVIDResponse>((done) =>
        client.fetchJwtsvid(JWTSVIDRequest.create({ audience: ['a'] }), done),
      ).then(
        () => undefined,
        (e: unknown) => e as ServiceError,
      );
      expect(err?.code).toBe(status.INTERNAL);
    } finally {
      client.close();
      server.forceShutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
