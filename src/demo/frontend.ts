import type https from 'node:https';
import type { Agent as Dispatcher } from 'undici';
import {
  authorizeId,
  createDispatcher,
  createHttpsAgent,
  JwtSvidCache,
  jwtSvidFetch,
  mtlsClientOptions,
  tlsClientOptions,
} from '../tlsconfig/index.js';
import type { ApiAnswer } from './api-server.js';
import { getJson, sdkLogger } from './http.js';
import type { WorkloadIdentity } from './identity.js';
import { timeOfDay, type EventLog } from './log.js';
import { workloadId } from './scenario.js';

/** What came of a call straight to the database. */
export interface DirectCall {
  /** True when the database refused the connection, as its policy says it must. */
  refused: boolean;
  /** What the frontend saw. */
  detail: string;
}

/**
 * The frontend: calls api-server with `fetch()` over TLS, checking that the server is
 * api-server by its X509-SVID, and authenticates with a JWT-SVID whose audience is api-server's
 * SPIFFE ID (fetched through its `JwtSource`, reused until half of its lifetime). It can also try
 * the database directly, over mTLS with its own X509-SVID, which the database must refuse.
 */
export class Frontend {
  readonly #apiUrl: string;
  readonly #databaseUrl: string;
  readonly #log: EventLog;
  readonly #tokens: JwtSvidCache;
  readonly #fetch: typeof fetch;
  readonly #dispatcher: Dispatcher;
  readonly #direct: https.Agent;
  #token: string | undefined;
  #tokensFetched = 0;

  constructor(identity: WorkloadIdentity, apiUrl: string, databaseUrl: string, log: EventLog) {
    const apiId = workloadId(identity.id.trustDomain, 'api-server');
    const databaseId = workloadId(identity.id.trustDomain, 'database');
    this.#apiUrl = apiUrl;
    this.#databaseUrl = databaseUrl;
    this.#log = log;
    this.#tokens = new JwtSvidCache(
      identity.jwt!,
      { audience: apiId.toString(), subject: identity.id },
      { logger: sdkLogger(log, 'frontend') },
    );
    this.#fetch = jwtSvidFetch(this.#tokens);
    this.#dispatcher = createDispatcher(tlsClientOptions(identity.x509, authorizeId(apiId)));
    this.#direct = createHttpsAgent(mtlsClientOptions(identity.x509, identity.x509, authorizeId(databaseId)));
  }

  /** How many different JWT-SVIDs the frontend has used. */
  get tokensFetched(): number {
    return this.#tokensFetched;
  }

  /** `GET /orders` on api-server with `Authorization: Bearer <JWT-SVID>`. @throws when not 200. */
  async callApi(): Promise<ApiAnswer> {
    const svid = await this.#tokens.get();
    if (svid.token !== this.#token) {
      this.#token = svid.token;
      this.#tokensFetched += 1;
      this.#log.event(
        'frontend',
        `JWT-SVID #${this.#tokensFetched} for audience ${svid.audience.join(', ')}, expires ${timeOfDay(svid.expiry)}`,
        'ok',
      );
    }
    const res = await this.#fetch(`${this.#apiUrl}/orders`, { dispatcher: this.#dispatcher });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${body.trim()}`);
    return JSON.parse(body) as ApiAnswer;
  }

  /** `GET /orders` on the database directly, over mTLS with the frontend's own X509-SVID. */
  async callDatabaseDirectly(): Promise<DirectCall> {
    try {
      await getJson(`${this.#databaseUrl}/orders`, this.#direct);
      return { refused: false, detail: 'the database answered' };
    } catch (error) {
      return { refused: true, detail: (error as Error).message };
    }
  }

  /** Closes its connections. */
  async close(): Promise<void> {
    await this.#dispatcher.close();
    this.#direct.destroy();
  }
}
