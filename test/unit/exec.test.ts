import { ExecError, formatArgv, lastLines, run } from '../../src/exec.js';

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
