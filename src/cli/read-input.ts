import { readFile } from 'node:fs/promises';
import { CliError } from './errors.js';

/** Largest input `inspect` and `validate` read: SVIDs, bundles and tokens are a few KiB. */
const MAX_INPUT_BYTES = 1024 * 1024;

/**
 * Reads a file, or standard input for `-`.
 * @throws {CliError} `read_failed` when it cannot be read or is larger than 1 MiB.
 */
export async function readInput(path: string, stdin: NodeJS.ReadableStream): Promise<Buffer> {
  let data: Buffer;
  if (path === '-') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stdin) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      size += buf.length;
      if (size > MAX_INPUT_BYTES) break;
      chunks.push(buf);
    }
    data = Buffer.concat(chunks);
    if (size > MAX_INPUT_BYTES) throw tooLarge('standard input');
  } else {
    try {
      data = await readFile(path);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT'
          ? 'no such file'
          : code === 'EACCES'
            ? 'permission denied'
            : code === 'EISDIR'
              ? 'it is a directory'
              : ((cause as Error).message ?? String(cause));
      throw new CliError('read_failed', `cannot read ${JSON.stringify(path)}: ${why}`, { cause });
    }
    if (data.length > MAX_INPUT_BYTES) throw tooLarge(JSON.stringify(path));
  }
  return data;
}

function tooLarge(what: string): CliError {
  return new CliError(
    'read_failed',
    `${what} is larger than ${MAX_INPUT_BYTES} bytes: not an SVID, key or bundle`,
  );
}
