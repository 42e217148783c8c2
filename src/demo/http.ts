import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:tls';
import type { Logger } from '../internal/logger.js';
import type { Actor, EventLog } from './log.js';

/** A running HTTPS service of the demo. */
export interface Service {
  /** Its base URL, `https://127.0.0.1:<port>`. */
  readonly url: string;
  /** Stops listening and closes its connections. */
  close(): Promise<void>;
}

/** Listens on a free loopback port; resolves with the base URL. */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Stops a server and drops its open connections. */
export function closeServer(server: https.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The JSON body of an answer; rejects on another status than 200, with the body as reason. */
export function getJson(url: string, agent: https.Agent): Promise<unknown> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { agent, timeout: 5000 }, (res: IncomingMessage) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('error', reject);
        res.on('end', () => {
          if (res.statusCode !== 200) {
            reject(new Error(`HTTP ${res.statusCode ?? '?'}: ${body.trim()}`));
            return;
          }
          try {
            resolve(JSON.parse(body));
          } catch (error) {
            reject(error as Error);
          }
        });
      })
      .on('timeout', function (this: { destroy(error: Error): void }) {
        this.destroy(new Error('no answer within 5 s'));
      })
      .on('error', reject);
  });
}

/**
 * The SDK's logger interface (`console`-like), writing the SDK's warnings and errors as events of
 * `actor`: refused peers and tokens, identity problems. Its debug and info lines are left out.
 */
export function sdkLogger(log: EventLog, actor: Actor): Logger {
  return {
    debug() {},
    info() {},
    warn: (message: string) => log.event(actor, message, 'warn'),
    error: (message: string) => log.event(actor, message, 'error'),
  };
}
