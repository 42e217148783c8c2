/**
 * Where the interop suite finds what scripts/interop/build.mjs built: SPIRE v1.15.3 and the
 * suite's own go-spiffe program, in `${SPIFFE_TS_INTEROP_CACHE:-~/.cache/spiffe-ts-interop}/bin`.
 */
import { existsSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The cache folder of scripts/interop/build.mjs. */
export const cacheDir = process.env.SPIFFE_TS_INTEROP_CACHE || join(homedir(), '.cache', 'spiffe-ts-interop');

/** The binaries the suite runs. */
export interface Binaries {
  spireServer: string;
  spireAgent: string;
  /** test/interop/go/cmd/spiffe-interop (go-spiffe v2), its real path (SPIRE's unix:path selector). */
  interop: string;
}

/** The binaries, or why they are missing (`npm run test:interop` builds them first). */
export function findBinaries(): { binaries: Binaries } | { missing: string } {
  const bin = join(cacheDir, 'bin');
  const names = { spireServer: 'spire-server', spireAgent: 'spire-agent', interop: 'spiffe-interop' };
  const missing = Object.values(names).filter((n) => !existsSync(join(bin, n)));
  if (missing.length > 0) {
    return {
      missing: `${missing.join(', ')} not found in ${bin}: run \`node scripts/interop/build.mjs\` (needs Go and gcc)`,
    };
  }
  return {
    binaries: {
      spireServer: join(bin, names.spireServer),
      spireAgent: join(bin, names.spireAgent),
      interop: realpathSync(join(bin, names.interop)),
    },
  };
}
