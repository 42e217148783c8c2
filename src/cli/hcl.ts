import { parseJson, type JsonObject } from '../internal/json.js';

/** What js-hcl-parser prefixes to hashicorp/hcl's error (the Go code says "JSON" for both). */
const ERROR_PREFIX = /^unable to (?:parse|print) JSON: /;

/**
 * Parses HCL the way spiffe-helper does: with hashicorp/hcl v1 (`hcl.Unmarshal` into an empty
 * interface), through js-hcl-parser, a GopherJS build of that same Go package, so the grammar,
 * the escapes and the numbers are spiffe-helper's: `0644` is octal (Go's `ParseInt(s, 0, 0)`),
 * `644` decimal, and a block (`health_checks { … }`) becomes a list of one object. Loaded on
 * first use: the parser takes about 0.2 s to start, which JSON configs and plain flags never pay.
 *
 * @returns the top-level object; an empty input gives `{}`.
 * @throws {Error} with hashicorp/hcl's message (`At 3:7: literal not terminated`) for bad HCL.
 */
export async function parseHcl(text: string): Promise<JsonObject> {
  // A CommonJS module whose exports Node cannot list: its functions are on the default export.
  const hcl = ((await import('js-hcl-parser')) as { default: typeof import('js-hcl-parser') }).default;
  const result = hcl.parse(text);
  // On success the Go side prints the decoded value as JSON; on failure it returns the error
  // message, which never starts with "{".
  if (!result.startsWith('{')) throw new Error(result.replace(ERROR_PREFIX, ''));
  const value = parseJson(result);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('the configuration is not an object');
  }
  return value;
}
