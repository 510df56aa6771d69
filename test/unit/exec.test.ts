import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { AbortError, ExecError, formatArgv, isAbort, lastLines, run } from '../../src/exec.js';

/** Alive, and not a zombie waiting for its parent (or a container's init) to reap it. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number, ms = 3000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (!isRunning(pid)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return !isRunning(pid);
}

describe('run', () => {
  it('passes every argument literally: no shell sees them', async () => {
    const args = ['$(echo no)', '`id`', 'a b', "it's", ';', '|', '*'];
    const { stdout } = await run('printf', ['%s\\n', ...args]);
    expect(stdout.split('\n').slice(0, -1)).toEqual(args);
  });

  it('throws the exit code and the last lines of stderr', async () => {
    const script = 'for i in $(seq 1 40); do echo "line $i" >&2; done; exit 3';
    const error = (await run('bash', ['-c', script]).catch((e: unknown) => e)) as ExecError;
    expect(error).toBeInstanceOf(ExecError);
    expect(error.code).toBe(3);
    expect(error.message).toMatch(/^bash exited with code 3:\nline 16\n/);
    expect(error.message.endsWith('line 40')).toBe(true);
    expect(error.message).not.toContain('line 15\n');
  });

  it('falls back to stdout for the tail when stderr is empty, and can allow failure', async () => {
    const error = (await run('bash', ['-c', 'echo out; exit 1']).catch((e: unknown) => e)) as ExecError;
    expect(error.tail).toBe('out');
    await expect(run('bash', ['-c', 'exit 4'], { allowFailure: true })).resolves.toMatchObject({ code: 4 });
  });

  it('says when a command is not installed', async () => {
    await expect(run('no-such-command-here', [])).rejects.toThrow(
      /no-such-command-here was not found on PATH/
    );
  });

  it('kills a command that runs past its time', async () => {
    const started = Date.now();
    await expect(run('sleep', ['10'], { timeoutMs: 200 })).rejects.toThrow(/sleep timed out after 0.2 s/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('streams lines, and progress lines ended by a carriage return when asked', async () => {
    const lines: string[] = [];
    await run('bash', ['-c', 'printf "a\\nb 10%%\\rb 50%%\\rb 100%%\\n"'], { onLine: (l) => lines.push(l) });
    expect(lines).toEqual(['a', 'b 10%\rb 50%\rb 100%']);
    const split: string[] = [];
    await run('bash', ['-c', 'printf "a\\nb 10%%\\rb 50%%\\rb 100%%\\n"'], {
      onLine: (l) => split.push(l),
      splitOnCarriageReturn: true
    });
    expect(split).toEqual(['a', 'b 10%', 'b 50%', 'b 100%']);
  });

  it('logs the argv it runs', async () => {
    const debug: string[] = [];
    await run('true', ['x y'], { debug: (m) => debug.push(m) });
    expect(debug).toEqual(["$ true 'x y'"]);
  });
});

describe('run with an AbortSignal', () => {
  const signalListeners = () => ['SIGINT', 'SIGTERM', 'SIGHUP', 'exit'].map((s) => process.listenerCount(s));
  let before: number[];
  beforeEach(() => {
    before = signalListeners();
  });
  afterEach(() => {
    // Nothing left hooked on the process once no cancellable command runs.
    expect(signalListeners()).toEqual(before);
  });

  it('does not start a command whose signal was aborted already', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'exec-abort-'));
    try {
      const controller = new AbortController();
      controller.abort();
      const debug: string[] = [];
      const file = path.join(dir, 'made');
      const error = await run('touch', [file], {
        signal: controller.signal,
        debug: (m) => debug.push(m)
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AbortError);
      expect(error).not.toBeInstanceOf(ExecError);
      expect((error as Error).name).toBe('AbortError');
      expect((error as Error).message).toMatch(/^touch was cancelled/);
      expect(existsSync(file)).toBe(false);
      expect(debug).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops a running command at once and throws an AbortError', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    const error = await run('sleep', ['30'], { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as Error).message).toBe('sleep was cancelled');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it.each([
    ['sharing the output pipes', 'sleep 30 & echo $!; wait'],
    // Not holding the pipes, so only a kill of the whole group reaches it.
    ['with its output elsewhere', 'sleep 30 >/dev/null 2>&1 & echo $!; wait']
  ])('stops the grandchildren too, %s: the whole process group', async (_, script) => {
    const controller = new AbortController();
    let grandchild = 0;
    const started = Date.now();
    const error = await run('bash', ['-c', script], {
      signal: controller.signal,
      onLine: (line) => {
        grandchild = Number(line);
        controller.abort();
      }
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(grandchild).toBeGreaterThan(0);
    expect(await waitUntilGone(grandchild)).toBe(true);
  });

  it('kills a group that ignores SIGTERM after the grace period', async () => {
    const controller = new AbortController();
    let grandchild = 0;
    const started = Date.now();
    const error = await run('bash', ['-c', 'trap "" TERM; sleep 30 & echo $!; wait'], {
      signal: controller.signal,
      onLine: (line) => {
        grandchild = Number(line);
        controller.abort();
      }
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(Date.now() - started).toBeLessThan(6000);
    expect(await waitUntilGone(grandchild)).toBe(true);
  });

  it('throws the AbortError even when failure is allowed', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await run('sleep', ['30'], { signal: controller.signal, allowFailure: true }).catch(
      (e: unknown) => e
    );
    expect(error).toBeInstanceOf(AbortError);
  });

  it('removes its abort listener when the command ends, however it ends', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    let during = -1;
    await run('echo', ['hi'], { signal, onLine: () => (during = getEventListeners(signal, 'abort').length) });
    expect(during).toBe(1);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    await expect(run('bash', ['-c', 'exit 2'], { signal })).rejects.toBeInstanceOf(ExecError);
    await expect(run('bash', ['-c', 'exit 2'], { signal, allowFailure: true })).resolves.toMatchObject({
      code: 2
    });
    await expect(run('no-such-command-here', [], { signal })).rejects.toThrow(/not found on PATH/);
    await expect(run('sleep', ['10'], { signal, timeoutMs: 100 })).rejects.toThrow(/timed out/);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    // An abort after the fact reaches nothing.
    expect(() => controller.abort()).not.toThrow();
  });

  it('behaves as before with a signal that is never aborted', async () => {
    const { signal } = new AbortController();
    await expect(run('bash', ['-c', 'echo out; echo err >&2'], { signal })).resolves.toEqual({
      code: 0,
      stdout: 'out\n',
      stderr: 'err\n'
    });
  });
});

describe('isAbort', () => {
  it('knows our AbortError and DOM-style aborts, and nothing else', () => {
    const controller = new AbortController();
    controller.abort();
    expect(isAbort(new AbortError('x'))).toBe(true);
    expect(isAbort(controller.signal.reason)).toBe(true);
    expect(isAbort(new DOMException('x', 'AbortError'))).toBe(true);
    expect(isAbort(Object.assign(new Error('x'), { name: 'AbortError' }))).toBe(true);
    expect(isAbort(new ExecError('x', 'git', [], 1, '', ''))).toBe(false);
    expect(isAbort(new Error('AbortError'))).toBe(false);
    expect(isAbort(new DOMException('x', 'TimeoutError'))).toBe(false);
    expect(isAbort(null)).toBe(false);
    expect(isAbort('AbortError')).toBe(false);
  });
});

describe('formatArgv and lastLines', () => {
  it('quotes only what needs it', () => {
    expect(formatArgv('docker', ['run', '-e', 'A=b c', "it's", '/p/x.tar'])).toBe(
      `docker run -e 'A=b c' 'it'\\''s' /p/x.tar`
    );
  });
  it('keeps the last lines', () => {
    expect(lastLines('1\n2\n3\n\n', 2)).toBe('2\n3');
  });
});
