import path from 'node:path';
import { ExecError, run, type RunResult } from './exec.js';

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
  timeoutMs?: number;
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
 * git through the one exec wrapper: never prompts for credentials (a CI job
 * or a script would hang), never prints the detached-HEAD advice, and allows
 * file-transport submodules only for a repository that is itself local. A
 * failure throws an ExecError whose message is git's own account of it
 * (see gitError); a cancellation throws exec's AbortError.
 */
export async function git(args: string[], options: GitOptions): Promise<RunResult> {
  const onGitLine = options.onGitLine;
  const config = ['-c', 'advice.detachedHead=false'];
  if (isLocalRepo(options.repo)) config.push('-c', 'protocol.file.allow=always');
  try {
    return await run('git', [...config, ...args], {
      cwd: options.cwd,
      env: {
        ...process.env,
        GIT_TERMINAL_PROMPT: '0',
        GIT_ASKPASS: 'true',
        ...(options.user ? { GIT_CONFIG_GLOBAL: '/dev/null', XDG_CONFIG_HOME: '/nonexistent' } : {})
      },
      debug: options.debug,
      user: options.user,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      onLine: onGitLine ? (line) => onGitLine(line) : undefined,
      splitOnCarriageReturn: onGitLine !== undefined
    });
  } catch (error) {
    throw error instanceof ExecError ? gitError(error) : error;
  }
}
