#!/usr/bin/env node
// Regenerates the Workload API bindings (src/workloadapi/proto/) from proto/workload.proto.
//
//   npm run proto
//
// Runs `buf generate` (the Go binary shipped in the @bufbuild/buf npm package) with the local
// ts-proto plugin from node_modules; options live in proto/buf.gen.yaml. buf deletes the
// output folder first (`clean: true`), so removed messages leave no stale files, and the
// output does not depend on prettier or eslint (the folder is ignored by both). Running it
// twice gives no diff. The output is committed: building and testing never run this script.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/** Prints why generation stopped and exits non-zero. */
function fail(message) {
  process.stderr.write(`gen-proto: ${message}\n`);
  process.exit(1);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buf = join(root, 'node_modules', '@bufbuild', 'buf', 'bin', 'buf');
const plugin = join(root, 'node_modules', 'ts-proto', 'protoc-gen-ts_proto');
const out = join(root, 'src', 'workloadapi', 'proto');

for (const [what, file] of [
  ['buf (devDependency @bufbuild/buf)', buf],
  ['ts-proto (devDependency ts-proto)', plugin],
]) {
  if (!existsSync(file)) {
    fail(`${what} is not installed at ${relative(root, file)}; run npm ci first.`);
  }
}

// buf resolves the template's relative paths (plugin, out) against the working directory, and
// starts the plugin as `node …`: put this script's node first on PATH so both use the same one.
execFileSync(process.execPath, [buf, 'generate', 'proto', '--template', 'proto/buf.gen.yaml'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, PATH: [dirname(process.execPath), process.env.PATH].join(delimiter) },
});

// One patch, because no ts-proto option covers it: Struct.unwrap (how ValidateJWTSVIDResponse
// .claims becomes a plain object) assigns `object[key] = value`, so a claim named `__proto__`
// replaced the object's prototype instead of becoming a key (measured with ts-proto 2.18: the
// claim vanished from Object.keys and its members were inherited). Define an own property
// instead. The patch must apply exactly once, or generation fails: a ts-proto upgrade that
// changes this code cannot drop it silently. test/workloadapi/proto.test.ts checks the result.
const structFile = join(out, 'google', 'protobuf', 'struct.ts');
const assignment = '        object[key] = message.fields.get(key);\n';
const ownProperty =
  '        // Patched by scripts/gen-proto.mjs: an own property, even for the key "__proto__".\n' +
  '        globalThis.Object.defineProperty(object, key, {\n' +
  '          value: message.fields.get(key),\n' +
  '          enumerable: true,\n' +
  '          writable: true,\n' +
  '          configurable: true,\n' +
  '        });\n';
const struct = readFileSync(structFile, 'utf8');
if (struct.split(assignment).length !== 2) {
  fail(`Struct.unwrap in ${relative(root, structFile)} changed; update the patch.`);
}
writeFileSync(structFile, struct.replace(assignment, ownProperty));

process.stdout.write(`gen-proto: wrote ${relative(root, out)}/\n`);
