import path from 'node:path';
import { run, type RunResult } from './exec.js';

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
}

/** `--progress` when someone listens, else `--quiet`. */
export function progressArgs(options: Pick<GitOptions, 'onGitLine'>): string[] {
  return options.onGitLine ? ['--progress'] : ['--quiet'];
}

/**
 * git through the one exec wrapper: never prompts for credentials (a CI job
 * or a script would hang), and allows file-transport submodules only for a
 * repository that is itself local.
 */
export function git(args: string[], options: GitOptions): Promise<RunResult> {
  const onGitLine = options.onGitLine;
  return run('git', isLocalRepo(options.repo) ? ['-c', 'protocol.file.allow=always', ...args] : args, {
    cwd: options.cwd,
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true' },
    debug: options.debug,
    timeoutMs: options.timeoutMs,
    onLine: onGitLine ? (line) => onGitLine(line) : undefined,
    splitOnCarriageReturn: onGitLine !== undefined
  });
}
