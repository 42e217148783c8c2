/**
 * mTLS between the SDK (tlsconfig, identity from the real SPIRE agent through X509Source) and
 * go-spiffe (spiffetls + tlsconfig, identity from the same agent through its X509Source): each
 * side authorizes the other's SPIFFE ID, and refuses a peer that is not the one it expects.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeId, TlsConfigError } from '../../src/tlsconfig/index.js';
import { X509Source } from '../../src/workloadapi/index.js';
import { requireSpire, skipReason } from './support/context.js';
import { goSpiffe, startGoServer, type GoServer } from './support/go-spiffe.js';
import { Processes } from './support/processes.js';
import { tsDial, tsServer, type TsServer } from './support/tls.js';

describe.skipIf(skipReason !== undefined)(
  'mTLS between the SDK and go-spiffe (identities from SPIRE)',
  () => {
    const info = skipReason ? undefined! : requireSpire();
    const stranger = `spiffe://${info?.trustDomain}/someone-else`;
    const procs = new Processes();
    let logDir: string;
    let source: X509Source;
    const servers: TsServer[] = [];

    beforeAll(async () => {
      logDir = await mkdtemp(join(tmpdir(), 'interop-mtls-'));
      source = await X509Source.create({ clientOptions: { address: info.agentAddress }, timeoutMs: 30_000 });
    });

    afterAll(async () => {
      source?.close();
      for (const s of servers) await s.close();
      await procs.stopAll();
      await rm(logDir, { recursive: true, force: true });
    });

    async function goServer(authorize: string): Promise<GoServer> {
      return startGoServer(
        procs,
        info.binaries.interop,
        ['-addr', info.agentAddress, '-pick', info.goPeerId, '-authorize', authorize],
        join(logDir, 'go-server.log'),
      );
    }

    function goClient(address: string, authorize: string) {
      return goSpiffe<{ peer: string; id: string; line: string }>(info.binaries.interop, [
        'mtls-client',
        '-addr',
        info.agentAddress,
        '-pick',
        info.goPeerId,
        '-connect',
        address,
        '-authorize',
        authorize,
      ]);
    }

    it('SDK client → go-spiffe server: each authorizes the other by ID', async () => {
      const server = await goServer(info.workloadId);
      expect(server.id).toBe(info.goPeerId);
      const result = await tsDial(source, source, authorizeId(info.goPeerId), server.address);
      expect(result.peer).toBe(info.goPeerId);
      expect(result.line).toBe(`hello ${info.workloadId}`);
      expect(await server.nextEvent()).toEqual({ accepted: info.workloadId });
      await procs.stop(server.process);
    });

    it('SDK client refuses a go-spiffe server with another ID (TlsConfigError unauthorized)', async () => {
      const server = await goServer(info.workloadId);
      const error = await tsDial(source, source, authorizeId(stranger), server.address).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TlsConfigError);
      expect((error as TlsConfigError).code).toBe('unauthorized');
      await procs.stop(server.process);
    });

    it('go-spiffe server refuses the SDK client when it expects another ID', async () => {
      const server = await goServer(stranger);
      const error = await tsDial(source, source, authorizeId(info.goPeerId), server.address).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      const event = await server.nextEvent();
      expect(event.refused).toMatch(/unexpected ID/);
      expect(event.refused).toContain(info.workloadId);
      await procs.stop(server.process);
    });

    it('go-spiffe client → SDK server: each authorizes the other by ID', async () => {
      const server = await tsServer(source, source, authorizeId(info.goPeerId));
      servers.push(server);
      const outcome = await goClient(server.address, info.workloadId);
      expect(outcome).toEqual({
        ok: true,
        value: { peer: info.workloadId, id: info.goPeerId, line: `hello ${info.goPeerId}\n` },
      });
      expect(server.refused).toEqual([]);
    });

    it('SDK server refuses a go-spiffe client with another ID', async () => {
      const server = await tsServer(source, source, authorizeId(stranger));
      servers.push(server);
      const refusal = server.nextRefusal();
      const outcome = await goClient(server.address, info.workloadId);
      expect(outcome.ok).toBe(false);
      const error = await refusal;
      expect(error).toBeInstanceOf(TlsConfigError);
      expect((error as TlsConfigError).code).toBe('unauthorized');
      expect(error.message).toContain(info.goPeerId);
    });

    it('go-spiffe client refuses an SDK server with another ID', async () => {
      const server = await tsServer(source, source, authorizeId(info.goPeerId));
      servers.push(server);
      const outcome = await goClient(server.address, stranger);
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expect(outcome.failure.error).toMatch(/unexpected ID/);
    });

    it('leaves no go-spiffe process behind', async () => {
      await procs.stopAll();
      expect(procs.leftovers()).toEqual([]);
    });
  },
);
