import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { readCertificateInfo } from '../src/internal/x509/read-certificate.js';
import { FakeCa } from '../src/testing/index.js';
const ca = new FakeCa({ trustDomain: 'example.org' });
const seeds = { leaf: new Uint8Array(ca.issueX509Svid({ id: 'spiffe://example.org/x' }).certificates[0]!.raw), root: new Uint8Array(ca.rootCertificates()[0]!.raw) };
for (const [name, s] of Object.entries(seeds)) {
  writeFileSync(`.prof/${name}.der`, s);
  const bad = new Map<number, string>();
  for (let at = 0; at < s.length; at++) for (let b = 0; b < 256; b++) {
    const der = Uint8Array.from(s); der[at] = b;
    let info; try { info = readCertificateInfo(der); } catch { continue; }
    if (!info.plainEncoding) continue;
    try { new X509Certificate(der); } catch (e) { if (!bad.has(at)) bad.set(at, `byte ${b}: ${(e as {opensslErrorStack?: string[]}).opensslErrorStack?.at(-1)}`); }
  }
  console.log(name, [...bad].map(([at, w]) => `${at} ${w}`).join('\n'));
}
