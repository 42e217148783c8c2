/**
 * NestJS integration (tested on `@nestjs/platform-express`; on `platform-fastify` it reads the
 * Node request as `request.raw`): a guard that admits
 * requests by the caller's SPIFFE ID, from the mTLS peer and/or a JWT-SVID, and refuses with
 * Nest's own `HttpException` (401/403 with the reason, and `WWW-Authenticate`), so the app's
 * exception filters see it. NestJS is an optional peer dependency: this subpath loads
 * `@nestjs/common` only when it refuses a request (inside a Nest app, where it is installed).
 * @module nestjs
 */
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import {
  spiffeCallerOf,
  spiffeRequestAuth,
  TlsConfigError,
  type SpiffeCaller,
  type SpiffeRequestAuth,
  type SpiffeRequestAuthOptions,
} from '../tlsconfig/index.js';

export type { SpiffeCaller, SpiffeRequestAuthOptions } from '../tlsconfig/index.js';

type NodeRequest = { headers: IncomingHttpHeaders; method?: string; url?: string };

/** The Node request behind Nest's request object (Express's is one; Fastify's has it as `raw`). */
function nodeRequestOf(request: unknown): NodeRequest | undefined {
  if (typeof request !== 'object' || request === null) return undefined;
  const raw = (request as { raw?: unknown }).raw;
  const candidate = typeof raw === 'object' && raw !== null ? raw : request;
  const headers = (candidate as { headers?: unknown }).headers;
  return typeof headers === 'object' && headers !== null ? (candidate as NodeRequest) : undefined;
}

/**
 * A NestJS guard: `@UseGuards(new SpiffeGuard({ mtls: true }))` on a controller or route, or
 * `app.useGlobalGuards(new SpiffeGuard(...))`. Checks each HTTP request (see `spiffeRequestAuth`
 * for the options); the handler reads the caller with `spiffeCaller(req)` (`@Req() req`). A
 * refused request gets an `HttpException`: 401 or 403 (503 when the agent is unreachable) with
 * the reason as `message`, and the `WWW-Authenticate` header `jwtSvidAuth` would send. Fails
 * closed on non-HTTP contexts (RPC, WebSockets): Nest answers those 403.
 */
export class SpiffeGuard implements CanActivate {
  readonly #auth: SpiffeRequestAuth;

  /** @throws {TlsConfigError} `invalid_argument` for bad options. */
  constructor(options: SpiffeRequestAuthOptions) {
    this.#auth = spiffeRequestAuth(options, 'nestjs SpiffeGuard');
  }

  /** Nest calls this for each request the guard covers. */
  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return false;
    const http = context.switchToHttp();
    const request = nodeRequestOf(http.getRequest());
    if (request === undefined) return false;
    try {
      await this.#auth.authenticate(request);
      return true;
    } catch (error) {
      const refusal = this.#auth.refusal(error, request);
      const response = http.getResponse<{
        header?: (name: string, value: string) => unknown;
        setHeader?: (name: string, value: string) => unknown;
      }>();
      const challenge = refusal.headers['WWW-Authenticate'];
      if (challenge !== undefined) {
        // Express's `res.header` and Fastify's `reply.header`; a bare ServerResponse's setHeader.
        if (typeof response.header === 'function') response.header('WWW-Authenticate', challenge);
        else response.setHeader?.('WWW-Authenticate', challenge);
      }
      const { HttpException } = await import('@nestjs/common');
      throw new HttpException(
        {
          statusCode: refusal.status,
          message: refusal.body.trim(),
          error: STATUS_CODES[refusal.status],
        },
        refusal.status,
        { cause: error },
      );
    }
  }
}

/**
 * The caller that `SpiffeGuard` admitted for this request (Nest's request object, `@Req()`).
 *
 * @throws {TlsConfigError} `no_peer_id` when the guard did not admit `req` (it is not on this
 *   route): a handler that expects a caller fails rather than run without one.
 */
export function spiffeCaller(req: object): SpiffeCaller {
  const node = nodeRequestOf(req);
  const caller = spiffeCallerOf(req) ?? (node === undefined ? undefined : spiffeCallerOf(node));
  if (caller === undefined) {
    throw new TlsConfigError(
      'no_peer_id',
      'spiffeCaller: this request was not admitted by SpiffeGuard (is the guard on this route?)',
    );
  }
  return caller;
}
