import {
  bar,
  fitWidth,
  formatBytes,
  formatDuration,
  meterLine,
  painter,
  parseGitProgress,
  table,
  useColour
} from '../../src/cli/format.js';
import { TerminalProgress, type Stream } from '../../src/cli/terminal.js';

describe('formatting', () => {
  it('durations', () => {
    expect(formatDuration(420)).toBe('0.4 s');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(125_000)).toBe('2 min 05 s');
    expect(formatDuration(3_720_000)).toBe('1 h 02 min');
  });
  it('sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(3_500)).toBe('3.4 KiB');
    expect(formatBytes(12 * 1024 ** 2)).toBe('12.0 MiB');
    expect(formatBytes(1.25 * 1024 ** 3)).toBe('1.25 GiB');
  });
  it('bars are clamped to their width', () => {
    expect(bar(0.5, 10)).toBe('█████░░░░░');
    expect(bar(2, 4)).toBe('████');
    expect(bar(Number.NaN, 4)).toBe('░░░░');
  });
  it('a download meter: bar, percent, sizes and rate', () => {
    const line = meterLine(
      { label: 'Downloading', done: 5 * 1024 ** 2, total: 20 * 1024 ** 2, unit: 'bytes' },
      2000,
      8
    );
    expect(line).toBe('Downloading  ██░░░░░░   25%  5.0 MiB / 20.0 MiB  2.5 MiB/s');
  });
  it('a download of unknown size shows what arrived', () => {
    expect(meterLine({ label: 'Downloading', done: 2048, unit: 'bytes' }, 100)).toBe('Downloading  2.0 KiB');
  });
  it('a clone stage meter counts objects', () => {
    expect(meterLine({ label: 'git: Receiving objects', done: 45, total: 100, unit: 'count' }, 1000, 4)).toBe(
      'git: Receiving objects  ██░░   45%  45/100'
    );
  });
  it('git progress lines', () => {
    expect(parseGitProgress('Receiving objects:  45% (123/273), 1.20 MiB | 2.00 MiB/s')).toEqual({
      stage: 'Receiving objects',
      percent: 45,
      done: 123,
      total: 273
    });
    expect(parseGitProgress('remote: Counting objects: 100% (10/10), done.')).toMatchObject({
      stage: 'Counting objects',
      percent: 100
    });
    expect(parseGitProgress("Cloning into 'esp-idf'...")).toBeUndefined();
    expect(parseGitProgress('remote: Enumerating objects: 25, done.')).toBeUndefined();
  });
  it('colour only on a terminal, never with NO_COLOR, always with FORCE_COLOR', () => {
    expect(useColour(true, {})).toBe(true);
    expect(useColour(false, {})).toBe(false);
    expect(useColour(true, { NO_COLOR: '1' })).toBe(false);
    expect(useColour(true, { NO_COLOR: '' })).toBe(true);
    expect(useColour(true, { TERM: 'dumb' })).toBe(false);
    expect(useColour(false, { FORCE_COLOR: '1' })).toBe(true);
    expect(painter(true)('red', 'x')).toBe('\x1b[31mx\x1b[39m');
    expect(painter(false)('red', 'x')).toBe('x');
  });
  it('lines fit the terminal; tables align', () => {
    expect(fitWidth('abcdef', 4)).toBe('abc…');
    expect(fitWidth('abc', 4)).toBe('abc');
    // Escape codes take no columns, and a cut line resets its style.
    const dim = '\x1b[2mabcdef\x1b[22m';
    expect(fitWidth(dim, 6)).toBe(dim);
    expect(fitWidth(dim, 4)).toBe('\x1b[2mabc…\x1b[0m');
    expect(fitWidth('✓ \x1b[32mok\x1b[39m done', 5)).toBe('✓ \x1b[32mok\x1b[39m…\x1b[0m');
    expect(
      table([
        ['a', '1'],
        ['long', '2']
      ])
    ).toEqual(['  a     1', '  long  2']);
  });
});

class Capture implements Stream {
  text = '';
  constructor(
    readonly isTTY = false,
    readonly columns = 80
  ) {}
  write(text: string) {
    this.text += text;
    return true;
  }
}

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('TerminalProgress', () => {
  it('one line per phase with its duration; command output hidden unless asked for', async () => {
    const err = new Capture();
    const time = clock();
    const progress = new TerminalProgress({ err, verbose: false, colour: false, now: time.now });
    await progress.phase('Build the firmware', async (log) => {
      log.info('Building ESP32_GENERIC');
      log.output('CC main.c');
      log.debug('$ docker run …');
      time.advance(1234);
    });
    expect(err.text).toBe('Building ESP32_GENERIC\n✓ Build the firmware (1.2 s)\n');
  });

  it('a concurrent phase keeps its details, and shows them only when it fails', async () => {
    const err = new Capture();
    const progress = new TerminalProgress({ err, verbose: false, colour: false, now: clock().now });
    await progress.phase('ESP-IDF', async (log) => log.info('Found on this machine'), { concurrent: true });
    await expect(
      progress.phase(
        'Xtensa toolchain',
        async (log) => {
          log.info('Downloading https://example/tc.tar.gz');
          log.warning('slow mirror');
          throw new Error('boom');
        },
        { concurrent: true }
      )
    ).rejects.toThrow('boom');
    expect(err.text).toBe(
      '✓ ESP-IDF (0.0 s)\nwarning: Xtensa toolchain: slow mirror\n✗ Xtensa toolchain (0.0 s)\n  Downloading https://example/tc.tar.gz\n'
    );
  });

  it('--verbose shows everything, concurrent lines prefixed with their phase', async () => {
    const err = new Capture();
    const progress = new TerminalProgress({ err, verbose: true, colour: false, now: clock().now });
    await progress.phase(
      'ESP-IDF',
      async (log) => {
        log.info('Cloning');
        log.debug('$ git clone');
        log.output('Cloning into …');
      },
      { concurrent: true }
    );
    expect(err.text).toBe(
      '[ESP-IDF] Cloning\n[ESP-IDF] $ git clone\n[ESP-IDF] Cloning into …\n✓ ESP-IDF (0.0 s)\n'
    );
  });

  it('showOutputOf: make’s and esptool’s output without --verbose', async () => {
    const err = new Capture();
    const progress = new TerminalProgress({ err, verbose: false, colour: false, now: clock().now });
    progress.showOutputOf('Deploy to /dev/ttyUSB0');
    await progress.phase('Deploy to /dev/ttyUSB0', async (log) =>
      log.output('Wrote 78112 bytes at 0x00001000')
    );
    expect(err.text).toBe('Wrote 78112 bytes at 0x00001000\n✓ Deploy to /dev/ttyUSB0 (0.0 s)\n');
  });

  it('colour marks success and failure', async () => {
    const err = new Capture();
    const progress = new TerminalProgress({ err, verbose: false, colour: true, now: clock().now });
    await progress.phase('A', async () => undefined);
    expect(err.text).toBe('\x1b[32m✓\x1b[39m A \x1b[2m(0.0 s)\x1b[22m\n');
  });

  it('on a terminal, a live line shows the running phases and a download bar, cleared before each line', async () => {
    const err = new Capture(true, 200);
    const time = clock();
    const progress = new TerminalProgress({ err, verbose: false, colour: false, now: time.now });
    let release!: () => void;
    const running = progress.phase(
      'Xtensa toolchain',
      () => new Promise<void>((resolve) => (release = resolve)),
      {
        concurrent: true
      }
    );
    time.advance(1000);
    progress.download({ received: 1024 ** 2, total: 4 * 1024 ** 2 });
    progress.line('a message');
    expect(err.text).toContain(
      'a message\n\r\x1b[2K⠋ Xtensa toolchain 1.0 s   Downloading  ██████░░░░░░░░░░░░░░░░░░   25%  1.0 MiB / 4.0 MiB'
    );
    progress.gitLine('Receiving objects:  50% (5/10)');
    progress.line('another');
    expect(err.text).toContain('git: Receiving objects');
    release();
    await running;
    expect(err.text.endsWith('✓ Xtensa toolchain (1.0 s)\n')).toBe(true);
    progress.close();
  });

  it('git lines that are not progress are debug output', () => {
    const err = new Capture();
    const progress = new TerminalProgress({ err, verbose: true, colour: false, now: clock().now });
    progress.gitLine("Cloning into 'esp-idf'...");
    progress.gitLine('Receiving objects:  50% (5/10)');
    expect(err.text).toBe("Cloning into 'esp-idf'...\n");
  });
});
