import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quote } from '../../internal/errors.js';
import { TestingError } from '../errors.js';

/** Linux allows 107 bytes in a unix socket path (macOS 103); stay below both. */
const MAX_SOCKET_PATH = 100;

/**
 * Makes a fresh folder for the agent's unix sockets inside `parent` (default: the OS temporary
 * folder), and checks that socket paths in it are short and need no escaping in a `unix://` URI.
 * @throws {TestingError} `invalid_option`.
 */
export async function socketFolder(parent: string | undefined): Promise<string> {
  if (parent !== undefined && (typeof parent !== 'string' || parent === '')) {
    throw new TestingError('invalid_option', 'FakeAgent.start: socketDir must be a folder path');
  }
  let dir: string;
  try {
    dir = await mkdtemp(join(parent ?? tmpdir(), 'spiffe-agent-'));
  } catch (cause) {
    throw new TestingError(
      'invalid_option',
      `FakeAgent.start: cannot make a socket folder in ${quote(parent ?? tmpdir())}`,
      {
        cause,
      },
    );
  }
  if (
    !dir.startsWith('/') ||
    /[\s%?#]/.test(dir) ||
    Buffer.byteLength(join(dir, 'workload-1000.sock')) > MAX_SOCKET_PATH
  ) {
    await rm(dir, { recursive: true, force: true });
    throw new TestingError(
      'invalid_option',
      `FakeAgent.start: ${quote(dir)} cannot hold unix sockets (an absolute path of at most ${MAX_SOCKET_PATH - 20} ` +
        'bytes without spaces, "%", "?" or "#" is needed): pass a short `socketDir` or use `transport: "tcp"`',
    );
  }
  return dir;
}
