import type { Output } from './output.js';

/**
 * The helper's log: one timestamped line per event on stderr, or with `--json` one JSON object
 * per event on stdout (`{"event": "wrote", "time": ..., ...}`), for log collectors and tests.
 */
export class HelperLog {
  readonly #out: Output;
  readonly #json: boolean;

  constructor(out: Output, json: boolean) {
    this.#out = out;
    this.#json = json;
  }

  /** An event: `text` for people, `fields` for `--json`. */
  event(event: string, text: string, fields: Record<string, unknown> = {}): void {
    const time = new Date().toISOString();
    if (this.#json) this.#out.event({ event, time, ...fields });
    else this.#out.info(`${this.#out.errStyle.dim(time)}  ${text}`);
  }

  /** A problem the helper works around (it keeps running). */
  warn(message: string, fields: Record<string, unknown> = {}): void {
    const time = new Date().toISOString();
    if (this.#json) this.#out.event({ event: 'warning', time, message, ...fields });
    else
      this.#out.info(`${this.#out.errStyle.dim(time)}  ${this.#out.errStyle.yellow('warning')} ${message}`);
  }

  /** A failure (the helper keeps running unless it says otherwise). */
  error(message: string, fields: Record<string, unknown> = {}): void {
    const time = new Date().toISOString();
    if (this.#json) this.#out.event({ event: 'error', time, message, ...fields });
    else this.#out.info(`${this.#out.errStyle.dim(time)}  ${this.#out.errStyle.red('error')} ${message}`);
  }
}
