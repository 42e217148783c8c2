import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock, TestingError, type Clock } from '../../src/testing/index.js';

describe('ManualClock', () => {
  it('starts at the given time, or the real time by default', () => {
    expect(new ManualClock(new Date('2030-01-01T00:00:00Z')).now().toISOString()).toBe(
      '2030-01-01T00:00:00.000Z',
    );
    expect(new ManualClock(0).now().getTime()).toBe(0);
    expect(Math.abs(new ManualClock().now().getTime() - Date.now())).toBeLessThan(1000);
    expect(() => new ManualClock(new Date(NaN))).toThrow(TestingError);
    expect(() => new ManualClock('2030' as unknown as Date)).toThrow(TestingError);
  });

  it('now() is a copy; advance and set move it', () => {
    const clock = new ManualClock(1000);
    clock.now().setTime(5);
    expect(clock.now().getTime()).toBe(1000);
    clock.advance(500);
    expect(clock.now().getTime()).toBe(1500);
    clock.set(new Date(10_000));
    expect(clock.now().getTime()).toBe(10_000);
    clock.set(2000); // backwards
    expect(clock.now().getTime()).toBe(2000);
  });

  it('fires due timers on advance, in due order then creation order, each at its due time', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    const at = (name: string) => () => fired.push(`${name}@${clock.now().getTime()}`);
    clock.setTimeout(at('c'), 300);
    clock.setTimeout(at('a'), 100);
    clock.setTimeout(at('b1'), 200);
    clock.setTimeout(at('b2'), 200);
    clock.setTimeout(at('late'), 1000);
    expect(clock.pendingTimers).toBe(5);
    clock.advance(300);
    expect(fired).toEqual(['a@100', 'b1@200', 'b2@200', 'c@300']);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(699);
    expect(fired).toHaveLength(4);
    clock.advance(1);
    expect(fired.at(-1)).toBe('late@1000');
  });

  it('fires timers set by callbacks when they fall due within the same advance', () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    const tick = () => {
      fired.push(clock.now().getTime());
      clock.setTimeout(tick, 100); // a periodic timer, as a fake agent's rotation would be
    };
    clock.setTimeout(tick, 100);
    clock.advance(350);
    expect(fired).toEqual([100, 200, 300]);
    expect(clock.now().getTime()).toBe(350);
  });

  it('timers with zero, negative or NaN delay fire on the next advance, even advance(0)', () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(1), 0);
    clock.setTimeout(() => fired.push(2), -5);
    clock.setTimeout(() => fired.push(3), NaN);
    expect(fired).toEqual([]);
    clock.advance(0);
    expect(fired).toEqual([1, 2, 3]);
  });

  it('clearTimeout cancels; dueAt tells when a timer fires', () => {
    const clock = new ManualClock(0);
    let fired = 0;
    const timer = clock.setTimeout(() => fired++, 50);
    expect(timer.dueAt.getTime()).toBe(50);
    clock.clearTimeout(timer);
    clock.clearTimeout(timer); // twice is harmless
    clock.advance(100);
    expect(fired).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('set() forward fires timers; backward fires none and keeps them pending', () => {
    const clock = new ManualClock(1000);
    let fired = 0;
    clock.setTimeout(() => fired++, 500);
    clock.set(500);
    expect(fired).toBe(0);
    clock.set(1499);
    expect(fired).toBe(0);
    clock.set(1500);
    expect(fired).toBe(1);
  });

  it('onChange listeners see every move after the timers ran; unsubscribe stops them', () => {
    const clock = new ManualClock(0);
    const seen: string[] = [];
    clock.setTimeout(() => seen.push('timer'), 10);
    const off = clock.onChange((now) => seen.push(`change@${now.getTime()}`));
    clock.advance(20);
    clock.set(5);
    off();
    clock.advance(1);
    expect(seen).toEqual(['timer', 'change@20', 'change@5']);
  });

  it('an exception in a timer propagates; later timers stay pending', () => {
    const clock = new ManualClock(0);
    let later = 0;
    clock.setTimeout(() => {
      throw new Error('boom');
    }, 10);
    clock.setTimeout(() => later++, 20);
    expect(() => clock.advance(100)).toThrow('boom');
    expect(clock.now().getTime()).toBe(10);
    expect(later).toBe(0);
    clock.advance(90);
    expect(later).toBe(1);
  });

  it('refuses a negative or non-finite advance and an invalid set', () => {
    const clock = new ManualClock(0);
    for (const ms of [-1, NaN, Infinity, '5' as unknown as number]) {
      expect(() => clock.advance(ms)).toThrow(
        expect.objectContaining({ name: 'TestingError', code: 'invalid_option' }),
      );
    }
    expect(() => clock.set(new Date('nonsense'))).toThrow(TestingError);
    expect(clock.now().getTime()).toBe(0);
  });
});

describe('systemClock', () => {
  it('reads the real time', () => {
    const before = Date.now();
    const now = systemClock.now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('fires timers in order; clearTimeout cancels', async () => {
    const clock: Clock = systemClock;
    const fired: string[] = [];
    const cancelled = clock.setTimeout(() => fired.push('cancelled'), 5);
    const done = new Promise<void>((resolve) => {
      clock.setTimeout(() => fired.push('first'), 10);
      clock.setTimeout(() => {
        fired.push('second');
        resolve();
      }, 30);
    });
    clock.clearTimeout(cancelled);
    await done;
    expect(fired).toEqual(['first', 'second']);
  });

  it('accepts delays beyond the 32-bit limit of Node timers', () => {
    const timer = systemClock.setTimeout(
      () => {
        throw new Error('must not fire');
      },
      2 ** 31 + 1000,
    );
    expect(timer.dueAt.getTime() - Date.now()).toBeGreaterThan(2 ** 31);
    systemClock.clearTimeout(timer);
  });
});
