import { join } from 'node:path';
import type { JwtBundleSet } from '../bundle/index.js';
import type { WorkloadApiClient } from '../workloadapi/index.js';
import { writeFileAtomic } from './atomic-write.js';
import type { HelperConfig } from './helper-config.js';
import type { HelperLog } from './helper-log.js';
import { retryUntil } from './workload.js';

/**
 * The JWT bundles file as spiffe-helper writes it (`jwt_bundle_file_name`): one JSON object
 * mapping each trust domain name to its JWKS (`JwtBundle.marshal`), base64-encoded.
 */
export function renderJwtBundles(bundles: JwtBundleSet): string {
  const doc: Record<string, string> = {};
  for (const bundle of bundles.bundles()) {
    doc[bundle.trustDomain.name] = Buffer.from(bundle.marshal()).toString('base64');
  }
  return JSON.stringify(doc);
}

/**
 * Keeps the JWT bundles file current: written once with {@link JwtBundleFile.writeOnce}, or
 * rewritten on every change the agent streams (`FetchJWTBundles`) after
 * {@link JwtBundleFile.start}. A bundle change does not trigger a reload, as in spiffe-helper.
 */
export class JwtBundleFile {
  readonly #client: WorkloadApiClient;
  readonly #config: HelperConfig;
  readonly #log: HelperLog;
  readonly #file: string;
  #watch: { close(): void } | undefined;
  #written: string | undefined;
  /** The last write error, or undefined once a write succeeds. */
  lastError: string | undefined;
  /** When the file was last written. */
  lastWrite: Date | undefined;

  /** For `config.jwtBundleFile`, which must be set. */
  constructor(client: WorkloadApiClient, config: HelperConfig, log: HelperLog) {
    this.#client = client;
    this.#config = config;
    this.#log = log;
    this.#file = config.jwtBundleFile!;
  }

  /** Fetches the bundles and writes the file, waiting up to `timeoutMs` for the agent. */
  async writeOnce(timeoutMs: number): Promise<void> {
    const bundles = await retryUntil('the JWT bundles', timeoutMs, (signal) =>
      this.#client.fetchJwtBundles({ signal }),
    );
    await this.#write(bundles);
  }

  /** Watches the bundles and rewrites the file on each change, until {@link JwtBundleFile.stop}. */
  start(): void {
    this.#watch = this.#client.watchJwtBundles({
      onUpdate: (bundles) => {
        this.#write(bundles).catch((error: unknown) => {
          this.lastError = (error as Error).message;
          this.#log.error(`cannot write ${this.#file}: ${this.lastError}`, { file: this.#file });
        });
      },
      onError: (error) => this.#log.warn(`JWT bundles: ${error.message}`),
    });
  }

  /** Stops watching. */
  stop(): void {
    this.#watch?.close();
    this.#watch = undefined;
  }

  async #write(bundles: JwtBundleSet): Promise<void> {
    const text = renderJwtBundles(bundles);
    if (text === this.#written) return;
    await writeFileAtomic(join(this.#config.outDir, this.#file), text, this.#config.jwtBundleMode);
    this.#written = text;
    this.lastError = undefined;
    this.lastWrite = new Date();
    const trustDomains = bundles.bundles().map((b) => b.trustDomain.name);
    this.#log.event('jwt-bundle', `wrote ${this.#file}: JWT bundles of ${trustDomains.join(', ')}`, {
      file: this.#file,
      trustDomains,
    });
  }
}
