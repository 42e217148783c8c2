import { X509Certificate, randomInt } from 'node:crypto';
import { readCertificateInfo } from '../src/internal/x509/read-certificate.js';
import { createCertificate, FakeCa } from '../src/testing/index.js';
const ca = new FakeCa({ trustDomain: 'example.org' });
const seeds = [
  createCertificate({ subject: 'C=US,O=SPIFFE', uris: ['spiffe://example.org/a'] }).der,
  createCertificate({ subject: 'O=Ünïcode,CN=名前', uris: ['spiffe://example.org/b'], notAfter: new Date('2051-01-01T00:00:00Z') }).der,
  createCertificate({ keyType: 'rsa-2048', subject: 'CN=rsa' }).der,
  new Uint8Array(ca.issueX509Svid({ id: 'spiffe://example.org/x' }).certificates[0]!.raw),
  new Uint8Array(ca.rootCertificates()[0]!.raw),
];
const N = Number(process.argv[2] ?? 100000);
const fails = new Map<string, number>(); let vouched = 0;
for (let n = 0; n < N; n++) {
  const s = seeds[n % seeds.length]!; const der = Uint8Array.from(s);
  const k = 1 + randomInt(3);
  for (let j = 0; j < k; j++) der[randomInt(der.length)] = randomInt(256);
  let info; try { info = readCertificateInfo(der); } catch { continue; }
  if (!info.plainEncoding) continue;
  vouched++;
  try { const c = new X509Certificate(der);
    if (Date.parse(c.validFrom) !== info.notBefore || Date.parse(c.validTo) !== info.notAfter) { const key='time mismatch'; fails.set(key,(fails.get(key)??0)+1); }
  } catch (e) { const key = String((e as {opensslErrorStack?: string[]}).opensslErrorStack?.at(-1) ?? e); fails.set(key, (fails.get(key) ?? 0) + 1);
    if ((fails.get(key) ?? 0) === 1) console.log('example', key, Buffer.from(der).toString('base64').slice(0, 0)); }
}
console.log({ N, vouched, fails: Object.fromEntries(fails) });
