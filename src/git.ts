import path from 'node:path';
import { AbortError, ExecError, run, type RunResult } from './exec.js';
import type { RepoCredentials } from './secrets.js';

/** How long `git ls-remote` may take. */
export const LS_REMOTE_TIMEOUT_MS = 60_000;

/** How long one clone (with its submodules, and any fallback fetch) may take in all. */
export const CLONE_TIMEOUT_MS = 60 * 60_000;

/** A local path or file:// URL: its submodules are local too, which git blocks unless told. */
export function isLocalRepo(repo: string): boolean {
  return path.isAbsolute(repo) || repo.startsWith('file://');
}

export interface GitOptions {
  /** The repository the command talks to: a local one allows local submodules. */
  repo: string;
  cwd?: string;
  debug?: (message: string) => void;
  /** Progress lines; git reports progress only when asked (see progressArgs). */
  onGitLine?: (line: string) => void;
  /** A wall-clock bound: past it, git and everything it started are stopped (see git()). */
  timeoutMs?: number;
  /** Credentials for the repository's origin, given to git through its environment only. */
  credentials?: RepoCredentials;
  /** Cancels the command, and whatever git started for it (see RunOptions.signal). */
  signal?: AbortSignal;
  /**
   * Run git as this user (this process being root): the owner of the
   * repository, whose config root must not run. Root's own git config is
   * not read then (nor readable by that user).
   */
  user?: { uid: number; gid: number };
}

/** `--progress` when someone listens, else `--quiet`. */
export function progressArgs(options: Pick<GitOptions, 'onGitLine'>): string[] {
  return options.onGitLine ? ['--progress'] : ['--quiet'];
}

/** Lines that say what went wrong. */
const FAILURE = /^(fatal|error|warning):|^remote: (fatal|error)\b/i;

/** Lines that only say how far git has got. */
const PROGRESS = [
  /\d+(\.\d+)?%/,
  /^remote: (Counting|Compressing|Enumerating|Total|Finding sources)\b/,
  /^(Receiving objects|Resolving deltas|Updating files|Checking out files|Filtering content|Unpacking objects)\b/,
  /^Cloning into\b/,
  /^Submodule '.*' \(.*\) registered for path '.*'$/,
  /^Submodule '.*' registered\b/,
  /^Submodule path '.*': checked out\b/,
  /^(remote: )?done\.?$/
];

/** Lines that advise rather than report: hints, and the detached-HEAD advice (a block, see below). */
const ADVICE_LINE = /^hint:|\badvice\.\w+\b|^HEAD is now at\b/;
const ADVICE_START = /^Note: (switching to|checking out) '/;
const ADVICE_END = /^Turn off this advice by setting config variable advice\./;

/** How many lines of a failure a message keeps (the last ones). */
const FAILURE_LINES = 25;

/**
 * What went wrong, from a failed git command's stderr: its fatal:, error:,
 * warning: and `remote: error` lines (each once), or else its last line that
 * is not progress or advice. Progress meters, whether their updates are
 * separated by \r or \n, and advice never appear.
 */
export function gitFailure(stderr: string): string {
  const lines: string[] = [];
  let inAdvice = false;
  for (const raw of stderr.split(/\r\n|\r|\n/)) {
    const line = raw.trimEnd();
    if (ADVICE_START.test(line)) inAdvice = true;
    if (inAdvice) {
      if (ADVICE_END.test(line)) inAdvice = false;
      continue;
    }
    if (!line.trim() || ADVICE_LINE.test(line)) continue;
    if (!FAILURE.test(line) && PROGRESS.some((p) => p.test(line))) continue;
    lines.push(line);
  }
  const failures = [...new Set(lines.filter((l) => FAILURE.test(l)))];
  if (failures.length > 0) return failures.slice(-FAILURE_LINES).join('\n');
  return lines.at(-1) ?? '';
}

/** Options of git itself that take the next argument as their value. */
const GLOBAL_WITH_VALUE = new Set(['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--config-env']);

/** The subcommand of a git argv, after git's own options: `clone` for `-C dir -c a=b clone …`. */
export function gitSubcommand(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    if (GLOBAL_WITH_VALUE.has(args[i])) i++;
    else if (!args[i].startsWith('-')) return args[i];
  }
  return '';
}

/**
 * The same failure said the way git users need it:
 * `git <subcommand> failed (exit code N): <what went wrong>`. Still an ExecError,
 * with the same argv, code and output.
 */
export function gitError(error: ExecError): ExecError {
  const subcommand = gitSubcommand(error.args);
  const name = subcommand ? `git ${subcommand}` : 'git';
  const what = gitFailure(error.stderr) || gitFailure(error.stdout);
  let head: string;
  if (error.code !== null) {
    head = `${name} failed (exit code ${error.code})`;
  } else {
    // Not started, timed out or killed: run() said which on its first line.
    const first = error.message.split('\n')[0].replace(/:$/, '');
    head = first.startsWith('git ') ? `${name} ${first.slice('git '.length)}` : `${name} failed: ${first}`;
  }
  return new ExecError(
    what ? `${head}: ${what}` : head,
    error.command,
    error.args,
    error.code,
    error.stdout,
    error.stderr
  );
}

/**
 * Settings every git command gets on its command line (they reach the git
 * processes it starts for submodules too): no detached-HEAD advice; no hook
 * and no fsmonitor, which a repository's own config could otherwise make run
 * on this machine; and a transfer that stalls (nothing, or only keep-alives,
 * for five minutes) fails instead of hanging.
 */
export const HARDENING = [
  '-c',
  'advice.detachedHead=false',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'http.lowSpeedLimit=1',
  '-c',
  'http.lowSpeedTime=300'
];

/**
 * Settings of this platform's checkouts: on Windows, files as committed (LF),
 * never converted to CRLF, since a Linux container runs them (a shell script
 * with CRLF does not run). None elsewhere. Pure.
 */
export function platformConfig(platform: NodeJS.Platform = process.platform): string[] {
  return platform === 'win32' ? ['-c', 'core.autocrlf=false', '-c', 'core.eol=lf'] : [];
}

/** ssh as git runs it: never a prompt (for a password, a passphrase or an unknown host key), and a dead link noticed. */
export const SSH_COMMAND =
  'ssh -oBatchMode=yes -oConnectTimeout=30 -oServerAliveInterval=15 -oServerAliveCountMax=4';

/**
 * The environment of a git command. Nothing prompts: not git (a CI job or a
 * script would hang), not ssh, unless the user chose an ssh command of their
 * own. Credentials go into GIT_CONFIG_KEY_n/VALUE_n, after any the caller
 * already had: so they never appear on a command line, in .git/config, or in
 * a container, and git's trace output masks them. Pure.
 */
export function gitEnvironment(base: NodeJS.ProcessEnv, credentials?: RepoCredentials): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: 'true',
    GIT_TRACE_REDACT: '1'
  };
  if (!base.GIT_SSH_COMMAND && !base.GIT_SSH) env.GIT_SSH_COMMAND = SSH_COMMAND;
  if (credentials) {
    const count = /^\d+$/.test(base.GIT_CONFIG_COUNT ?? '') ? Number(base.GIT_CONFIG_COUNT) : 0;
    const { key, value } = credentials.gitConfig();
    env[`GIT_CONFIG_KEY_${count}`] = key;
    env[`GIT_CONFIG_VALUE_${count}`] = value;
    env.GIT_CONFIG_COUNT = String(count + 1);
  }
  return env;
}

/** The caller's signal and a deadline, as one signal: the exec wrapper stops git's whole process group on either. */
function withDeadline(signal: AbortSignal | undefined, timeoutMs: number | undefined) {
  const deadline = timeoutMs !== undefined ? AbortSignal.timeout(Math.max(1, timeoutMs)) : undefined;
  const signals = [signal, deadline].filter((s): s is AbortSignal => s !== undefined);
  return { deadline, signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0] };
}

/**
 * git through the one exec wrapper, hardened (HARDENING, gitEnvironment),
 * allowing file-transport submodules only for a repository that is itself
 * local. A failure throws an ExecError whose message is git's own account of
 * it (see gitError), and so does a command past its timeoutMs; a
 * cancellation throws exec's AbortError.
 */
export async function git(args: string[], options: GitOptions): Promise<RunResult> {
  const onGitLine = options.onGitLine;
  const config = [...HARDENING, ...platformConfig()];
  if (isLocalRepo(options.repo)) config.push('-c', 'protocol.file.allow=always');
  const { deadline, signal } = withDeadline(options.signal, options.timeoutMs);
  const argv = [...config, ...args];
  try {
    return await run('git', argv, {
      cwd: options.cwd,
      env: {
        ...gitEnvironment(process.env, options.credentials),
        // Run as the repository's owner: root's own git config is neither read nor readable.
        ...(options.user ? { GIT_CONFIG_GLOBAL: '/dev/null', XDG_CONFIG_HOME: '/nonexistent' } : {})
      },
      debug: options.debug,
      user: options.user,
      signal,
      onLine: onGitLine ? (line) => onGitLine(line) : undefined,
      splitOnCarriageReturn: onGitLine !== undefined
    });
  } catch (error) {
    if (error instanceof AbortError && deadline?.aborted && !options.signal?.aborted) {
      const seconds = Math.round((options.timeoutMs ?? 0) / 1000);
      throw gitError(new ExecError(`git timed out after ${seconds} s`, 'git', argv, null, '', ''));
    }
    throw error instanceof ExecError ? gitError(error) : error;
  }
}
