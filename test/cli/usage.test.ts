import { describe, expect, it, vi } from 'vitest';
import { runCli, startCli } from './cli.js';
import { run } from './in-process.js';

const COMMANDS = [
  ['fetch', 'x509'],
  ['fetch', 'jwt'],
  ['fetch', 'bundles'],
  ['validate', 'jwt'],
  ['watch'],
  ['inspect'],
  ['helper'],
  ['fake-agent'],
];

describe('spiffe executable', () => {
  it('exits quietly when its reader closes the pipe early (`spiffe --help | head -1`)', async () => {
    const cli = startCli(['--help']);
    cli.child.stdout!.destroy(); // the reader is gone before the command writes
    const r = await cli.exited;
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(r.code).toBe(0);
  });

  it('--version prints the package version (exit 0)', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('an unknown flag is a usage error (exit 2) that suggests the right one', async () => {
    const r = await runCli(['fetch', 'x509', '--sokcet', 'unix:///x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--sokcet'[\s\S]*--socket/);
    expect(r.stdout).toBe('');
  });
});

describe('spiffe: help and usage errors', () => {
  it('--help lists every command and the exit codes', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const name of ['fetch', 'validate', 'watch', 'inspect', 'helper', 'fake-agent'])
      expect(r.stdout).toContain(name);
    expect(r.stdout).toMatch(/Exit codes:[\s\S]*3 {2}no identity[\s\S]*4 {2}validation failed/);
  });

  it.each(COMMANDS)('%s %s --help exits 0 and describes its flags', async (...command) => {
    const r = await run([...command.filter(Boolean), '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: spiffe /);
    expect(r.stdout).toContain('--');
  });

  it('an unknown command is a usage error (exit 2)', async () => {
    const r = await run(['fecth', 'x509']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'fecth'");
  });

  it('a group without its subcommand shows its help with exit 2', async () => {
    const r = await run(['fetch']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: spiffe fetch');
  });

  it('a bad duration is a usage error that shows the accepted forms', async () => {
    const r = await run(['fetch', 'x509', '--timeout', 'soon', '--socket', '/tmp/none.sock']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"soon" is not a duration');
  });

  it('a missing required flag is a usage error', async () => {
    const r = await run(['fetch', 'jwt', '--socket', '/tmp/none.sock']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '-a, --audience <audience>' not specified");
  });

  it('E-7: no --socket and no SPIFFE_ENDPOINT_SOCKET is a usage error that says what to do', async () => {
    vi.stubEnv('SPIFFE_ENDPOINT_SOCKET', '');
    try {
      const r = await run(['fetch', 'x509']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/SPIFFE_ENDPOINT_SOCKET[\s\S]*hint: pass --socket/);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('E-8: an address that is not unix:// or tcp:// is a usage error', async () => {
    const r = await run(['fetch', 'x509', '--socket', 'http://127.0.0.1:8081']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E-8');
  });

  it('--expiry-warning must be a fraction', async () => {
    const r = await run(['watch', '--expiry-warning', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('between 0 and 1');
  });
});
