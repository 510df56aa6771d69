/**
 * Progress on a terminal: one line per phase with its duration, warnings as
 * they come, and on a TTY a live status line with bars for downloads and
 * clones. `--verbose` shows every command and its output.
 */
import type { Log, Progress } from '../ports.js';
import type { DownloadProgress } from '../pipeline/download.js';
import {
  fitWidth,
  formatDuration,
  meterLine,
  painter,
  parseGitProgress,
  type Meter,
  type Paint
} from './format.js';

export interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface TerminalOptions {
  /** Where progress goes (stderr): results go elsewhere. */
  err: Stream;
  verbose: boolean;
  colour: boolean;
  now?: () => number;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class TerminalProgress implements Progress {
  readonly log: Log;
  private readonly paint: Paint;
  private readonly now: () => number;
  private readonly running = new Map<string, number>();
  private readonly meters = new Map<string, { meter: Meter; start: number }>();
  private liveShown = false;
  private timer?: NodeJS.Timeout;
  private frame = 0;
  private readonly shownOutput = new Set<string>();

  constructor(private readonly options: TerminalOptions) {
    this.paint = painter(options.colour);
    this.now = options.now ?? (() => performance.now());
    this.log = this.logFor(undefined, false, []);
  }

  private get live(): boolean {
    return this.options.err.isTTY === true;
  }

  /** Print a whole line, keeping the live status line below it. */
  line(text: string): void {
    this.clearLive();
    this.options.err.write(`${text}\n`);
    this.drawLive();
  }

  /** Show the command output of this phase even without --verbose (make's own output, esptool's). */
  showOutputOf(title: string): void {
    this.shownOutput.add(title);
  }

  warning(message: string): void {
    this.line(`${this.paint('yellow', 'warning:')} ${message}`);
  }

  error(message: string): void {
    this.line(`${this.paint('red', 'error:')} ${message}`);
  }

  private logFor(title: string | undefined, concurrent: boolean, kept: string[]): Log {
    const { verbose } = this.options;
    const prefix = title && concurrent ? this.paint('dim', `[${title}] `) : '';
    const showOutput = verbose || (title !== undefined && this.shownOutput.has(title));
    return {
      info: (message) => {
        if (verbose || !concurrent) this.line(`${prefix}${message}`);
        else kept.push(message);
      },
      warning: (message) => this.warning(title && concurrent ? `${title}: ${message}` : message),
      debug: (message) => {
        if (verbose) this.line(`${prefix}${this.paint('dim', message)}`);
      },
      output: (text) => {
        if (showOutput) this.line(`${prefix}${text}`);
      }
    };
  }

  async phase<T>(
    title: string,
    fn: (log: Log) => Promise<T>,
    options: { concurrent?: boolean } = {}
  ): Promise<T> {
    const concurrent = options.concurrent === true;
    const kept: string[] = [];
    const start = this.now();
    this.running.set(title, start);
    this.startTimer();
    try {
      const result = await fn(this.logFor(title, concurrent, kept));
      this.running.delete(title);
      this.line(
        `${this.paint('green', '✓')} ${title} ${this.paint('dim', `(${formatDuration(this.now() - start)})`)}`
      );
      return result;
    } catch (error) {
      this.running.delete(title);
      this.line(
        `${this.paint('red', '✗')} ${title} ${this.paint('dim', `(${formatDuration(this.now() - start)})`)}`
      );
      for (const message of kept) this.line(`  ${this.paint('dim', message)}`);
      throw error;
    } finally {
      if (this.running.size === 0) this.stopTimer();
    }
  }

  /** For PipelineEnv.onDownloadProgress. */
  readonly download = (p: DownloadProgress): void => {
    if (p.total !== undefined && p.received >= p.total) this.meters.delete('download');
    else this.setMeter('download', { label: 'Downloading', done: p.received, total: p.total, unit: 'bytes' });
  };

  /** Host flashing's progress: the image being written, as a bar. */
  readonly flashing = (p: { image: string; written: number; total: number }): void => {
    // Each image starts its own bar (and its rate).
    if (p.written === 0 || p.written >= p.total) this.meters.delete('flash');
    if (p.written < p.total)
      this.setMeter('flash', { label: `Writing ${p.image}`, done: p.written, total: p.total, unit: 'bytes' });
  };

  /** For PipelineEnv.onGitLine: git's --progress lines become a bar. */
  readonly gitLine = (text: string): void => {
    const progress = parseGitProgress(text);
    if (!progress) {
      if (text.trim()) this.log.debug(text.trim());
      return;
    }
    if (/\bdone\.?\s*$/.test(text) || progress.done >= progress.total) {
      this.meters.delete('git');
      return;
    }
    this.setMeter('git', {
      label: `git: ${progress.stage}`,
      done: progress.done,
      total: progress.total,
      unit: 'count'
    });
  };

  private setMeter(key: string, meter: Meter): void {
    const start = this.meters.get(key)?.start ?? this.now();
    this.meters.set(key, { meter, start });
  }

  /** The status line: what is running, and the busiest meter. */
  private liveText(): string {
    const now = this.now();
    const names = [...this.running.keys()];
    const oldest = Math.min(...this.running.values());
    const spinner = this.paint('cyan', SPINNER[this.frame++ % SPINNER.length]);
    const meters = [...this.meters.values()].map(({ meter, start }) => meterLine(meter, now - start));
    const parts = [`${spinner} ${names.join(' · ')} ${this.paint('dim', formatDuration(now - oldest))}`];
    if (meters.length) parts.push(meters.join('  |  '));
    return parts.join('   ');
  }

  private drawLive(): void {
    if (!this.live || this.running.size === 0) return;
    const columns = this.options.err.columns || 80;
    this.options.err.write(`\r\x1b[2K${fitWidth(this.liveText(), columns - 1)}`);
    this.liveShown = true;
  }

  private clearLive(): void {
    if (!this.liveShown) return;
    this.options.err.write('\r\x1b[2K');
    this.liveShown = false;
  }

  private startTimer(): void {
    if (!this.live || this.timer) return;
    this.timer = setInterval(() => {
      this.clearLive();
      this.drawLive();
    }, 100);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.meters.clear();
    this.clearLive();
  }

  /** Leave the terminal clean (on exit or interruption). */
  close(): void {
    this.running.clear();
    this.stopTimer();
  }
}
