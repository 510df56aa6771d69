/**
 * What host flashing writes and how, from the build: the images with their
 * offsets, the flash mode, frequency and size, the chip and the resets. A
 * CMake build says it in flasher_args.json (what `idf.py flash` passes to
 * esptool); a legacy make build in the port Makefile's `deploy` recipe and
 * its variables. Pure: text in, a plan out.
 */
import path from 'node:path';

export type Before = 'default_reset' | 'usb_reset' | 'no_reset';
export type After = 'hard_reset' | 'no_reset';

/** The values esptool-js accepts for each choice (esptool's own, less what esptool-js cannot do). */
export const BEFORE: readonly Before[] = ['default_reset', 'usb_reset', 'no_reset'];
export const AFTER: readonly After[] = ['hard_reset', 'no_reset'];
export const FLASH_MODES = ['qio', 'qout', 'dio', 'dout', 'keep'] as const;
export const FLASH_SIZES = [
  'detect',
  'keep',
  '1MB',
  '2MB',
  '4MB',
  '8MB',
  '16MB',
  '32MB',
  '64MB',
  '128MB'
] as const;
const FLASH_FREQ = /^(keep|\d{2,3}m)$/;

/** esptool's own defaults: `write_flash` with no --flash_size detects it; reset before and after. */
const ESPTOOL_DEFAULTS = { flashSize: 'detect', before: 'default_reset', after: 'hard_reset' } as const;

export class FlashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlashError';
  }
}

export interface FlashImage {
  /** What it is: bootloader, partition-table, app, firmware… */
  name: string;
  offset: number;
  /** Relative to the build directory, as the build names it. */
  file: string;
}

/** What the user may change. */
export interface FlashOverrides {
  flashMode?: string;
  flashSize?: string;
  before?: Before;
  after?: After;
  /** Only the application image, at its offset. */
  appOnly?: boolean;
}

/** How the build says to write it. */
export interface WriteSettings {
  /** esptool's chip name: esp32, esp32s3… */
  chip: string;
  /** The file this was read from. */
  source: string;
  images: FlashImage[];
  flashMode: string;
  flashFreq: string;
  flashSize: string;
  before: Before;
  after: After;
  /** Compressed writes (esptool's -z, its default for write_flash). */
  compress: true;
  /** Each image's MD5 checked against the flash after it is written. */
  verify: 'md5';
  appOnly: boolean;
  notes: string[];
}

/** `0x1000` → 4096. */
export function parseOffset(text: unknown, where: string): number {
  if (typeof text !== 'string' || !/^0x[0-9a-f]+$/i.test(text.trim())) {
    throw new FlashError(`${where}: '${String(text)}' is not a flash offset such as 0x10000.`);
  }
  return Number.parseInt(text.trim(), 16);
}

export function hex(offset: number): string {
  return `0x${offset.toString(16)}`;
}

/** esptool v5 spells the resets with hyphens; esptool-js with underscores. */
function resetName(value: string): string {
  return value.trim().replace(/-/g, '_');
}

/** Why a value is not one of `allowed`, or undefined. Pure. */
export function choiceProblem(option: string, value: string, allowed: readonly string[]): string | undefined {
  return allowed.includes(value)
    ? undefined
    : `${option} must be one of ${allowed.join(', ')} (got '${value}').`;
}

function checked<T extends string>(value: string, allowed: readonly T[], where: string): T {
  const problem = choiceProblem(where, value, allowed);
  if (problem) throw new FlashError(problem);
  return value as T;
}

/** A file the build names must stay inside its build directory. */
function relativeFile(file: unknown, where: string): string {
  if (typeof file !== 'string' || !file.trim()) throw new FlashError(`${where}: no file named.`);
  const normal = path.posix.normalize(file.trim().replace(/\\/g, '/'));
  if (path.posix.isAbsolute(normal) || normal === '..' || normal.startsWith('../')) {
    throw new FlashError(`${where}: '${file}' is outside the build directory; refusing to write it.`);
  }
  return normal;
}

function objectAt(json: Record<string, unknown>, key: string, source: string): Record<string, unknown> {
  const value = json[key];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FlashError(
      `${source} has no "${key}" object. Is it a flasher_args.json written by an ESP-IDF build? Build again.`
    );
  }
  return value as Record<string, unknown>;
}

/** The entries of flasher_args.json that name an image ("app", "bootloader", …), by offset. */
function namedEntries(json: Record<string, unknown>): Map<number, { name: string; encrypted: boolean }> {
  const names = new Map<number, { name: string; encrypted: boolean }>();
  for (const [name, value] of Object.entries(json)) {
    if (typeof value !== 'object' || value === null) continue;
    const entry = value as Record<string, unknown>;
    if (typeof entry.offset !== 'string' || typeof entry.file !== 'string') continue;
    const offset = Number.parseInt(entry.offset, 16);
    if (Number.isFinite(offset)) names.set(offset, { name, encrypted: String(entry.encrypted) === 'true' });
  }
  return names;
}

/** Overrides applied to what the build says; the notes say what changed. */
function applyOverrides(base: WriteSettings, overrides: FlashOverrides): WriteSettings {
  const plan = { ...base, notes: [...base.notes] };
  const change = (key: 'flashMode' | 'flashSize', option: string, value: string | undefined) => {
    if (value === undefined || value === plan[key]) return;
    plan.notes.push(`${option} ${value} given (the build says ${plan[key]})`);
    plan[key] = value;
  };
  change('flashMode', '--flash-mode', overrides.flashMode);
  change('flashSize', '--flash-size', overrides.flashSize);
  if (overrides.before) plan.before = overrides.before;
  if (overrides.after) plan.after = overrides.after;
  return plan;
}

/** The plan of a CMake build, from its flasher_args.json (what `idf.py flash` writes). Pure. */
export function planFromFlasherArgs(
  text: string,
  source: string,
  buildChip: string,
  overrides: FlashOverrides = {}
): WriteSettings {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new FlashError(`${source} is not valid JSON (${(error as Error).message}). Build again.`);
  }
  const files = objectAt(json, 'flash_files', source);
  const settings = objectAt(json, 'flash_settings', source);
  const extra = (json.extra_esptool_args ?? {}) as Record<string, unknown>;
  const names = namedEntries(json);
  const images = Object.entries(files)
    .map(([offset, file]) => {
      const at = parseOffset(offset, `${source} flash_files`);
      const entry = names.get(at);
      if (entry?.encrypted) {
        throw new FlashError(
          `${source}: ${entry.name} is to be written encrypted (flash encryption in development mode), which host flashing does not do. Use --flasher container.`
        );
      }
      return {
        name: entry?.name ?? path.posix.basename(String(file)),
        offset: at,
        file: relativeFile(file, source)
      };
    })
    .sort((a, b) => a.offset - b.offset);
  if (images.length === 0) throw new FlashError(`${source} names no image to write. Build again.`);
  const chip = typeof extra.chip === 'string' && extra.chip ? extra.chip : buildChip;
  const str = (value: unknown, fallback: string) => (typeof value === 'string' && value ? value : fallback);
  const notes: string[] = [];
  if (extra.stub === false) {
    notes.push('the build asks for no flasher stub (CONFIG_ESPTOOLPY_NO_STUB); esptool-js uploads its stub');
  }
  const base: WriteSettings = {
    chip,
    source,
    images,
    flashMode: checked(str(settings.flash_mode, 'keep'), FLASH_MODES, `${source} flash_mode`),
    flashFreq: flashFreq(str(settings.flash_freq, 'keep'), source),
    flashSize: checked(str(settings.flash_size, 'detect'), FLASH_SIZES, `${source} flash_size`),
    before: checked(resetName(str(extra.before, ESPTOOL_DEFAULTS.before)), BEFORE, `${source} before`),
    after: checked(resetName(str(extra.after, ESPTOOL_DEFAULTS.after)), AFTER, `${source} after`),
    compress: true,
    verify: 'md5',
    appOnly: false,
    notes
  };
  const plan = applyOverrides(base, overrides);
  if (!overrides.appOnly) return plan;
  const app = json.app as Record<string, unknown> | undefined;
  if (!app || typeof app !== 'object') {
    throw new FlashError(
      `${source} has no "app" entry, so the application image is not known. Flash it whole.`
    );
  }
  const image = {
    name: 'app',
    offset: parseOffset(app.offset, `${source} app`),
    file: relativeFile(app.file, source)
  };
  return { ...plan, images: [image], appOnly: true };
}

function flashFreq(value: string, source: string): string {
  if (!FLASH_FREQ.test(value))
    throw new FlashError(`${source}: '${value}' is not a flash frequency such as 40m.`);
  return value;
}
