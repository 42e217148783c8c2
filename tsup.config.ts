import { readdirSync, existsSync } from 'node:fs';
import { defineConfig } from 'tsup';

// One entry per public layer: every folder of src/ with an index.ts, except internal/.
const layers = readdirSync('src', { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'internal' && existsSync(`src/${d.name}/index.ts`))
  .map((d) => d.name);

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    ...Object.fromEntries(layers.map((l) => [`${l}/index`, `src/${l}/index.ts`])),
    // The `spiffe` executable (package.json `bin`); src/cli has no index.ts, it is not a layer.
    'cli/main': 'src/cli/main.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  // Shared chunks: a class (SpiffeId, X509Bundle, ...) is one class whichever subpath imports it.
  splitting: true,
  // No source maps: the output is not minified, and maps with sourcesContent were 65% of the
  // package (docs/decisions.md).
  sourcemap: false,
  clean: true,
  target: 'node20',
  platform: 'node',
  treeshake: true,
});
