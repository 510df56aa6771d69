import { spawn } from 'node:child_process';

/** Options for {@link run}. */
export interface RunOptions {
  cwd?: string;
  /** Replaces the environment when given; merge with process.env yourself. */
  env?: NodeJS.ProcessEnv;
  /** Each line of output as it arrives (stdout and stderr, in order). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Also end a line at a lone carriage return, so progress meters arrive as they update. */
  splitOnCarriageReturn?: boolean;
  /** Kill the process after this many milliseconds. */
  timeoutMs?: number;
  /** Resolve instead of throwing when the exit code is not 0. */
  allowFailure?: boolean;
  /** Debug log for the argv; defaults to nothing. */
  debug?: (message: string) => void;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** How many lines of output an error message keeps. */
const TAIL_LINES = 25;

/** A command that could not start or exited with a non-zero code. */
export class ExecError extends Error {
  constructor(
    message: string,
    readonly command: string,
    readonly args: readonly string[],
    readonly code: number | null,
    readonly stdout: string,
    readonly stderr: string
  ) {
    super(message);
    this.name = 'ExecError';
  }

  /** The last lines of stderr, or of stdout when stderr said nothing. */
  get tail(): string {
    return lastLines(this.stderr.trim() ? this.stderr : this.stdout, TAIL_LINES);
  }
}

export function lastLines(text: string, count: number): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.slice(-count).join('\n');
}

/** Quote an argv for a log line or a dry run; never executed by a shell. */
export function formatArgv(command: string, args: readonly string[]): string {
  return [command, ...args]
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

/**
 * The one way this project runs a process: an argv array, never a shell
 * string. Output is collected (and streamed line by line to onLine); a
 * failure throws an ExecError carrying the exit code and the output's tail.
 */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  options.debug?.(`$ ${formatArgv(command, args)}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe']
    });
    const out: Record<'stdout' | 'stderr', string[]> = { stdout: [], stderr: [] };
    const partial = { stdout: '', stderr: '' };
    let timedOut = false;

    const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      out[stream].push(text);
      if (!options.onLine) return;
      const pieces = (partial[stream] + text).split(options.splitOnCarriageReturn ? /\r\n|\n|\r(?!$)/ : '\n');
      partial[stream] = pieces.pop() ?? '';
      for (const line of pieces) options.onLine(line.replace(/\r$/, ''), stream);
    };
    child.stdout.on('data', onData('stdout'));
    child.stderr.on('data', onData('stderr'));

    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGTERM');
          }, options.timeoutMs)
        : undefined;

    child.on('error', (error: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      const why = error.code === 'ENOENT' ? `${command} was not found on PATH` : error.message;
      reject(new ExecError(`Could not run ${command}: ${why}`, command, args, null, '', ''));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      for (const stream of ['stdout', 'stderr'] as const) {
        if (options.onLine && partial[stream]) options.onLine(partial[stream], stream);
      }
      const stdout = out.stdout.join('');
      const stderr = out.stderr.join('');
      const exitCode = code ?? 128;
      if (exitCode === 0 && !timedOut) {
        resolve({ code: 0, stdout, stderr });
        return;
      }
      if (options.allowFailure && !timedOut) {
        resolve({ code: exitCode, stdout, stderr });
        return;
      }
      const how = timedOut
        ? `timed out after ${(options.timeoutMs ?? 0) / 1000} s`
        : signal
          ? `was killed by ${signal}`
          : `exited with code ${exitCode}`;
      const error = new ExecError(`${command} ${how}`, command, args, code, stdout, stderr);
      const tail = error.tail;
      error.message = tail ? `${command} ${how}:\n${tail}` : `${command} ${how}`;
      reject(error);
    });
  });
}
