/**
 * Readers: the ESP-IDF refs a MicroPython tree names, file by file (the
 * component lockfiles, tools/ci.sh, the port Makefile, the CI workflow and
 * the port README), each with where it was found.
 */
import { idfTagFor, idfVersionOfRef, parseIdfVersion, type IdfVersion } from '../../idf-versions.js';
import { LOCKFILE_PREFIX, TREE_FILES, type TreeSnapshot } from './model.js';

export interface NamedRef {
  ref: string;
  /** What the ref stands for, when it can be told. */
  version: IdfVersion | null;
  source: string;
  experimental?: boolean;
}

/**
 * ESP-IDF's own spelling of a version tag: always a leading v, and no `.0`
 * patch level (the tag of 5.2.0 is v5.2; there is no v5.2.0).
 */
export function idfTagSpelling(ref: string): string {
  const zero = /^v?(\d+)\.(\d+)\.0((?:-[A-Za-z0-9]+)?)$/.exec(ref);
  if (zero) return `v${zero[1]}.${zero[2]}${zero[3]}`;
  return /^\d+\.\d+/.test(ref) ? `v${ref}` : ref;
}

/** A ref as the tree names it, in ESP-IDF's spelling; `hint` is its version when the ref cannot tell (a hash). */
export function named(
  name: string,
  source: string,
  hint?: IdfVersion | null,
  experimental?: boolean
): NamedRef {
  const ref = idfTagSpelling(name);
  const entry: NamedRef = { ref, version: idfVersionOfRef(ref) ?? hint ?? null, source };
  if (experimental) entry.experimental = true;
  return entry;
}

/** The `idf:` entry's version in an ESP-IDF component lockfile. */
export function lockfileIdfVersion(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((line) => /^\s*idf:\s*$/.test(line));
  if (start < 0) return undefined;
  const indent = (line: string): number => line.length - line.trimStart().length;
  const base = indent(lines[start]);
  for (const line of lines.slice(start + 1)) {
    if (!line.trim()) continue;
    if (indent(line) <= base) break;
    const m = /^\s*version:\s*['"]?([^'"\s]+)['"]?\s*$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/** The lockfile of the board's chip first, then esp32's, then any other. */
export function lockfilePins(snapshot: TreeSnapshot, chip: string): NamedRef[] {
  const lockfiles = Object.keys(snapshot.files)
    .filter((path) => path.startsWith(LOCKFILE_PREFIX) && snapshot.files[path] !== undefined)
    .sort();
  const preferred = [`${LOCKFILE_PREFIX}${chip}`, `${LOCKFILE_PREFIX}esp32`, ...lockfiles];
  for (const path of preferred) {
    const raw = lockfileIdfVersion(snapshot.files[path]);
    if (!raw) continue;
    const version = parseIdfVersion(raw);
    return [named(version ? idfTagFor(version) : raw, path)];
  }
  return [];
}

/** What tools/ci.sh sets up, in order of authority. */
export function ciShPins(text: string | undefined): { pinned: NamedRef[]; helpers: NamedRef[] } {
  const source = TREE_FILES.ciSh;
  if (!text) return { pinned: [], helpers: [] };
  const pinned: NamedRef[] = [];
  // v1.22 to v1.26.0: a literal `IDF_VER=v5.0.4` (later releases compute it from the lockfile).
  const idfVer =
    /^\s*(?:export\s+)?IDF_VER=["']?(v?\d+\.\d+(?:\.\d+)?(?:-[A-Za-z0-9.]+)?)["']?\s*(?:#.*)?$/m.exec(text);
  if (idfVer) pinned.push(named(idfVer[1], `${source} (IDF_VER)`));
  // v1.21: `git -C esp-idf checkout v5.0.2` (v1.15 to v1.20 check out `$1`, skipped here).
  for (const m of text.matchAll(/git\s+-C\s+esp-idf\s+checkout\s+([A-Za-z0-9][^\s;"'$]*)/g)) {
    pinned.push(named(m[1], `${source} (git checkout)`));
  }
  // v1.15 to v1.20: `ci_esp32_setup_helper v4.0.2` inside `ci_esp32_idfNN_setup` functions.
  const helpers: NamedRef[] = [];
  const functions = [...text.matchAll(/function\s+ci_esp32_idf(\d+)_setup\b/g)].map((m) => ({
    at: m.index ?? 0,
    digits: m[1]
  }));
  for (const m of text.matchAll(/ci_esp32_setup_helper\s+([A-Za-z0-9][^\s;"'$]*)/g)) {
    const at = m.index ?? 0;
    const inside = functions.filter((fn) => fn.at < at).pop();
    helpers.push(
      named(m[1], `${source} (ci_esp32_setup_helper)`, inside ? versionFromDigits(inside.digits) : null)
    );
  }
  return { pinned, helpers };
}

/** `44` → v4.4-dev, `402` → v4.0.2-dev: the version a ci.sh function is named after. */
function versionFromDigits(digits: string): IdfVersion | null {
  if (digits.length < 2) return null;
  const patch = digits.length > 2 ? Number(digits.slice(2)) : 0;
  return {
    major: Number(digits[0]),
    minor: Number(digits[1]),
    patch,
    patchGiven: digits.length > 2,
    pre: 'dev',
    branch: false
  };
}

export interface MakefilePins {
  v3?: NamedRef;
  v4?: NamedRef;
  single?: NamedRef;
}

/** The ESP-IDF commits the legacy Makefile (v1.9.4 to v1.14) checks out; the v4 one is experimental. */
export function makefilePins(text: string | undefined): MakefilePins {
  if (!text) return {};
  const pins: MakefilePins = {};
  const hash = (name: string): string | undefined =>
    new RegExp(`^\\s*${name}\\s*:?=\\s*([0-9a-fA-F]{7,40})\\s*$`, 'm').exec(text)?.[1].toLowerCase();
  // The Makefile's own label: `$(info Supported git hash (v3.3): $(ESPIDF_SUPHASH_V3))`.
  const label = (name: string): IdfVersion | null => {
    const m = new RegExp(`\\((v\\d+\\.\\d+[^)]*)\\)[^\\n]*\\$\\(${name}\\)`).exec(text);
    return m ? parseIdfVersion(m[1]) : null;
  };
  const v3 = hash('ESPIDF_SUPHASH_V3');
  const v4 = hash('ESPIDF_SUPHASH_V4');
  const single = hash('ESPIDF_SUPHASH');
  const where = TREE_FILES.makefile;
  if (v3) pins.v3 = named(v3, `${where} (ESPIDF_SUPHASH_V3)`, label('ESPIDF_SUPHASH_V3'));
  if (v4) pins.v4 = named(v4, `${where} (ESPIDF_SUPHASH_V4)`, label('ESPIDF_SUPHASH_V4'), true);
  if (single) pins.single = named(single, `${where} (ESPIDF_SUPHASH)`);
  return pins;
}

/** The oldest and newest ESP-IDF MicroPython's CI workflow builds with. */
export function workflowPins(text: string | undefined): { oldest?: NamedRef; newest?: NamedRef } {
  if (!text) return {};
  const value = (name: string): string | undefined =>
    new RegExp(`^\\s*${name}:\\s*(?:&[\\w-]+\\s+)?["']?(v?\\d+\\.\\d+[^"'\\s]*)["']?`, 'm').exec(text)?.[1];
  const out: { oldest?: NamedRef; newest?: NamedRef } = {};
  const oldest = value('IDF_OLDEST_VER');
  const newest = value('IDF_NEWEST_VER');
  if (oldest) out.oldest = named(oldest, `${TREE_FILES.workflow} (IDF_OLDEST_VER)`);
  if (newest) out.newest = named(newest, `${TREE_FILES.workflow} (IDF_NEWEST_VER)`);
  return out;
}

/**
 * The versions ports/esp32/README.md says are supported: the `vX.Y[.Z]` words
 * of the paragraphs that say "supports" or name the recommended version.
 * Versions inside links (`/en/v4.0/get-started`) are not counted.
 */
export function readmeIdfVersions(text: string | undefined): string[] {
  if (!text) return [];
  const found: string[] = [];
  for (const paragraph of text.split(/\r?\n\s*\r?\n/)) {
    if (!/\bsupports\b|recommended version/i.test(paragraph)) continue;
    for (const m of paragraph.matchAll(/(?<![\w/.-])v(\d+)\.(\d+)(?:\.(\d+))?(?![\w/-]|\.\d)/g)) {
      if (!found.includes(m[0])) found.push(m[0]);
    }
  }
  return found;
}
