import { expect } from 'vitest';
import { SpiffeIdError, type SpiffeIdErrorCode } from '../../src/spiffeid/index.js';

/** Runs `fn`, expects a SpiffeIdError with `code` whose message cites every rule in `rules`. */
export function expectSpiffeIdError(
  fn: () => unknown,
  code: SpiffeIdErrorCode,
  ...rules: string[]
): SpiffeIdError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a SpiffeIdError to be thrown').toBeInstanceOf(SpiffeIdError);
  const err = caught as SpiffeIdError;
  expect(err.code).toBe(code);
  expect(err.name).toBe('SpiffeIdError');
  for (const rule of rules) expect(err.message).toMatch(new RegExp(`\\b${rule}\\b`));
  return err;
}

/** `spiffe://<td><path>` padded with a final segment of `a`s to exactly `bytes` bytes. */
export function idOfLength(bytes: number, td = 'example.org'): string {
  const prefix = `spiffe://${td}/`;
  return prefix + 'a'.repeat(bytes - prefix.length);
}
