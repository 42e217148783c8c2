import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HealthSpec } from './helper-config.js';

/** An answer of the health endpoint: HTTP 200 when `ok`, else 503; `body` is sent as JSON. */
export interface HealthAnswer {
  ok: boolean;
  body: Record<string, unknown>;
}

/** What the endpoint asks the helper. */
export interface HealthChecks {
  /** Liveness: the helper runs and its watch of the agent has not stopped for good. */
  live(): HealthAnswer;
  /** Readiness: the files on disk hold the latest SVID, unexpired. */
  ready(): Promise<HealthAnswer>;
}

/**
 * The helper's optional HTTP health endpoint (spiffe-helper's `health_checks`): `GET <livePath>`
 * and `GET <readyPath>` answer 200 or 503 with a JSON body; anything else is 404.
 */
export class HealthServer {
  readonly #server: Server;
  /** The URL the endpoint listens on, e.g. `http://127.0.0.1:8081`. */
  readonly url: string;

  private constructor(server: Server, url: string) {
    this.#server = server;
    this.url = url;
  }

  /**
   * Starts listening on `spec.address:spec.port` (port 0 picks a free one; see {@link HealthServer.url}).
   * @throws {Error} when the port cannot be bound.
   */
  static async start(spec: HealthSpec, checks: HealthChecks): Promise<HealthServer> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const send = (status: number, body: Record<string, unknown>): void => {
        res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(`${JSON.stringify(body)}\n`);
      };
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { error: 'only GET' });
      if (path === spec.livePath) {
        const answer = checks.live();
        return send(answer.ok ? 200 : 503, answer.body);
      }
      if (path === spec.readyPath) {
        checks.ready().then(
          (answer) => send(answer.ok ? 200 : 503, answer.body),
          (error: unknown) => send(503, { status: 'error', reason: (error as Error).message }),
        );
        return;
      }
      send(404, { error: `not found; try ${spec.livePath} or ${spec.readyPath}` });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(spec.port, spec.address, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { address, port } = server.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    return new HealthServer(server, `http://${host}:${port}`);
  }

  /** Stops listening and closes open connections. */
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
