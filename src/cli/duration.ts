import { CliError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/**
 * Parses a duration flag into milliseconds: `500ms`, `30s`, `5m`, `1h30m`, `2d`; a bare number is
 * seconds (`30` = 30 s).
 *
 * @throws {CliError} `usage` for anything else, or a duration of zero or less.
 */
export function parseDuration(text: string, flag: string): number {
  const value = text.trim();
  let ms: number;
  if (/^\d+(?:\.\d+)?$/.test(value)) {
    ms = Number(value) * 1000;
  } else {
    ms = 0;
    PART.lastIndex = 0;
    let matched = 0;
    let m: RegExpExecArray | null;
    while ((m = PART.exec(value)) !== null) {
      ms += Number(m[1]) * UNITS[m[2]!]!;
      matched = PART.lastIndex;
    }
    if (value === '' || matched !== value.length) ms = NaN;
  }
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new CliError('usage', `${flag}: ${JSON.stringify(text)} is not a duration`, {
      hint: 'write e.g. 500ms, 30s, 5m, 1h30m (a bare number is seconds)',
    });
  }
  return Math.round(ms);
}

/**
 * A duration for people: `0.8s` and `9.5s` below 10 s, then `42s`, `5m 3s`, `2h 5m`, `3d 4h`.
 * Negative durations are shown as their absolute value (the caller says "ago").
 */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 10_000) return `${(Math.floor(abs / 100) / 10).toFixed(1)}s`;
  const s = Math.floor(abs / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** "in 59m 58s" or "3s ago": how far `at` is from `now`. */
export function relative(at: Date, now: Date): string {
  const ms = at.getTime() - now.getTime();
  return ms >= 0 ? `in ${formatDuration(ms)}` : `${formatDuration(ms)} ago`;
}

/** An ISO 8601 UTC time, without milliseconds when they are zero (certificate times). */
export function isoTime(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}
