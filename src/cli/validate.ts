import { WorkloadApiError } from '../workloadapi/index.js';
import { expiryText } from './certificate-summary.js';
import { isoTime } from './duration.js';
import { CliError } from './errors.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { Output } from './output.js';
import { readInput } from './read-input.js';
import { createClient, retryUntil } from './workload.js';

/** Flags of `spiffe validate jwt`. */
export interface ValidateJwtOptions {
  socket?: string;
  timeout: number;
  json?: boolean;
  /** The audience the token must be for (J-10). */
  audience: string;
}

/**
 * `spiffe validate jwt --audience <aud> [token|-]`: asks the agent to validate a JWT-SVID
 * (ValidateJWTSVID, W-24) and says for whom it is. The token comes from standard input when it
 * is `-` or absent, which keeps it out of the process list. Exit 0 when valid, 4 when refused.
 */
export async function validateJwt(
  token: string | undefined,
  options: ValidateJwtOptions,
  out: Output,
  stdin: NodeJS.ReadableStream & { isTTY?: boolean },
): Promise<ExitCodeValue> {
  if ((token === undefined || token === '-') && stdin.isTTY === true) {
    throw new CliError(
      'usage',
      'no token: pass it on standard input, e.g. `spiffe fetch jwt -a api | spiffe validate jwt -a api`',
    );
  }
  const text = token === undefined || token === '-' ? (await readInput('-', stdin)).toString('utf8') : token;
  const jwt = text.trim().replace(/^Bearer\s+/i, '');
  if (jwt === '') throw new CliError('usage', 'the token is empty');
  const client = createClient(options.socket);
  try {
    const svid = await retryUntil('ValidateJWTSVID', options.timeout, (signal) =>
      client.validateJwtSvid(jwt, options.audience, { signal }),
    );
    const now = new Date();
    if (options.json) {
      out.json({
        valid: true,
        spiffeId: svid.id.toString(),
        audience: svid.audience,
        expiresAt: isoTime(svid.expiry),
        secondsLeft: Math.floor((svid.expiry.getTime() - now.getTime()) / 1000),
        claims: svid.claims,
      });
    } else {
      const s = out.style;
      out.line(
        `${s.green('valid')} JWT-SVID for ${s.cyan(svid.id.toString())}`,
        `  audience ${svid.audience.join(', ')}`,
        `  expires  ${expiryText(svid.expiry, now, s)}`,
      );
    }
    return ExitCode.ok;
  } catch (error) {
    // The agent refused the token (InvalidArgument), or it does not parse here (invalid_response).
    if (
      error instanceof WorkloadApiError &&
      (error.code === 'invalid_argument' || error.code === 'invalid_response')
    ) {
      if (options.json) out.json({ valid: false, error: error.message });
      throw new CliError(
        'invalid',
        `the token is not valid for audience ${JSON.stringify(options.audience)}: ${error.message}`,
        {
          cause: error,
        },
      );
    }
    throw error;
  } finally {
    client.close();
  }
}
