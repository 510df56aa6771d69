/**
 * The resolver: from the files of a MicroPython tree (read beforehand by
 * `readTreeSnapshot`) and the action's inputs to everything the build needs
 * to know: the ESP-IDF ref and the others the tree supports, the build system,
 * the standalone toolchain of legacy builds, the board, its chip and where the
 * firmware will appear.
 *
 * Pure: no file system, no processes. Every decision is made from the snapshot.
 */
import {
  chipSupport,
  CHIP_SUPPORT,
  compareIdfVersions,
  findKnownIdfCommit,
  idfTagFor,
  idfVersionOfRef,
  isCommitHash,
  parseIdfVersion,
  sameIdfVersion,
  type IdfVersion
} from '../idf-versions.js';
import {
  findToolchainByUrl,
  toolchainForIdf,
  toolchainVersionFromUrl,
  type ToolchainSpec
} from '../toolchains.js';

export type { ToolchainSpec } from '../toolchains.js';

export type BuildSystem = 'make' | 'cmake';

/** What `readTreeSnapshot` read from a MicroPython tree. */
export interface TreeSnapshot {
  /** File text by path relative to the tree root (forward slashes); undefined when missing. */
  files: Record<string, string | undefined>;
  /** Directories under ports/esp32/boards: the text of their mpconfigboard.cmake and their variant names. */
  boards: Record<string, { cmake?: string; variants: string[] }>;
  hasBoardsDir: boolean;
  /** `git describe --tags` of the tree, when it is a git checkout. */
  gitDescribe?: string;
}

export interface ResolveOptions {
  /** 'auto', or an ESP-IDF tag, branch or commit. */
  idfVersion: string;
  board?: string;
  boardVariant?: string;
  toolchainUrl?: string;
  toolchainSha256?: string;
}

export interface Resolution {
  /** e.g. '1.24.1'; the tree's own version header wins over git describe. */
  micropythonVersion: string | null;
  buildSystem: BuildSystem;
  /** pinSource: where `ref` came from, e.g. 'tools/ci.sh (IDF_VER)', 'input'. */
  idf: { ref: string; supported: string[]; pinSource: string };
  /** The standalone toolchain; null for CMake builds (ESP-IDF installs its own). */
  toolchain: ToolchainSpec | null;
  /** '' for trees older than v1.12, which have no boards. */
  board: string;
  boardVariant?: string;
  boards: string[];
  chips: string[];
  /** Relative to the tree root. */
  buildDir: string;
  /** Whether `make -C ports/esp32 submodules` exists. */
  portSubmodules: boolean;
  warnings: string[];
}

export class ResolveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResolveError';
  }
}

/** The files the resolver reads, by role. */
export const TREE_FILES = {
  mpconfig: 'py/mpconfig.h',
  docsConf: 'docs/conf.py',
  makefile: 'ports/esp32/Makefile',
  cmakeLists: 'ports/esp32/CMakeLists.txt',
  ciSh: 'tools/ci.sh',
  readme: 'ports/esp32/README.md',
  workflow: '.github/workflows/ports_esp32.yml',
  mkrules: 'py/mkrules.mk'
} as const;

export const PORT_DIR = 'ports/esp32';
export const BOARDS_DIR = 'ports/esp32/boards';
export const LOCKFILE_PREFIX = 'ports/esp32/lockfiles/dependencies.lock.';

/** Board and variant names reach make's command line: nothing but these characters. */
export const BOARD_NAME_RE = /^[A-Za-z0-9_]+$/;

// ---------------------------------------------------------------------------
// MicroPython version

function versionFromHeader(text: string | undefined): string | null {
  if (!text) return null;
  const define = (name: string): string | undefined =>
    new RegExp(`^\\s*#define\\s+MICROPY_VERSION_${name}\\s+\\(?(\\d+)\\)?`, 'm').exec(text)?.[1];
  const major = define('MAJOR');
  const minor = define('MINOR');
  const micro = define('MICRO');
  if (major === undefined || minor === undefined || micro === undefined) return null;
  const pre = define('PRERELEASE');
  return `${major}.${minor}.${micro}${pre !== undefined && pre !== '0' ? '-preview' : ''}`;
}

function versionFromDocsConf(text: string | undefined): string | null {
  if (!text) return null;
  const m = /^\s*(?:version\s*=\s*)?release\s*=\s*['"]v?(\d+\.\d+(?:\.\d+)?)['"]/m.exec(text);
  return m ? threePart(m[1]) : null;
}

function versionFromDescribe(text: string | undefined): string | null {
  if (!text) return null;
  const m = /^v?(\d+\.\d+(?:\.\d+)?)(-preview)?/.exec(text.trim());
  return m ? `${threePart(m[1])}${m[2] ?? ''}` : null;
}

function threePart(version: string): string {
  return version.split('.').length === 2 ? `${version}.0` : version;
}

export function micropythonVersionOf(snapshot: TreeSnapshot): string | null {
  return (
    versionFromHeader(snapshot.files[TREE_FILES.mpconfig]) ??
    versionFromDocsConf(snapshot.files[TREE_FILES.docsConf]) ??
    versionFromDescribe(snapshot.gitDescribe)
  );
}

// ---------------------------------------------------------------------------
// ESP-IDF refs the tree names

interface NamedRef {
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

function named(name: string, source: string, hint?: IdfVersion | null, experimental?: boolean): NamedRef {
  const ref = idfTagSpelling(name);
  const entry: NamedRef = { ref, version: idfVersionOfRef(ref) ?? hint ?? null, source };
  if (experimental) entry.experimental = true;
  return entry;
}

/** Newest first; refs whose version is unknown go last, in the order found. */
function newestFirst(refs: NamedRef[]): NamedRef[] {
  return refs
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => {
      const va = a.entry.version;
      const vb = b.entry.version;
      if (va && vb) return compareIdfVersions(vb, va) || a.index - b.index;
      if (va) return -1;
      if (vb) return 1;
      return a.index - b.index;
    })
    .map(({ entry }) => entry);
}

function dedupeKey(entry: NamedRef): string {
  if (isCommitHash(entry.ref)) return `hash:${entry.ref.toLowerCase()}`;
  const v = entry.version;
  if (!v) return `ref:${entry.ref}`;
  return `v:${v.major}.${v.minor}.${v.patch}-${v.pre ?? ''}-${v.branch}`;
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

function fromLockfile(snapshot: TreeSnapshot, chip: string): NamedRef[] {
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
function fromCiSh(text: string | undefined): { pinned: NamedRef[]; helpers: NamedRef[] } {
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

interface MakefilePins {
  v3?: NamedRef;
  v4?: NamedRef;
  single?: NamedRef;
}

function fromMakefile(text: string | undefined): MakefilePins {
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

function fromWorkflow(text: string | undefined): { oldest?: NamedRef; newest?: NamedRef } {
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

// ---------------------------------------------------------------------------
// Boards

function boardNames(snapshot: TreeSnapshot): string[] {
  return Object.keys(snapshot.boards)
    .filter((name) => BOARD_NAME_RE.test(name))
    .sort();
}

const CMAKE_VAR_PATH = /^\$\{(MICROPY_BOARD_DIR|MICROPY_PORT_DIR|CMAKE_CURRENT_LIST_DIR)\}\/?/;

/** The IDF_TARGET a board's cmake text sets, following include()s of files the snapshot holds. */
function cmakeTarget(
  snapshot: TreeSnapshot,
  board: string,
  text: string | undefined,
  depth = 0
): string | undefined {
  if (!text || depth > 4) return undefined;
  const direct = /^\s*set\s*\(\s*IDF_TARGET\s+"?([A-Za-z0-9_]+)"?\s*\)/m.exec(text);
  if (direct) return direct[1];
  for (const m of text.matchAll(/^\s*include\s*\(\s*"?([^")\s]+)"?/gm)) {
    const raw = m[1];
    const base = raw.split('/').pop() ?? raw;
    const varMatch = CMAKE_VAR_PATH.exec(raw);
    const rest = raw.replace(CMAKE_VAR_PATH, '');
    const candidates =
      varMatch?.[1] === 'MICROPY_BOARD_DIR' || varMatch?.[1] === 'CMAKE_CURRENT_LIST_DIR'
        ? [`${BOARDS_DIR}/${board}/${rest}`]
        : [`${PORT_DIR}/${rest}`, `${BOARDS_DIR}/${board}/${base}`, `${BOARDS_DIR}/${base}`];
    const path = candidates.find((candidate) => snapshot.files[candidate] !== undefined);
    const nested = path ? cmakeTarget(snapshot, board, snapshot.files[path], depth + 1) : undefined;
    if (nested) return nested;
    const byName = /mpconfigboard_(esp32[a-z0-9]*)_common\.cmake$/.exec(base);
    if (byName) return byName[1];
  }
  return undefined;
}

function boardVariants(snapshot: TreeSnapshot, board: string): string[] {
  const entry = snapshot.boards[board];
  const names = new Set(entry?.variants ?? []);
  // v1.21 to v1.23 define variants inside mpconfigboard.cmake.
  for (const m of (entry?.cmake ?? '').matchAll(/MICROPY_BOARD_VARIANT\s+STREQUAL\s+"?([A-Za-z0-9_]+)"?/g)) {
    names.add(m[1]);
  }
  return [...names].filter((name) => BOARD_NAME_RE.test(name)).sort();
}

function renameHint(board: string, boards: string[]): string {
  if (boards.includes(`ESP32_${board}`))
    return ` Boards were renamed in MicroPython v1.21: try ESP32_${board}.`;
  const spiram = /^GENERIC_(SPIRAM|D2WD|OTA|UNICORE)$/.exec(board);
  if (spiram && boards.includes('ESP32_GENERIC')) {
    return ` Since MicroPython v1.21 this is board ESP32_GENERIC with board-variant ${spiram[1]}.`;
  }
  const old = /^ESP32_(GENERIC\w*)$/.exec(board);
  if (old && boards.includes(old[1]))
    return ` This MicroPython predates the v1.21 board names: try ${old[1]}.`;
  return '';
}

function checkName(kind: 'board' | 'board-variant', value: string): void {
  if (!BOARD_NAME_RE.test(value)) {
    throw new ResolveError(`Invalid ${kind} "${value}": only letters, digits and underscores are allowed.`);
  }
}

// ---------------------------------------------------------------------------
// Explicit ESP-IDF refs

const REF_RE = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

function normaliseInputRef(input: string): string {
  const ref = input.trim();
  if (
    !REF_RE.test(ref) ||
    ref.includes('..') ||
    ref.endsWith('/') ||
    ref.endsWith('.lock') ||
    ref.includes('//')
  ) {
    throw new ResolveError(
      `Invalid idf-version "${input}": give 'auto', an ESP-IDF tag (v5.2.2), a branch (release/v5.2) or a commit hash.`
    );
  }
  // An abbreviated hash of a commit MicroPython pinned: the full hash, which a shallow fetch needs.
  const known = findKnownIdfCommit(ref);
  if (known) return known.commit;
  // `5.2.2` means the tag v5.2.2, and `v5.2.0` the tag v5.2.
  return /^v?\d+\.\d+\.\d+(?:-[A-Za-z0-9]+)?$|^\d+\.\d+(?:-[A-Za-z0-9]+)?$/.test(ref)
    ? idfTagSpelling(ref)
    : ref;
}

/** The version a ref is exactly (a tag, or a pinned commit that is a tag), for comparing with the supported list. */
function exactVersion(ref: string): IdfVersion | null {
  const known = findKnownIdfCommit(ref);
  if (known) return known.describe === known.version ? parseIdfVersion(known.version) : null;
  return parseIdfVersion(ref);
}

function sameRef(a: string, b: string): boolean {
  if (a.toLowerCase() === b.toLowerCase()) return true;
  if (isCommitHash(a) && isCommitHash(b)) {
    const [x, y] = [a.toLowerCase(), b.toLowerCase()];
    return x.startsWith(y) || y.startsWith(x);
  }
  const va = exactVersion(a);
  const vb = exactVersion(b);
  return va !== null && vb !== null && sameIdfVersion(va, vb);
}

function describeRef(ref: string): string {
  const known = findKnownIdfCommit(ref);
  return known ? `${ref.slice(0, 10)} (${known.describe})` : ref;
}

// ---------------------------------------------------------------------------
// The resolver

export function resolveTree(snapshot: TreeSnapshot, options: ResolveOptions): Resolution {
  const files = snapshot.files;
  const makefile = files[TREE_FILES.makefile];
  const cmakeLists = files[TREE_FILES.cmakeLists];
  if (makefile === undefined && cmakeLists === undefined) {
    throw new ResolveError(
      `No ESP32 port found: looked for ${TREE_FILES.makefile} (and ${TREE_FILES.cmakeLists}) in the MicroPython tree. ` +
        'Either this is not a MicroPython checkout, or it is older than v1.9.4, the first release with ports/esp32. ' +
        'MicroPython v1.9.4 or later is needed.'
    );
  }
  const warnings: string[] = [];
  const micropythonVersion = micropythonVersionOf(snapshot);
  const buildSystem: BuildSystem = cmakeLists !== undefined ? 'cmake' : 'make';
  const mk = makefile ?? '';

  // --- board, variant, chip --------------------------------------------------
  const boards = boardNames(snapshot);
  const boardless = buildSystem === 'make' && !/^\s*BOARD\s*\?=/m.test(mk);
  const requestedBoard = options.board?.trim() ?? '';
  const requestedVariant = options.boardVariant?.trim() ?? '';
  if (requestedBoard) checkName('board', requestedBoard);
  if (requestedVariant) checkName('board-variant', requestedVariant);

  let board = '';
  let boardVariant: string | undefined;
  let chip = 'esp32';
  if (boardless) {
    if (requestedBoard && requestedBoard !== 'GENERIC') {
      throw new ResolveError(
        `Board "${requestedBoard}" cannot be built: this MicroPython (${micropythonVersion ?? 'unknown version'}) predates ` +
          'board definitions (added in v1.12) and only builds its one default configuration. Leave board empty.'
      );
    }
    if (requestedVariant) {
      throw new ResolveError(
        'board-variant needs MicroPython v1.21 or later; this tree has no boards at all.'
      );
    }
  } else {
    if (boards.length === 0) {
      throw new ResolveError(`No boards found: ${BOARDS_DIR} has no board directories.`);
    }
    const makeDefault = /^\s*BOARD\s*\?=\s*([A-Za-z0-9_]+)\s*$/m.exec(mk)?.[1];
    const fallback = [makeDefault, 'ESP32_GENERIC', 'GENERIC'].find(
      (name) => name !== undefined && boards.includes(name)
    );
    board = requestedBoard || fallback || '';
    if (!board) {
      throw new ResolveError(
        `No default board (ESP32_GENERIC or GENERIC) in this tree; choose one of: ${boards.join(', ')}.`
      );
    }
    if (!boards.includes(board)) {
      throw new ResolveError(
        `Board "${board}" does not exist in this MicroPython tree (no ${BOARDS_DIR}/${board}). ` +
          `Boards: ${boards.join(', ')}.${renameHint(board, boards)}`
      );
    }
    if (requestedVariant) {
      if (!mk.includes('BOARD_VARIANT')) {
        throw new ResolveError(
          `board-variant "${requestedVariant}" cannot be used: this MicroPython's ${TREE_FILES.makefile} has no BOARD_VARIANT (added in v1.21).`
        );
      }
      const variants = boardVariants(snapshot, board);
      if (!variants.includes(requestedVariant)) {
        throw new ResolveError(
          variants.length
            ? `Board ${board} has no variant "${requestedVariant}". Variants: ${variants.join(', ')}.`
            : `Board ${board} has no variants; leave board-variant empty.`
        );
      }
      boardVariant = requestedVariant;
    }
    const variantFile = boardVariant
      ? files[`${BOARDS_DIR}/${board}/mpconfigvariant_${boardVariant}.cmake`]
      : undefined;
    chip =
      cmakeTarget(snapshot, board, variantFile) ??
      cmakeTarget(snapshot, board, snapshot.boards[board]?.cmake) ??
      'esp32';
  }
  const chips = [chip];

  // --- ESP-IDF ---------------------------------------------------------------
  const lock = buildSystem === 'cmake' ? fromLockfile(snapshot, chip) : [];
  const ci = fromCiSh(files[TREE_FILES.ciSh]);
  const suphash = fromMakefile(makefile);
  const workflow = fromWorkflow(files[TREE_FILES.workflow]);
  const readme = readmeIdfVersions(files[TREE_FILES.readme]).map((ref) => named(ref, TREE_FILES.readme));
  const newestHelper = newestFirst(ci.helpers)[0];
  const newestCiPin = newestFirst(ci.pinned)[0];

  // Authority order for `auto`: the pin MicroPython's own CI builds with.
  const pin: NamedRef | undefined =
    lock[0] ?? newestCiPin ?? newestHelper ?? suphash.v3 ?? suphash.single ?? suphash.v4 ?? workflow.newest;

  const allNamed: NamedRef[] = [
    ...lock,
    ...ci.pinned,
    ...ci.helpers,
    ...[suphash.v3, suphash.single, suphash.v4, workflow.newest, workflow.oldest].filter(
      (entry): entry is NamedRef => entry !== undefined
    ),
    ...readme
  ];
  const seen = new Set<string>();
  const supportedNamed = newestFirst(allNamed).filter((entry) => {
    const key = dedupeKey(entry);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const supported = supportedNamed.map((entry) => entry.ref);

  let ref: string;
  let pinSource: string;
  const auto = !options.idfVersion || options.idfVersion.trim().toLowerCase() === 'auto';
  if (auto) {
    if (pin) {
      ref = pin.ref;
      pinSource = pin.source;
    } else if (readme.length) {
      const newest = newestFirst(readme)[0];
      ref = newest.ref;
      pinSource = TREE_FILES.readme;
      warnings.push(
        `No ESP-IDF pin found in this tree (looked in the ESP-IDF lockfiles, ${TREE_FILES.ciSh}, ${TREE_FILES.makefile} ` +
          `and ${TREE_FILES.workflow}); using ${ref}, the newest version ${TREE_FILES.readme} names. ` +
          'Set idf-version to choose another.'
      );
    } else {
      throw new ResolveError(
        `Cannot tell which ESP-IDF this MicroPython needs: no pin in the ESP-IDF lockfiles, ${TREE_FILES.ciSh}, ` +
          `${TREE_FILES.makefile} or ${TREE_FILES.workflow}, and ${TREE_FILES.readme} names no version. Set idf-version.`
      );
    }
  } else {
    ref = normaliseInputRef(options.idfVersion);
    pinSource = 'input';
    const given = options.idfVersion.trim();
    if (ref !== given && ref !== `v${given}` && !isCommitHash(given)) {
      warnings.push(`idf-version ${given} means the ESP-IDF tag ${ref} (ESP-IDF does not tag .0 releases).`);
    }
    const match = supportedNamed.find((entry) => sameRef(ref, entry.ref));
    if (!match) {
      warnings.push(
        supported.length
          ? `ESP-IDF ${ref} is not one this MicroPython names as supported (${supported.map(describeRef).join(', ')}); the build may fail.`
          : `ESP-IDF ${ref} was chosen, but this MicroPython names no supported ESP-IDF version to check it against.`
      );
    } else if (match.experimental) {
      warnings.push(`This MicroPython marks ESP-IDF ${describeRef(match.ref)} support as experimental.`);
    }
  }

  // --- chip support ----------------------------------------------------------
  const idfVersion =
    idfVersionOfRef(ref) ?? supportedNamed.find((entry) => sameRef(ref, entry.ref))?.version ?? null;
  for (const target of chips) {
    if (!idfVersion) {
      if (target !== 'esp32') {
        warnings.push(
          `Cannot tell which chips ESP-IDF ${ref} supports; assuming it can build for ${target}.`
        );
      }
      continue;
    }
    const level = chipSupport(target, idfVersion);
    if (level === 'unsupported') {
      const since = CHIP_SUPPORT[target]?.since;
      throw new ResolveError(
        `Board ${board || '(default)'} is for ${target}, which ESP-IDF ${describeRef(ref)} does not support` +
          `${since ? ` (${target} needs ESP-IDF ${since} or later)` : ''}. ` +
          (supported.length
            ? `This MicroPython names: ${supported.map(describeRef).join(', ')}.`
            : 'Choose a newer idf-version.')
      );
    }
    if (level === 'preview') {
      warnings.push(`${target} is only a preview target in ESP-IDF ${ref}; the build may fail.`);
    }
    if (level === 'unknown-chip') {
      warnings.push(`Unknown chip ${target}: cannot check that ESP-IDF ${ref} supports it.`);
    }
  }

  // --- toolchain -------------------------------------------------------------
  const toolchain = buildSystem === 'make' ? resolveToolchain(ref, options, warnings) : null;
  if (buildSystem === 'cmake' && (options.toolchainUrl?.trim() || options.toolchainSha256?.trim())) {
    warnings.push(
      'toolchain-url and toolchain-sha256 are ignored: CMake builds use the toolchain ESP-IDF installs.'
    );
  }

  // --- outputs ---------------------------------------------------------------
  let buildDir: string;
  if (boardless) buildDir = `${PORT_DIR}/build`;
  else if (boardVariant && mk.includes('build-$(BOARD)-$(BOARD_VARIANT)'))
    buildDir = `${PORT_DIR}/build-${board}-${boardVariant}`;
  else buildDir = `${PORT_DIR}/build-${board}`;

  const mkrules = files[TREE_FILES.mkrules] ?? '';
  const portSubmodules =
    /^submodules\s*:/m.test(mk) ||
    (/^\s*include\s+\S*py\/mkrules\.mk\s*$/m.test(mk) && /^submodules\s*:/m.test(mkrules));

  const resolution: Resolution = {
    micropythonVersion,
    buildSystem,
    idf: { ref, supported, pinSource },
    toolchain,
    board,
    boards,
    chips,
    buildDir,
    portSubmodules,
    warnings
  };
  if (boardVariant) resolution.boardVariant = boardVariant;
  return resolution;
}

const SHA256_RE = /^[0-9a-f]{64}$/;

function resolveToolchain(ref: string, options: ResolveOptions, warnings: string[]): ToolchainSpec {
  const url = options.toolchainUrl?.trim() ?? '';
  const shaInput = options.toolchainSha256?.trim().toLowerCase() ?? '';
  if (shaInput && !SHA256_RE.test(shaInput)) {
    throw new ResolveError(
      `Invalid toolchain-sha256 "${options.toolchainSha256}": expected 64 hexadecimal digits.`
    );
  }

  let spec: ToolchainSpec;
  if (url) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ResolveError(`Invalid toolchain-url "${url}": not a URL.`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new ResolveError(`Invalid toolchain-url "${url}": only http and https downloads are supported.`);
    }
    const known = findToolchainByUrl(url);
    if (known) {
      spec = { name: known.name, version: known.version, url: known.url, sha256: known.sha256 };
    } else {
      if (!shaInput) {
        throw new ResolveError(
          `toolchain-url ${url} is not a toolchain this action knows, so its checksum is unknown: set toolchain-sha256 ` +
            '(the SHA-256 of the archive) as well.'
        );
      }
      spec = { name: 'xtensa-esp32-elf', version: toolchainVersionFromUrl(url), url, sha256: null };
    }
  } else {
    const choice = toolchainForIdf(ref);
    if (choice.warning) warnings.push(choice.warning);
    spec = { ...choice.toolchain };
  }

  if (shaInput) {
    if (spec.sha256 && spec.sha256 !== shaInput) {
      warnings.push(
        `toolchain-sha256 differs from the known checksum of ${spec.url} (${spec.sha256}); using the one given.`
      );
    }
    spec.sha256 = shaInput;
  }
  if (!spec.sha256) {
    throw new ResolveError(`No checksum is known for the toolchain ${spec.url}: set toolchain-sha256.`);
  }
  return spec;
}
