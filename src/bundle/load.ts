import { readFile } from 'node:fs/promises';
import { quote } from '../internal/errors.js';
import { BundleError } from './errors.js';

/**
 * Reads a bundle file for the `load()` functions.
 *
 * @throws {BundleError} `read_failed` with the file system error as `cause`.
 */
export async function readBundleFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException)?.code ?? (err as Error)?.message ?? String(err);
    throw new BundleError('read_failed', `cannot read bundle file ${quote(String(path))}: ${reason}`, {
      cause: err,
    });
  }
}
