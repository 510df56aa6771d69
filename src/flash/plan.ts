/**
 * The host flash step as data: what a dry run prints and what the host
 * flasher executes. Pure.
 */
import path from 'node:path';
import { formatArgv } from '../exec.js';
import { hex, type After, type Before, type WriteSettings } from './flash-args.js';

/** The ROM loader's baud rate before the flasher changes it. */
export const ROM_BAUD = 115200;

export interface HostFlashPlan {
  kind: 'write' | 'erase';
  /** The serial port as the host names it: /dev/ttyUSB0, /dev/cu.usbserial-0001, COM3, /dev/pts/3. */
  port: string;
  baud: number;
  romBaud: number;
  /** The chip the build is for (esptool's name); the board must be one. Unset: any chip. */
  chip?: string;
  before: Before;
  after: After;
  /** Write: the build directory the images are in, and what to write. */
  buildDir?: string;
  write?: WriteSettings;
  /** Write, before the build has said what to write: where it will be read after the build. */
  pending?: string;
}

/** On a pseudo-terminal no reset can be done: it has no DTR and RTS lines. Pure. */
export function resetsFor(
  plan: Pick<HostFlashPlan, 'before' | 'after' | 'port'>,
  pty: boolean
): { before: Before; after: After; note?: string } {
  if (!pty) return { before: plan.before, after: plan.after };
  const asked = plan.before !== 'no_reset' || plan.after !== 'no_reset';
  return {
    before: 'no_reset',
    after: 'no_reset',
    note: asked
      ? `${plan.port} is a pseudo-terminal, which cannot carry DTR/RTS: no reset before or after (--before no_reset --after no_reset); the board must already wait in its bootloader.`
      : undefined
  };
}

/** The plan of a write: the build's settings, with the resets the build asks for or the user chose. */
export function writePlan(
  base: Pick<HostFlashPlan, 'port' | 'baud' | 'chip'>,
  buildDir: string,
  write: WriteSettings
): HostFlashPlan {
  return {
    kind: 'write',
    ...base,
    romBaud: ROM_BAUD,
    chip: write.chip,
    before: write.before,
    after: write.after,
    buildDir,
    write
  };
}

/**
 * The esptool.py command line that writes (or erases) what the plan does:
 * the same images, offsets, settings and resets. Pure.
 */
export function esptoolArgs(plan: HostFlashPlan, pty = false): string[] {
  const { before, after } = resetsFor(plan, pty);
  const head = ['--chip', plan.chip ?? 'auto', '--port', plan.port, '--baud', String(plan.baud)];
  const resets = ['--before', before, '--after', after];
  if (plan.kind === 'erase') return [...head, ...resets, 'erase_flash'];
  if (!plan.write) return [...head, ...resets, 'write_flash', '-z'];
  const w = plan.write;
  return [
    ...head,
    ...resets,
    'write_flash',
    '-z',
    ...['--flash_mode', w.flashMode, '--flash_freq', w.flashFreq, '--flash_size', w.flashSize],
    ...w.images.flatMap((image) => [hex(image.offset), path.join(plan.buildDir ?? '', image.file)])
  ];
}

/** The plan's lines, for a dry run (prefixed with '#') and for the run's log. Pure. */
export function hostFlashLines(plan: HostFlashPlan, pty = false, resetNote = true): string[] {
  const resets = resetsFor(plan, pty);
  const lines = [
    `${plan.kind === 'erase' ? 'Erase the whole flash' : 'Write the firmware'} from this machine (esptool-js over serialport), no container`,
    `  port ${plan.port}, ${plan.romBaud} baud to connect, then ${plan.baud}${plan.chip ? `; chip must be ${plan.chip}` : ''}`,
    `  reset before: ${resets.before}, after: ${resets.after}`
  ];
  if (resets.note && resetNote) lines.push(`  note: ${resets.note}`);
  if (plan.kind === 'erase') return lines;
  if (!plan.write) {
    lines.push(`  images: ${plan.pending ?? 'unknown until the build'}`);
    return lines;
  }
  const w = plan.write;
  lines.push(
    `  from ${w.source}${w.appOnly ? ' (the application only)' : ''}`,
    `  flash mode ${w.flashMode}, frequency ${w.flashFreq}, size ${w.flashSize}; compressed; each image verified by MD5`,
    ...w.images.map(
      (image) => `  ${hex(image.offset).padEnd(9)} ${path.join(plan.buildDir ?? '', image.file)}`
    ),
    ...w.notes.map((note) => `  note: ${note}`),
    `  as esptool.py would: ${formatArgv('esptool.py', esptoolArgs(plan, pty))}`
  );
  return lines;
}
