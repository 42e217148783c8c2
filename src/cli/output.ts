/** A stream the command writes to (process.stdout / process.stderr, or a test double). */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** ANSI styles; identity functions when colour is off. */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const plain: Style = {
  bold: (t) => t,
  dim: (t) => t,
  red: (t) => t,
  green: (t) => t,
  yellow: (t) => t,
  cyan: (t) => t,
};

const ansi = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const coloured: Style = {
  bold: ansi(1, 22),
  dim: ansi(2, 22),
  red: ansi(31, 39),
  green: ansi(32, 39),
  yellow: ansi(33, 39),
  cyan: ansi(36, 39),
};

/**
 * Whether to colour a stream: only a terminal, and only when `NO_COLOR` is unset or empty
 * (https://no-color.org).
 */
export function useColour(stream: OutputStream, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

/**
 * Where a command writes: results to stdout (human text or JSON), diagnostics and progress to
 * stderr. Each stream is coloured on its own terms ({@link useColour}).
 */
export class Output {
  /** Styles for text written to stdout. */
  readonly style: Style;
  /** Styles for text written to stderr. */
  readonly errStyle: Style;
  readonly #stdout: OutputStream;
  readonly #stderr: OutputStream;

  constructor(stdout: OutputStream, stderr: OutputStream, env: NodeJS.ProcessEnv) {
    this.#stdout = stdout;
    this.#stderr = stderr;
    this.style = useColour(stdout, env) ? coloured : plain;
    this.errStyle = useColour(stderr, env) ? coloured : plain;
  }

  /** Writes one line (or several, joined) to stdout. */
  line(...lines: string[]): void {
    this.#stdout.write(`${lines.join('\n')}\n`);
  }

  /** Writes a JSON document to stdout, pretty-printed. */
  json(value: unknown): void {
    this.#stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
  }

  /** Writes a JSON value as one line to stdout (a stream of events, NDJSON). */
  event(value: unknown): void {
    this.#stdout.write(`${JSON.stringify(value, jsonReplacer)}\n`);
  }

  /** Writes one line to stderr. */
  info(text: string): void {
    this.#stderr.write(`${text}\n`);
  }

  /** Writes an error line to stderr. */
  error(text: string): void {
    this.#stderr.write(`${this.errStyle.red('error:')} ${text}\n`);
  }
}

/** A bigint (a bundle's sequence number) is written as a number when exact, else as a string. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value.toString();
}
