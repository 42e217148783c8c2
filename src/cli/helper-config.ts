import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import { JsonError, parseJson, type JsonValue } from '../internal/json.js';
import { parseDuration } from './duration.js';
import { CliError } from './errors.js';
import { parseHcl } from './hcl.js';
import { splitShellWords } from './shell-words.js';

/** One JWT-SVID file the helper keeps fresh. */
export interface JwtFileSpec {
  audience: string;
  extraAudiences: string[];
  /** File name inside the output folder. */
  file: string;
}

/** The optional health endpoint. */
export interface HealthSpec {
  port: number;
  address: string;
  livePath: string;
  readyPath: string;
}

/** Everything `spiffe helper` does, from flags and/or a config file. */
export interface HelperConfig {
  socket: string | undefined;
  outDir: string;
  /** Mode of the output folder when the helper creates it (an existing folder is left as it is). */
  outDirMode: number;
  svidFile: string;
  keyFile: string;
  bundleFile: string;
  certMode: number;
  keyMode: number;
  jwtMode: number;
  /** The JWT bundles file (spiffe-helper's `jwt_bundle_file_name`), inside the output folder. */
  jwtBundleFile: string | undefined;
  jwtBundleMode: number;
  includeFederated: boolean;
  /** Leave expired CA certificates out of the bundle file (spiffe-helper's `omit_expired`). */
  omitExpired: boolean;
  intermediatesInBundle: boolean;
  hint: string | undefined;
  jwt: JwtFileSpec[];
  cmd: string | undefined;
  cmdArgs: string[];
  signal: NodeJS.Signals | undefined;
  pidFile: string | undefined;
  pid: number | undefined;
  once: boolean;
  timeoutMs: number | undefined;
  health: HealthSpec | undefined;
  json: boolean;
  /** Settings of the config file that are ignored, as spiffe-helper ignores them (logged at start). */
  warnings: string[];
}

/** The raw flags of `spiffe helper` (commander's values; strings are checked here). */
export interface HelperFlags {
  config?: string;
  socket?: string;
  out?: string;
  dirMode?: string;
  svidFile?: string;
  keyFile?: string;
  bundleFile?: string;
  certMode?: string;
  keyMode?: string;
  jwtBundleFile?: string;
  includeFederated?: boolean;
  intermediatesInBundle?: boolean;
  hint?: string;
  jwtAudience?: string[];
  jwtFile?: string[];
  cmd?: string;
  cmdArgs?: string;
  signal?: string;
  pidFile?: string;
  pid?: string;
  once?: boolean;
  /** spiffe-helper's `-daemon-mode` flag: `true` (no value) or `"true"`/`"false"`. */
  daemonMode?: string | boolean;
  timeout?: string;
  healthPort?: string;
  healthAddr?: string;
  json?: boolean;
}

/** Default `--once` wait for the first identity. */
const ONCE_TIMEOUT_MS = 30_000;
/** spiffe-helper's `-config` default: read when neither --config nor --out is given. */
const DEFAULT_CONFIG_FILE = 'helper.conf';
/** spiffe-helper's agent address when neither agent_address nor SPIFFE_ENDPOINT_SOCKET is set. */
const DEFAULT_AGENT_ADDRESS = '/tmp/spire-agent/public/api.sock';
/** spiffe-helper's health_checks defaults. */
const DEFAULT_HEALTH_PORT = 8081;

/** spiffe-helper's config keys (snake_case) and the flag each maps to. */
const CONFIG_KEYS: Record<string, string> = {
  agent_address: '--socket',
  cert_dir: '--out',
  svid_file_name: '--svid-file',
  svid_key_file_name: '--key-file',
  svid_bundle_file_name: '--bundle-file',
  cert_file_mode: '--cert-mode',
  key_file_mode: '--key-mode',
  jwt_svid_file_mode: '(JWT-SVID files; default 0600)',
  jwt_bundle_file_name: '--jwt-bundle-file',
  jwt_bundle_file_mode: '(JWT bundle file; default 0600)',
  include_federated_domains: '--include-federated',
  omit_expired: '(leave expired CA certificates out of the bundle file)',
  add_intermediates_to_bundle: '--intermediates-in-bundle',
  hint: '--hint',
  jwt_svids: '--jwt-audience / --jwt-file',
  cmd: '--cmd',
  cmd_args: '--cmd-args',
  renew_signal: '--signal',
  pid_file_name: '--pid-file',
  daemon_mode: '--once (daemon_mode = false), --daemon-mode',
  timeout: '--timeout',
  health_checks: '--health-port / --health-addr',
};
const HEALTH_KEYS = new Set([
  'listener_enabled',
  'bind_port',
  'bind_address',
  'liveness_path',
  'readiness_path',
]);
const JWT_KEYS = new Set(['jwt_audience', 'jwt_extra_audiences', 'jwt_svid_file_name']);

/**
 * Builds the helper's configuration: the config file first, then the flags on top. The file is
 * spiffe-helper's own HCL (`helper.conf`), or JSON with the same key names (a file whose first
 * character is `{`), with spiffe-helper's keys and defaults; without `--config` and `--out`,
 * `helper.conf` in the working folder is read when it exists, as spiffe-helper does. Relative
 * paths are relative to the working folder, as in spiffe-helper.
 *
 * @throws {CliError} `usage` for an unreadable or malformed config file, an unknown key, a bad
 *   value, or flags that do not fit together; `read_failed` when the file cannot be read.
 */
export async function helperConfig(flags: HelperFlags): Promise<HelperConfig> {
  const configPath =
    flags.config ??
    (flags.out === undefined && existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  const file = configPath === undefined ? {} : await readConfigFile(configPath);
  const warnings: string[] = [];
  const pick = <T>(
    flag: T | undefined,
    key: string,
    read: (v: JsonValue, key: string) => T,
  ): T | undefined =>
    flag !== undefined ? flag : file[key] !== undefined ? read(file[key]!, key) : undefined;

  const outDir = pick(flags.out, 'cert_dir', str);
  if (outDir === undefined || outDir === '') {
    throw new CliError('usage', 'no output folder: pass --out DIR (or cert_dir in the config file)');
  }
  const daemonFlag = flags.daemonMode === undefined ? undefined : daemonModeFlag(flags.daemonMode);
  const once =
    flags.once === true
      ? true
      : daemonFlag !== undefined
        ? !daemonFlag
        : file.daemon_mode !== undefined
          ? !bool(file.daemon_mode, 'daemon_mode')
          : false;
  // One-shot mode set by the config file (or -daemon-mode=false) runs no command and sends no
  // signal, as spiffe-helper: it warns about cmd and renew_signal and refuses pid_file_name.
  // With --once, `--cmd` keeps its meaning here (run once after writing).
  const spiffeHelperOneShot = once && flags.once !== true;
  let cmdText = pick(flags.cmd, 'cmd', str) || undefined;
  let cmdArgsText = pick(flags.cmdArgs, 'cmd_args', str) ?? '';
  let signalText = pick(flags.signal, 'renew_signal', str);
  if (spiffeHelperOneShot) {
    if (flags.cmd === undefined && cmdText !== undefined) {
      warnings.push('cmd is set but daemon_mode is false: cmd is ignored (as spiffe-helper does)');
      cmdText = undefined;
      cmdArgsText = '';
    }
    if (flags.signal === undefined && signalText !== undefined && signalText !== '') {
      warnings.push(
        'renew_signal is set but daemon_mode is false: renew_signal is ignored (as spiffe-helper does)',
      );
      signalText = undefined;
    }
    if (flags.pidFile === undefined && file.pid_file_name !== undefined && file.pid_file_name !== '') {
      throw new CliError(
        'usage',
        'pid_file_name is set but daemon_mode is false: pid_file_name is only supported in daemon mode',
      );
    }
  }
  if (
    flags.signal === undefined &&
    signalText !== undefined &&
    signalText !== '' &&
    cmdText === undefined &&
    flags.pid === undefined &&
    pick(flags.pidFile, 'pid_file_name', str) === undefined
  ) {
    // spiffe-helper's own sample helper.conf sets renew_signal with an empty cmd.
    warnings.push('renew_signal is set but there is no cmd or pid_file_name to signal: it is ignored');
    signalText = undefined;
  }
  const envSocket = process.env.SPIFFE_ENDPOINT_SOCKET;
  const timeoutText = pick(flags.timeout, 'timeout', str);
  const config: HelperConfig = {
    socket:
      pick(flags.socket, 'agent_address', str) ||
      (configPath !== undefined && (envSocket === undefined || envSocket === '')
        ? DEFAULT_AGENT_ADDRESS
        : undefined),
    outDir: resolve(outDir),
    outDirMode: dirMode(flags.dirMode ?? '0700'),
    svidFile: fileName(pick(flags.svidFile, 'svid_file_name', str) || 'svid.pem', '--svid-file'),
    keyFile: fileName(pick(flags.keyFile, 'svid_key_file_name', str) || 'svid_key.pem', '--key-file'),
    bundleFile: fileName(
      pick(flags.bundleFile, 'svid_bundle_file_name', str) || 'bundle.pem',
      '--bundle-file',
    ),
    certMode:
      flags.certMode !== undefined
        ? mode(flags.certMode, '--cert-mode')
        : fileMode(file, 'cert_file_mode', 0o644),
    keyMode:
      flags.keyMode !== undefined
        ? mode(flags.keyMode, '--key-mode')
        : fileMode(file, 'key_file_mode', 0o600),
    jwtMode: fileMode(file, 'jwt_svid_file_mode', 0o600),
    jwtBundleFile: optionalFileName(
      pick(flags.jwtBundleFile, 'jwt_bundle_file_name', str),
      '--jwt-bundle-file',
    ),
    jwtBundleMode: fileMode(file, 'jwt_bundle_file_mode', 0o600),
    includeFederated:
      flags.includeFederated === true ||
      (file.include_federated_domains !== undefined &&
        bool(file.include_federated_domains, 'include_federated_domains')),
    omitExpired: file.omit_expired !== undefined && bool(file.omit_expired, 'omit_expired'),
    intermediatesInBundle:
      flags.intermediatesInBundle === true ||
      (file.add_intermediates_to_bundle !== undefined &&
        bool(file.add_intermediates_to_bundle, 'add_intermediates_to_bundle')),
    hint: pick(flags.hint, 'hint', str) || undefined,
    jwt: jwtSpecs(flags, file),
    cmd: cmdText,
    cmdArgs: splitShellWords(cmdArgsText),
    signal: optionalSignal(signalText),
    pidFile: optionalPath(pick(flags.pidFile, 'pid_file_name', str)),
    pid: flags.pid === undefined ? undefined : pidNumber(flags.pid),
    once,
    timeoutMs:
      timeoutText !== undefined
        ? parseDuration(timeoutText, '--timeout')
        : once
          ? ONCE_TIMEOUT_MS
          : undefined,
    health: healthSpec(flags, file, spiffeHelperOneShot, warnings),
    json: flags.json === true,
    warnings,
  };
  checkCombinations(config);
  return config;
}

/** spiffe-helper's `-daemon-mode` flag value. */
function daemonModeFlag(value: string | boolean): boolean {
  if (value === true || value === 'true') return true;
  if (value === 'false') return false;
  throw new CliError('usage', `--daemon-mode ${JSON.stringify(value)} must be true or false`);
}

/**
 * Reads the config file: JSON when its first non-blank character is `{` (hashicorp/hcl v1 makes
 * the same choice), spiffe-helper's HCL otherwise.
 */
async function readConfigFile(path: string): Promise<Record<string, JsonValue>> {
  let text: Buffer;
  try {
    text = await readFile(path);
  } catch (cause) {
    throw new CliError(
      'read_failed',
      `cannot read the config file ${JSON.stringify(path)}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  let doc: JsonValue;
  const source = text.toString('utf8');
  if (source.trimStart().startsWith('{')) {
    try {
      doc = parseJson(text);
    } catch (cause) {
      const detail = cause instanceof JsonError ? cause.message : String(cause);
      throw new CliError('usage', `config file ${JSON.stringify(path)} is not valid JSON: ${detail}`, {
        cause,
        hint: 'a config file that starts with "{" is JSON with spiffe-helper key names, e.g. {"agent_address": "/run/spire/agent.sock", "cert_dir": "/certs"}; otherwise it is spiffe-helper\'s HCL',
      });
    }
  } else {
    try {
      doc = await parseHcl(source);
    } catch (cause) {
      throw new CliError(
        'usage',
        `config file ${JSON.stringify(path)} is not valid HCL: ${(cause as Error).message}`,
        {
          cause,
          hint: 'the config file is spiffe-helper\'s HCL, e.g. cert_dir = "certs" (or JSON with the same key names)',
        },
      );
    }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new CliError('usage', `config file ${JSON.stringify(path)} must hold a JSON object`);
  }
  const unknown = Object.keys(doc).filter((k) => !(k in CONFIG_KEYS));
  if (unknown.length > 0) {
    throw new CliError(
      'usage',
      `config file ${JSON.stringify(path)}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}`,
      {
        hint: `known keys: ${Object.keys(CONFIG_KEYS).join(', ')}`,
      },
    );
  }
  return doc;
}

function jwtSpecs(flags: HelperFlags, file: Record<string, JsonValue>): JwtFileSpec[] {
  const audiences = flags.jwtAudience ?? [];
  const files = flags.jwtFile ?? [];
  if (audiences.length !== files.length) {
    throw new CliError(
      'usage',
      `give one --jwt-file per --jwt-audience (got ${audiences.length} audiences and ${files.length} files)`,
    );
  }
  const specs: JwtFileSpec[] = audiences.map((audience, i) => ({
    audience: nonEmpty(audience, '--jwt-audience'),
    extraAudiences: [],
    file: fileName(files[i]!, '--jwt-file'),
  }));
  if (audiences.length === 0 && file.jwt_svids !== undefined) {
    const list = file.jwt_svids;
    if (!Array.isArray(list)) throw new CliError('usage', 'config: jwt_svids must be an array of objects');
    list.forEach((entry, i) => {
      const at = `jwt_svids[${i}]`;
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        throw new CliError('usage', `config: ${at} must be an object`);
      }
      const bad = Object.keys(entry).filter((k) => !JWT_KEYS.has(k));
      if (bad.length > 0) throw new CliError('usage', `config: ${at} has unknown key(s) ${bad.join(', ')}`);
      const extra = entry.jwt_extra_audiences ?? [];
      if (!Array.isArray(extra) || !extra.every((a) => typeof a === 'string' && a !== '')) {
        throw new CliError(
          'usage',
          `config: ${at}.jwt_extra_audiences must be an array of non-empty strings`,
        );
      }
      specs.push({
        audience: nonEmpty(str(entry.jwt_audience ?? null, `${at}.jwt_audience`), `${at}.jwt_audience`),
        extraAudiences: extra as string[],
        file: fileName(
          str(entry.jwt_svid_file_name ?? null, `${at}.jwt_svid_file_name`),
          `${at}.jwt_svid_file_name`,
        ),
      });
    });
  }
  return specs;
}

/**
 * The health endpoint, from `--health-port` or spiffe-helper's `health_checks` (a block in HCL,
 * an object in JSON): off unless `listener_enabled = true`; then `bind_port` 8081, `/live` and
 * `/ready` by default. spiffe-helper does not serve it in one-shot mode: a config-file setting
 * is then ignored with a warning.
 */
function healthSpec(
  flags: HelperFlags,
  file: Record<string, JsonValue>,
  ignoreFileSettings: boolean,
  warnings: string[],
): HealthSpec | undefined {
  let section = file.health_checks;
  if (Array.isArray(section)) {
    // HCL: `health_checks { … }` decodes to a list of one object.
    if (section.length !== 1) throw new CliError('usage', 'config: give one health_checks block');
    section = section[0]!;
  }
  let fromFile: Partial<HealthSpec> & { enabled?: boolean } = {};
  if (section !== undefined) {
    if (typeof section !== 'object' || section === null || Array.isArray(section)) {
      throw new CliError('usage', 'config: health_checks must be an object');
    }
    const bad = Object.keys(section).filter((k) => !HEALTH_KEYS.has(k));
    if (bad.length > 0)
      throw new CliError('usage', `config: health_checks has unknown key(s) ${bad.join(', ')}`);
    fromFile = {
      enabled:
        section.listener_enabled !== undefined &&
        bool(section.listener_enabled, 'health_checks.listener_enabled'),
      ...(section.bind_port !== undefined
        ? { port: port(String(section.bind_port), 'health_checks.bind_port') }
        : {}),
      ...(section.bind_address !== undefined
        ? { address: str(section.bind_address, 'health_checks.bind_address') }
        : {}),
      ...(section.liveness_path !== undefined && section.liveness_path !== ''
        ? { livePath: urlPath(section.liveness_path, 'health_checks.liveness_path') }
        : {}),
      ...(section.readiness_path !== undefined && section.readiness_path !== ''
        ? { readyPath: urlPath(section.readiness_path, 'health_checks.readiness_path') }
        : {}),
    };
    if (fromFile.enabled === true && ignoreFileSettings && flags.healthPort === undefined) {
      warnings.push(
        'health_checks.listener_enabled is set but daemon_mode is false: no health endpoint (as spiffe-helper)',
      );
      fromFile.enabled = false;
    }
  }
  const portValue =
    flags.healthPort !== undefined
      ? port(flags.healthPort, '--health-port')
      : fromFile.enabled === true
        ? // spiffe-helper: bind_port 0 (or none) means its default, 8081.
          fromFile.port || DEFAULT_HEALTH_PORT
        : undefined;
  if (portValue === undefined) {
    if (flags.healthAddr !== undefined) throw new CliError('usage', '--health-addr needs --health-port');
    return undefined;
  }
  return {
    port: portValue,
    address: flags.healthAddr ?? fromFile.address ?? '0.0.0.0',
    livePath: fromFile.livePath ?? '/live',
    readyPath: fromFile.readyPath ?? '/ready',
  };
}

function checkCombinations(c: HelperConfig): void {
  if (c.pid !== undefined && c.pidFile !== undefined)
    throw new CliError('usage', 'give --pid or --pid-file, not both');
  const target = c.pid !== undefined || c.pidFile !== undefined;
  if (target && c.signal === undefined) {
    throw new CliError(
      'usage',
      `${c.pid !== undefined ? '--pid' : '--pid-file'} needs --signal (e.g. --signal SIGHUP)`,
    );
  }
  if (c.signal !== undefined && !target && c.cmd === undefined) {
    throw new CliError(
      'usage',
      '--signal needs a process to signal: --cmd (a child the helper starts), --pid or --pid-file',
    );
  }
  if (c.cmdArgs.length > 0 && c.cmd === undefined) throw new CliError('usage', '--cmd-args needs --cmd');
  if (c.once && c.cmd !== undefined && c.signal !== undefined) {
    throw new CliError(
      'usage',
      '--cmd with --signal starts a long-running child to signal on rotation: not with --once',
      {
        hint: 'with --once, --cmd alone runs the command once after writing',
      },
    );
  }
  if (c.once && c.health !== undefined)
    throw new CliError('usage', 'the health endpoint is for daemon mode, not --once');
  const names = [
    c.svidFile,
    c.keyFile,
    c.bundleFile,
    ...c.jwt.map((j) => j.file),
    ...(c.jwtBundleFile === undefined ? [] : [c.jwtBundleFile]),
  ];
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined)
    throw new CliError('usage', `two outputs would write the same file ${JSON.stringify(dup)}`);
}

function str(value: JsonValue, key: string): string {
  if (typeof value !== 'string') throw new CliError('usage', `config: ${key} must be a string`);
  return value;
}

function bool(value: JsonValue, key: string): boolean {
  if (typeof value !== 'boolean') throw new CliError('usage', `config: ${key} must be true or false`);
  return value;
}

function nonEmpty(value: string, what: string): string {
  if (value === '') throw new CliError('usage', `${what} must not be empty`);
  return value;
}

/** A file name inside the output folder: no folder part, so that writes stay atomic in one folder. */
function fileName(value: string, what: string): string {
  if (value === '' || value.includes('/') || value === '.' || value === '..') {
    throw new CliError(
      'usage',
      `${what} ${JSON.stringify(value)} must be a plain file name (it is written into --out)`,
    );
  }
  return value;
}

function optionalFileName(value: string | undefined, what: string): string | undefined {
  return value === undefined || value === '' ? undefined : fileName(value, what);
}

/**
 * A file mode from the config file, as spiffe-helper reads it: an integer (in HCL, `0644` is
 * octal and `644` decimal, as Go parses them; JSON numbers are decimal), with 0 or no value
 * meaning the default. A string such as `"0644"` is read as octal (this command's JSON form).
 */
function fileMode(file: Record<string, JsonValue>, key: string, fallback: number): number {
  const value = file[key];
  if (value === undefined) return fallback;
  if (typeof value === 'string') return mode(value, `config: ${key}`);
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new CliError('usage', `config: ${key} must be an octal file mode such as 0644`);
  }
  if (value === 0) return fallback;
  if (value < 0 || value > 0o777) {
    throw new CliError(
      'usage',
      `config: ${key} is ${value} (0${value.toString(8)} in octal), not a file mode: write 0644, with the leading 0 that makes it octal`,
    );
  }
  return value;
}

function mode(value: string, what: string): number {
  if (!/^0?[0-7]{3}$/.test(value)) {
    throw new CliError('usage', `${what} ${JSON.stringify(value)} is not an octal file mode such as "0600"`);
  }
  return parseInt(value, 8);
}

/**
 * The mode of a created output folder: the owner needs rwx (the helper writes into it), and
 * nobody else may write (they could swap the key or the bundle), so 0700 up to 0755.
 */
function dirMode(value: string): number {
  const bits = mode(value, '--dir-mode');
  if ((bits & 0o700) !== 0o700 || (bits & 0o022) !== 0) {
    throw new CliError(
      'usage',
      `--dir-mode ${JSON.stringify(value)} must give the owner rwx and nobody else write, e.g. 0700 or 0755`,
    );
  }
  return bits;
}

function optionalSignal(value: string | undefined): NodeJS.Signals | undefined {
  if (value === undefined || value === '') return undefined;
  const name = (
    value.toUpperCase().startsWith('SIG') ? value.toUpperCase() : `SIG${value.toUpperCase()}`
  ) as NodeJS.Signals;
  if (!(name in constants.signals)) {
    throw new CliError('usage', `--signal ${JSON.stringify(value)} is not a signal name`, {
      hint: 'e.g. SIGHUP, SIGUSR1, SIGUSR2',
    });
  }
  return name;
}

function optionalPath(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : resolve(value);
}

function pidNumber(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new CliError('usage', `--pid ${JSON.stringify(value)} is not a process id`);
  return Number(value);
}

function port(value: string, what: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new CliError('usage', `${what} ${JSON.stringify(value)} is not a port number (0 picks a free one)`);
  }
  return Number(value);
}

function urlPath(value: JsonValue, key: string): string {
  const path = str(value, key);
  if (!path.startsWith('/')) throw new CliError('usage', `config: ${key} must start with "/"`);
  return path;
}
