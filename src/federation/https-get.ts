import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import { FederationError } from './errors.js';
import { requestFailure } from './tls-failure.js';

const REQUEST_HEADERS = Object.freeze({
  accept: 'application/json',
  // The body is bounded by its size as sent: no compression (a small gzip can expand hugely).
  'accept-encoding': 'identity',
});

/**
 * Sends one GET and resolves with the response once its headers arrived. `signal` (whose reason
 * is a `FederationError`: timeout or abort) destroys the request.
 *
 * @throws {FederationError} the signal's reason, or `requestFailure` of what the request failed with.
 */
export function sendGet(
  url: URL,
  options: https.RequestOptions,
  signal: AbortSignal,
  where: string,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const request = https.request(url, { ...options, method: 'GET', headers: REQUEST_HEADERS });
    const onAbort = (): void => void request.destroy(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    request.once('response', (response) => {
      signal.removeEventListener('abort', onAbort);
      resolve(response);
    });
    request.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      reject(requestFailure(error, where));
    });
    request.end();
  });
}

/**
 * Reads a response body of at most `maxBytes` bytes: a larger `Content-Length` is refused before
 * reading, a longer body as soon as it passes the limit.
 *
 * @throws {FederationError} `body_too_large`, `network` (the body was cut), or the signal's reason.
 */
export function readBody(
  response: IncomingMessage,
  maxBytes: number,
  signal: AbortSignal,
  where: string,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = (): FederationError =>
      new FederationError(
        'body_too_large',
        `${where}: the body is larger than ${maxBytes} bytes (maxBodyBytes)`,
      );
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      response.destroy();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error: unknown, body?: Buffer): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (error !== undefined) {
        response.destroy();
        reject(error);
      } else {
        resolve(body as Buffer);
      }
    };
    const onAbort = (): void => settle(signal.reason);
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) settle(tooLarge());
      else chunks.push(chunk);
    });
    response.once('end', () => settle(undefined, Buffer.concat(chunks, size)));
    response.once('error', (error) => settle(requestFailure(error, `${where}: reading the body`)));
    response.once('close', () => {
      if (!response.complete) {
        settle(
          new FederationError('network', `${where}: the connection closed before the body was complete`),
        );
      }
    });
  });
}

/** Discards a response that will not be read (a redirect, an error status). */
export function discard(response: IncomingMessage): void {
  response.on('error', () => {});
  response.destroy();
}
