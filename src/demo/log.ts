import type { WorkloadName } from './scenario.js';

/** Who an event is about: the demo itself, the agent, or a workload. */
export type Actor = 'demo' | 'agent' | WorkloadName;

/** How an event reads: plain, a success, a warning, a failure, or a detail. */
export type Tone = 'info' | 'ok' | 'warn' | 'error' | 'dim';

/** Where the log goes: `process.stdout` or a test double. */
export interface LogStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

const ACTOR_WIDTH = 'api-server'.length;

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const bold = sgr(1, 22);
const dim = sgr(2, 22);
const ACTOR_COLOURS: Record<Actor, (text: string) => string> = {
  demo: sgr(37, 39),
  agent: sgr(34, 39),
  database: sgr(33, 39),
  'api-server': sgr(35, 39),
  frontend: sgr(36, 39),
};
const TONE_COLOURS: Record<Tone, (text: string) => string> = {
  info: (t) => t,
  ok: sgr(32, 39),
  warn: (t) => bold(sgr(33, 39)(t)),
  error: (t) => bold(sgr(31, 39)(t)),
  dim,
};

/**
 * Whether to colour: only a terminal, and only when `NO_COLOR` is unset or empty
 * (https://no-color.org).
 */
export function useColour(stream: LogStream, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

/** `HH:MM:SS.mmm` in local time. */
export function timeOfDay(date: Date): string {
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/**
 * The demo's output: one line per event, `time  actor  message`, coloured by actor and tone on a
 * terminal.
 */
export class EventLog {
  readonly #stream: LogStream;
  readonly #colour: boolean;
  readonly #now: () => Date;

  constructor(stream: LogStream, env: NodeJS.ProcessEnv, now: () => Date = () => new Date()) {
    this.#stream = stream;
    this.#colour = useColour(stream, env);
    this.#now = now;
  }

  /** Whether lines carry ANSI colours. */
  get coloured(): boolean {
    return this.#colour;
  }

  /** Writes one event line. */
  event(actor: Actor, message: string, tone: Tone = 'info'): void {
    const time = timeOfDay(this.#now());
    const who = actor.padEnd(ACTOR_WIDTH);
    const line = this.#colour
      ? `${dim(time)}  ${ACTOR_COLOURS[actor](who)}  ${TONE_COLOURS[tone](message)}`
      : `${time}  ${who}  ${message}`;
    this.#stream.write(`${line}\n`);
  }

  /** Writes text as it is (banners, the command list of `--spire`). */
  text(text: string): void {
    this.#stream.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Emphasis, when colouring. */
  bold(text: string): string {
    return this.#colour ? bold(text) : text;
  }
}
