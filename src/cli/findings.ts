import { SpiffeError } from '../internal/errors.js';
import type { Style } from './output.js';

/**
 * One rule an inspected document breaks. `error`: a MUST or MUST NOT of the SPIFFE specs (the
 * document is not valid); `warning`: a SHOULD, or something validators commonly refuse.
 */
export interface Finding {
  /** The checklist ids, e.g. `X-12, X-16` (docs: /work/shared/spec/CHECKLIST.md numbering). */
  rule: string;
  level: 'error' | 'warning';
  /** Which part of the document, e.g. `certificate 1 (leaf)`. */
  where: string;
  message: string;
  /** The SDK error code the same defect gets (`leaf_is_ca`, `token_expired`, ...), when there is one. */
  code?: string;
}

/** Rule ids quoted in an SDK error message, e.g. `(X-12, X-16)` → `X-12, X-16`. */
function rulesInMessage(message: string): string | undefined {
  const ids = message.match(/\b[A-Z]{1,2}-\d+\b/g);
  return ids === null ? undefined : [...new Set(ids)].join(', ');
}

/** `base` plus the rule ids an SDK message cites: `X-17` + "... (ID-6)" → `X-17, ID-6`. */
export function withRules(base: string, message: string): string {
  const ids = rulesInMessage(message);
  return ids === undefined ? base : `${base}, ${ids}`;
}

/**
 * Adds the SDK's own verdict when the command's rule-by-rule checks missed it, so that what
 * `inspect` lists is never weaker than what the SDK enforces.
 */
export function addSdkVerdict(findings: Finding[], error: unknown, where: string): void {
  if (!(error instanceof SpiffeError)) return;
  if (findings.some((f) => f.level === 'error' && f.code === error.code)) return;
  findings.push({
    rule: rulesInMessage(error.message) ?? 'SDK',
    level: 'error',
    where,
    message: error.message,
    code: error.code,
  });
}

/** The human lines for a list of findings (empty when there are none). */
export function findingLines(findings: readonly Finding[], style: Style): string[] {
  const errors = findings.filter((f) => f.level === 'error');
  const warnings = findings.filter((f) => f.level === 'warning');
  const lines: string[] = [];
  if (errors.length > 0) {
    lines.push('', style.bold(style.red(`SPIFFE rule violations (${errors.length}):`)));
    for (const f of errors)
      lines.push(`  ${style.red('✗')} ${style.bold(f.rule.padEnd(10))} ${f.where}: ${f.message}`);
  }
  if (warnings.length > 0) {
    lines.push('', style.bold(style.yellow(`Warnings (${warnings.length}):`)));
    for (const f of warnings)
      lines.push(`  ${style.yellow('!')} ${style.bold(f.rule.padEnd(10))} ${f.where}: ${f.message}`);
  }
  if (errors.length === 0) lines.push('', style.green('No SPIFFE rule violations found.'));
  return lines;
}
