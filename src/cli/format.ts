/** How the terminal front end words and draws things. Pure. */

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColour(isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return isTTY && env.TERM !== 'dumb';
}

export type Colour = 'green' | 'red' | 'yellow' | 'dim' | 'bold' | 'cyan';

const CODES: Record<Colour, [number, number]> = {
  green: [32, 39],
  red: [31, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22]
};

export type Paint = (colour: Colour, text: string) => string;

export function painter(enabled: boolean): Paint {
  return (colour, text) => (enabled ? `\x1b[${CODES[colour][0]}m${text}\x1b[${CODES[colour][1]}m` : text);
}

/** 0.4 s, 12.3 s, 2 min 05 s, 1 h 02 min. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** 512 B, 3.4 KiB, 12.0 MiB, 1.25 GiB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit >= 2 ? 2 : 1)} ${units[unit]}`;
}

/** A bar of `width` cells for a fraction from 0 to 1. */
export function bar(fraction: number, width: number): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(clamped * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
}

export interface Meter {
  label: string;
  done: number;
  total?: number;
  /** 'bytes' shows sizes and a rate; 'count' shows n/total. */
  unit: 'bytes' | 'count';
}

/**
 * One line for a download or a clone stage:
 * `Xtensa toolchain  ████░░░░  45%  12.0 MiB / 26.6 MiB  3.1 MiB/s`.
 */
export function meterLine(meter: Meter, elapsedMs: number, barWidth = 24): string {
  const parts = [meter.label];
  const known = meter.total !== undefined && meter.total > 0;
  if (known) {
    const fraction = meter.done / meter.total!;
    parts.push(bar(fraction, barWidth), `${String(Math.floor(fraction * 100)).padStart(3)}%`);
  }
  if (meter.unit === 'bytes') {
    parts.push(known ? `${formatBytes(meter.done)} / ${formatBytes(meter.total!)}` : formatBytes(meter.done));
    if (elapsedMs >= 500) parts.push(`${formatBytes(Math.round((meter.done * 1000) / elapsedMs))}/s`);
  } else if (known) {
    parts.push(`${meter.done}/${meter.total}`);
  }
  return parts.join('  ');
}

export interface GitProgress {
  stage: string;
  percent: number;
  done: number;
  total: number;
}

/**
 * A progress line of `git clone --progress` / `git fetch --progress`, e.g.
 * `Receiving objects:  45% (123/273), 1.20 MiB | 2.00 MiB/s` or
 * `remote: Counting objects: 100% (10/10), done.`; undefined otherwise.
 */
export function parseGitProgress(line: string): GitProgress | undefined {
  const m = /^(?:remote:\s*)?([A-Z][A-Za-z ]+):\s+(\d{1,3})% \((\d+)\/(\d+)\)/.exec(line.trim());
  if (!m) return undefined;
  return { stage: m[1], percent: Number(m[2]), done: Number(m[3]), total: Number(m[4]) };
}

const ESC = String.fromCharCode(27);
/** An escape sequence (a colour or style), or one code point. */
const PIECE = new RegExp(`${ESC}\\[[0-9;]*[A-Za-z]|[\\s\\S]`, 'gu');

/** Cut a line to the terminal's width (counting code points, not escape codes). */
export function fitWidth(line: string, columns: number): string {
  // Colour codes take no room on the screen: count only what shows.
  const pieces = line.match(PIECE) ?? [];
  const visible = pieces.filter((p) => !p.startsWith(ESC)).length;
  if (visible <= columns) return line;
  let kept = '';
  let shown = 0;
  for (const piece of pieces) {
    const escape = piece.startsWith(ESC);
    if (!escape && shown === Math.max(0, columns - 1)) break;
    kept += piece;
    if (!escape) shown++;
  }
  // A cut line may have left a style on: reset it, so the terminal is not left dim.
  return `${kept}…${pieces.length > visible ? '\x1b[0m' : ''}`;
}

/** Rows of label/value pairs, aligned. */
export function table(rows: [string, string][], indent = 2): string[] {
  const width = Math.max(0, ...rows.map(([label]) => label.length)) + 2;
  return rows.map(([label, value]) => `${' '.repeat(indent)}${label.padEnd(width)}${value}`);
}
