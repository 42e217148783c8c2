#!/usr/bin/env node
/**
 * Schema check of Kubernetes manifests, with no cluster: `npm run validate:manifests`.
 *
 * For every YAML document of the given files and folders (default: examples/kubernetes):
 * - it parses, strictly (a duplicate key is an error), into an object with `apiVersion`, `kind`
 *   and `metadata.name`;
 * - a kind that `kubernetes-models` models (Deployment, ConfigMap, ...) validates against its
 *   Kubernetes OpenAPI schema;
 * - a kind it does not model (ClusterSPIFFEID, ClusterFederatedTrustDomain of the SPIRE controller
 *   manager) validates against a schema of scripts/schemas/, with the same validator: the ajv
 *   and the formats of @kubernetes-models/validate;
 * - any other kind is an error: nothing passes unchecked;
 * - the files a ConfigMap carries (data keys ending in .json, .yaml, .yml) parse.
 *
 * Exit codes: 0 all valid; 1 a manifest is invalid (each problem is printed); 2 bad usage.
 * Usage: node scripts/validate-manifests.mjs [path ...]
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formats, runValidateFunc } from '@kubernetes-models/validate';
import ValidationError from '@kubernetes-models/validate/runtime/validation_error';
import { parseAllDocuments } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const schemaDir = join(root, 'scripts', 'schemas');
const YAML_FILE = /\.ya?ml$/;

/** The YAML files under `path` (a file or a folder), sorted. */
async function yamlFiles(path) {
  const info = await stat(path);
  if (info.isFile()) return [path];
  const files = [];
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) files.push(...(await yamlFiles(child)));
    else if (YAML_FILE.test(entry.name)) files.push(child);
  }
  return files;
}

/** Validators of the custom resources, by `apiVersion kind`, from scripts/schemas/*.schema.json. */
async function customValidators() {
  // The ajv that @kubernetes-models/validate compiles with, and its Kubernetes formats.
  const require = createRequire(import.meta.resolve('@kubernetes-models/validate'));
  const ajvModule = require('ajv');
  const Ajv = ajvModule.default ?? ajvModule;
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
  for (const [name, format] of Object.entries(formats)) ajv.addFormat(name, format);
  const names = (await readdir(schemaDir)).filter((f) => f.endsWith('.schema.json')).sort();
  const schemas = await Promise.all(
    names.map(async (f) => JSON.parse(await readFile(join(schemaDir, f), 'utf8'))),
  );
  for (const schema of schemas) ajv.addSchema(schema);
  const validators = new Map();
  for (const schema of schemas) {
    const apiVersion = schema.properties?.apiVersion?.const;
    const kind = schema.properties?.kind?.const;
    if (apiVersion !== undefined && kind !== undefined)
      validators.set(`${apiVersion} ${kind}`, ajv.getSchema(schema.$id));
  }
  return validators;
}

/** The kubernetes-models class of a built-in kind, or undefined when the package has none. */
async function builtInModel(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : [undefined, apiVersion];
  if (
    !/^[A-Z][A-Za-z0-9]*$/.test(kind) ||
    !/^v[0-9]+[a-z0-9]*$/.test(version) ||
    (group !== undefined && !/^[a-z0-9.-]+$/.test(group))
  ) {
    return undefined;
  }
  const specifier =
    group === undefined
      ? `kubernetes-models/${version}/${kind}`
      : `kubernetes-models/${group}/${version}/${kind}`;
  try {
    return (await import(specifier))[kind];
  } catch (error) {
    if (error.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED' || error.code === 'ERR_MODULE_NOT_FOUND')
      return undefined;
    throw error;
  }
}

/** Problems of the files a ConfigMap carries. */
function embeddedProblems(doc) {
  const problems = [];
  for (const [key, value] of Object.entries(doc.data ?? {})) {
    if (typeof value !== 'string') continue;
    if (key.endsWith('.json')) {
      try {
        JSON.parse(value);
      } catch (error) {
        problems.push(`data[${JSON.stringify(key)}] is not valid JSON: ${error.message}`);
      }
    } else if (YAML_FILE.test(key)) {
      for (const inner of parseAllDocuments(value, { uniqueKeys: true })) {
        for (const error of inner.errors)
          problems.push(`data[${JSON.stringify(key)}] is not valid YAML: ${error.message}`);
      }
    }
  }
  return problems;
}

/** A validation error's findings, naming unknown fields (ajv's message does not). */
function describe(error) {
  return error.errors
    .map((e) => {
      const at = `data${e.instancePath}`;
      if (e.keyword === 'additionalProperties')
        return `${at} has an unknown field ${JSON.stringify(e.params.additionalProperty)}`;
      if (e.keyword === 'false schema') return `${at} is not allowed`;
      return `${at} ${e.message}`;
    })
    .join(', ');
}

/** Validates one document; returns its label and its problems. */
async function check(doc, validators) {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    return { label: 'document', problems: ['not a Kubernetes object (a YAML mapping)'] };
  const { apiVersion, kind } = doc;
  const label = `${kind ?? '?'} ${doc.metadata?.name ?? '?'}`;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string')
    return { label, problems: ['apiVersion and kind are required strings'] };
  const problems = [];
  if (typeof doc.metadata?.name !== 'string' || doc.metadata.name === '')
    problems.push('metadata.name is required');
  const custom = validators.get(`${apiVersion} ${kind}`);
  try {
    if (custom !== undefined) {
      runValidateFunc(custom, doc);
    } else {
      const Model = await builtInModel(apiVersion, kind);
      if (Model === undefined) {
        problems.push(
          `no schema for ${apiVersion} ${kind}: kubernetes-models does not model it and scripts/schemas/ has none`,
        );
      } else {
        new Model(doc).validate();
      }
    }
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problems.push(describe(error));
  }
  if (apiVersion === 'v1' && kind === 'ConfigMap') problems.push(...embeddedProblems(doc));
  return { label, problems };
}

async function main(args) {
  if (args.some((a) => a.startsWith('-'))) {
    console.error('usage: node scripts/validate-manifests.mjs [path ...]   (default: examples/kubernetes)');
    return 2;
  }
  const paths = args.length === 0 ? [join(root, 'examples', 'kubernetes')] : args.map((a) => resolve(a));
  const files = [];
  for (const path of paths) {
    try {
      files.push(...(await yamlFiles(path)));
    } catch (error) {
      console.error(`cannot read ${path}: ${error.message}`);
      return 2;
    }
  }
  if (files.length === 0) {
    console.error(`no YAML files in ${paths.join(', ')}`);
    return 1;
  }
  const validators = await customValidators();
  let failed = 0;
  let objects = 0;
  for (const file of files) {
    const name = relative(process.cwd(), file) || file;
    const text = await readFile(file, 'utf8');
    const docs = parseAllDocuments(text, { uniqueKeys: true });
    const lines = [];
    let bad = false;
    for (const [i, parsed] of docs.entries()) {
      if (parsed.errors.length > 0) {
        bad = true;
        for (const error of parsed.errors)
          lines.push(`  document ${i + 1}: YAML: ${error.message.split('\n')[0]}`);
        continue;
      }
      const doc = parsed.toJS();
      if (doc === null || doc === undefined) continue; // an empty document (a trailing ---)
      const { label, problems } = await check(doc, validators);
      objects += 1;
      if (problems.length === 0) {
        lines.push(`  ${label}`);
      } else {
        bad = true;
        for (const problem of problems) lines.push(`  document ${i + 1} (${label}): ${problem}`);
      }
    }
    if (bad) failed += 1;
    console.log(`${bad ? 'FAIL' : 'ok  '} ${name}`);
    for (const line of lines) console.log(line);
  }
  console.log(
    failed === 0
      ? `${objects} objects in ${files.length} files: all valid`
      : `${failed} of ${files.length} files invalid`,
  );
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
