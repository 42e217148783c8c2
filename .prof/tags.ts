import { X509Certificate } from 'node:crypto';
import { FakeCa } from '../src/testing/index.js';
const ca = new FakeCa({ trustDomain: 'example.org' });
const s = new Uint8Array(ca.rootCertificates()[0]!.raw);
const ok: string[] = [];
for (let b = 0; b < 256; b++) { const d = Uint8Array.from(s); d[54] = b; try { new X509Certificate(d); ok.push(b.toString(16)); } catch {} }
console.log(ok.join(' '));
