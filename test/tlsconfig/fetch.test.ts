import type https from 'node:https';
import { fetch as undiciFetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  authorizeId,
  createDispatcher,
  createHttpsServer,
  mtlsClientOptions,
  mtlsServerOptions,
  peerIdFrom,
} from '../../src/tlsconfig/index.js';
import { close, listen, svidOf, trustDomains } from './support.js';

const SERVER = 'spiffe://example.org/server';
const CLIENT = 'spiffe://example.org/client';

const servers: https.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => close(s)));
});

async function server() {
  const { caA, bundles } = trustDomains();
  const seen: string[] = [];
  const srv = createHttpsServer(
    mtlsServerOptions(svidOf(caA, SERVER), bundles, authorizeId(CLIENT)),
    (req, res) => {
      seen.push(peerIdFrom(req).toString());
      res.end(JSON.stringify({ hello: peerIdFrom(req).toString() }));
    },
  );
  servers.push(srv);
  return { caA, bundles, seen, url: `https://127.0.0.1:${await listen(srv)}/data` };
}

describe('fetch', () => {
  it("Node's global fetch (bundled undici) takes the SDK dispatcher", async () => {
    const s = await server();
    const dispatcher = createDispatcher(
      mtlsClientOptions(svidOf(s.caA, CLIENT), s.bundles, authorizeId(SERVER)),
    );
    const res = await fetch(s.url, { dispatcher });
    expect(await res.json()).toEqual({ hello: CLIENT });
    const again = await fetch(s.url, { dispatcher });
    expect(again.status).toBe(200);
    expect(s.seen).toEqual([CLIENT, CLIENT]);
    await dispatcher.close();
  });

  it("undici's own fetch takes it too", async () => {
    const s = await server();
    const dispatcher = createDispatcher(
      mtlsClientOptions(svidOf(s.caA, CLIENT), s.bundles, authorizeId(SERVER)),
    );
    const res = await undiciFetch(s.url, { dispatcher });
    expect(await res.json()).toEqual({ hello: CLIENT });
    await dispatcher.close();
  });

  it('a refused server: fetch fails with the reason as its cause, and nothing is sent', async () => {
    const s = await server();
    const dispatcher = createDispatcher(
      mtlsClientOptions(svidOf(s.caA, CLIENT), s.bundles, authorizeId('spiffe://example.org/db')),
    );
    const error = (await fetch(s.url, { dispatcher }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.cause).toMatchObject({ code: 'unauthorized' });
    expect(s.seen).toEqual([]);
    await dispatcher.close();
  });

  it('refuses an http: URL instead of sending the request in plaintext', async () => {
    const s = await server();
    const dispatcher = createDispatcher(
      mtlsClientOptions(svidOf(s.caA, CLIENT), s.bundles, authorizeId(SERVER)),
    );
    const error = (await fetch(s.url.replace('https:', 'http:'), { dispatcher }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error.cause).toMatchObject({ code: 'invalid_argument' });
    await dispatcher.close();
  });
});
