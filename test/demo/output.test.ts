/** The demo's output format and options, in process. */
import { describe, expect, it } from 'vitest';
import { EventLog, timeOfDay, useColour } from '../../src/demo/log.js';
import { parseOptions, USAGE } from '../../src/demo/options.js';
import { DemoError } from '../../src/demo/errors.js';

function capture(isTTY: boolean, env: NodeJS.ProcessEnv): { log: EventLog; text: () => string } {
  let text = '';
  const stream = { isTTY, write: (chunk: string) => (text += chunk) };
  return { log: new EventLog(stream, env, () => new Date(2030, 0, 2, 3, 4, 5, 6)), text: () => text };
}

describe('demo output', () => {
  it('one line per event: local time with milliseconds, the actor in a column, the message', () => {
    const { log, text } = capture(false, {});
    log.event('api-server', 'serving');
    log.event('database', 'refused', 'error');
    expect(text()).toBe('03:04:05.006  api-server  serving\n03:04:05.006  database    refused\n');
    expect(timeOfDay(new Date(2030, 0, 1, 23, 59, 59, 999))).toBe('23:59:59.999');
  });

  it('colours only a terminal, and never with NO_COLOR set to a non-empty value (no-color.org)', () => {
    expect(useColour({ write: () => true, isTTY: true }, {})).toBe(true);
    expect(useColour({ write: () => true, isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(useColour({ write: () => true, isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(useColour({ write: () => true, isTTY: false }, {})).toBe(false);
    expect(useColour({ write: () => true }, {})).toBe(false);

    const tty = capture(true, {});
    tty.log.event('frontend', 'GET /orders: 200', 'ok');
    expect(tty.text()).toContain('\u001b[36mfrontend  \u001b[39m');
    expect(tty.text()).toContain('\u001b[32mGET /orders: 200\u001b[39m');
    const plain = capture(true, { NO_COLOR: 'yes' });
    plain.log.event('frontend', 'GET /orders: 200', 'ok');
    expect(plain.text()).not.toContain('\u001b[');
  });
});

describe('demo options', () => {
  it('defaults: run until stopped, 6 s SVIDs, a request every 500 ms, the embedded agent', () => {
    expect(parseOptions([], {})).toEqual({
      durationS: undefined,
      ttlS: 6,
      intervalMs: 500,
      spire: false,
      trustDomain: undefined,
      help: false,
    });
  });

  it('--help (or -h) asks for the usage, which names every option', () => {
    expect(parseOptions(['-h'], {}).help).toBe(true);
    for (const flag of [
      '--duration <s>',
      '--ttl <s>',
      '--interval <ms>',
      '--spire',
      'SPIFFE_DEMO_SPIRE=1',
      '--trust-domain <name>',
      'NO_COLOR',
    ]) {
      expect(USAGE).toContain(flag);
    }
  });

  it('--spire or SPIFFE_DEMO_SPIRE (not empty, not 0) selects the real agent', () => {
    expect(parseOptions(['--spire'], {}).spire).toBe(true);
    expect(parseOptions([], { SPIFFE_DEMO_SPIRE: '1' }).spire).toBe(true);
    expect(parseOptions([], { SPIFFE_DEMO_SPIRE: 'true' }).spire).toBe(true);
    expect(parseOptions([], { SPIFFE_DEMO_SPIRE: '0' }).spire).toBe(false);
    expect(parseOptions([], { SPIFFE_DEMO_SPIRE: '' }).spire).toBe(false);
    expect(parseOptions(['--spire', '--trust-domain', 'corp.test'], {}).trustDomain).toBe('corp.test');
  });

  it.each([
    [['--duration', '0'], '--duration must be a number from 0.1 to 86400, not "0"'],
    [['--duration', 'soon'], '--duration must be a number from 0.1 to 86400, not "soon"'],
    [['--ttl', '1'], '--ttl must be a number from 4 to 3600, not "1"'],
    [['--interval', ''], '--interval must be a number from 50 to 60000, not ""'],
    [['--colour'], "Unknown option '--colour'"],
    [['start'], 'Unexpected argument'],
  ])('refuses %j with a usage error', (argv, message) => {
    let error: unknown;
    try {
      parseOptions(argv, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DemoError);
    expect((error as DemoError).code).toBe('usage');
    expect((error as DemoError).message).toContain(message);
  });
});
