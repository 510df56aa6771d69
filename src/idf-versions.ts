/**
 * Facts about ESP-IDF versions that the resolver needs: how to read a ref,
 * which chips a version can build for, and which bare commit hashes
 * MicroPython has pinned over the years.
 *
 * Every value here was checked against the espressif/esp-idf repository
 * (tags, `tools/idf_py_actions/constants.py`) and the micropython/micropython
 * release tags (`ports/esp32/Makefile`, `tools/ci.sh`).
 */

/** A parsed ESP-IDF version: `v5.2.2`, `5.2`, `v4.3-beta2`, `release/v5.4`. */
export interface IdfVersion {
  major: number;
  minor: number;
  /** 0 when the ref names no patch level (`v5.2` is the tag of 5.2.0). */
  patch: number;
  /** Whether the ref spelled out a patch level. */
  patchGiven: boolean;
  /** Pre-release label without the dash: `dev`, `beta2`, `rc1`. */
  pre?: string;
  /** A `release/vX.Y` maintenance branch: newer than every X.Y.Z tag. */
  branch: boolean;
}

/** Patch level given to `release/vX.Y` branches so they sort after every tag of X.Y. */
const BRANCH_PATCH = 9999;

const VERSION_RE = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-((?:dev|beta|rc|alpha)\d*))?(?:-\d+-g[0-9a-f]+)?$/i;
const BRANCH_RE = /^(?:refs\/heads\/)?release\/v(\d+)\.(\d+)$/;

/**
 * Reads an ESP-IDF ref as a version: tags (`v5.2.2`, `v5.2`, `v4.3-beta2`,
 * `v4.4-dev`), bare versions (`5.2.2`), `git describe` output
 * (`v3.1-dev-396-g3ede9f011b5`) and maintenance branches (`release/v5.2`).
 * Anything else (commit hashes, `master`, feature branches) gives null.
 */
export function parseIdfVersion(ref: string): IdfVersion | null {
  const text = ref.trim();
  const branch = BRANCH_RE.exec(text);
  if (branch) {
    return {
      major: Number(branch[1]),
      minor: Number(branch[2]),
      patch: BRANCH_PATCH,
      patchGiven: false,
      branch: true
    };
  }
  const m = VERSION_RE.exec(text);
  if (!m) return null;
  const version: IdfVersion = {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: m[3] === undefined ? 0 : Number(m[3]),
    patchGiven: m[3] !== undefined,
    branch: false
  };
  if (m[4]) version.pre = m[4].toLowerCase();
  return version;
}

/** The rank of a pre-release label: dev < alpha < beta < rc < release. */
function preRank(pre: string | undefined): [number, number] {
  if (pre === undefined) return [4, 0];
  const m = /^(dev|alpha|beta|rc)(\d*)$/.exec(pre);
  if (!m) return [0, 0];
  const order = { dev: 0, alpha: 1, beta: 2, rc: 3 } as const;
  return [order[m[1] as keyof typeof order], m[2] ? Number(m[2]) : 0];
}

/** Orders two versions: negative when a is older than b. */
export function compareIdfVersions(a: IdfVersion, b: IdfVersion): number {
  if (a.major !== b.major) return a.major - b.major;
  if (a.minor !== b.minor) return a.minor - b.minor;
  if (a.patch !== b.patch) return a.patch - b.patch;
  const [ra, na] = preRank(a.pre);
  const [rb, nb] = preRank(b.pre);
  return ra !== rb ? ra - rb : na - nb;
}

/**
 * Orders two version tags (`v5.2.2`, `v1.24`, `v4.3-beta2`) by the versions
 * they name: negative when a is older. Names that are not versions sort
 * before every version, and equal to each other.
 */
export function compareVersionTags(a: string, b: string): number {
  const va = parseIdfVersion(a);
  const vb = parseIdfVersion(b);
  if (va && vb) return compareIdfVersions(va, vb);
  return (va ? 1 : 0) - (vb ? 1 : 0);
}

/**
 * The `count` newest of some tag names, newest first: ESP-IDF tags to
 * suggest, or the latest MicroPython release. Names that are not version tags
 * are left out; of equal versions (`v5.2`, `v5.2.0`) the first given wins.
 */
export function newestVersionTags(tags: Iterable<string>, count: number): string[] {
  const versions = [...new Set(tags)].filter((tag) => parseIdfVersion(tag)?.branch === false);
  return versions.sort((a, b) => compareVersionTags(b, a)).slice(0, count);
}

/** Whether two versions are the same release (`v5.4` and `5.4.0` are). */
export function sameIdfVersion(a: IdfVersion, b: IdfVersion): boolean {
  return a.branch === b.branch && compareIdfVersions(a, b) === 0;
}

/** The ESP-IDF tag for a version: `vX.Y` when the patch is 0 (ESP-IDF never tags `vX.Y.0`). */
export function idfTagFor(version: IdfVersion): string {
  if (version.branch) return `release/v${version.major}.${version.minor}`;
  const base =
    version.patch === 0
      ? `v${version.major}.${version.minor}`
      : `v${version.major}.${version.minor}.${version.patch}`;
  return version.pre ? `${base}-${version.pre}` : base;
}

/** A full or abbreviated git commit hash. */
export function isCommitHash(ref: string): boolean {
  return /^[0-9a-f]{7,40}$/i.test(ref.trim());
}

/** An ESP-IDF commit that MicroPython pinned by hash rather than by tag. */
export interface KnownIdfCommit {
  commit: string;
  /** `git describe --tags` of the commit in espressif/esp-idf. */
  describe: string;
  /** The version the commit belongs to, for toolchain and chip decisions. */
  version: string;
  /** Where MicroPython pins it. */
  pinnedBy: string;
}

/**
 * Every ESP-IDF commit MicroPython has pinned by hash. The legacy GNU make
 * port (v1.9.4 to v1.14) names these in `ports/esp32/Makefile`; v1.18's CI
 * checked out a commit from the v4.4 development line.
 */
export const KNOWN_IDF_COMMITS: readonly KnownIdfCommit[] = [
  {
    commit: '3ede9f011b50999b0560683f9419538c066dd09e',
    describe: 'v3.1-dev-396-g3ede9f011b5',
    version: 'v3.1-dev',
    pinnedBy: 'MicroPython v1.9.4 ports/esp32/Makefile (ESPIDF_SUPHASH)'
  },
  {
    commit: '30545f4cccec7460634b656d278782dd7151098e',
    describe: 'v3.2-dev-498-g30545f4ccce',
    version: 'v3.2-dev',
    pinnedBy: 'MicroPython v1.10 ports/esp32/Makefile (ESPIDF_SUPHASH)'
  },
  {
    commit: '5c88c5996dbde6208e3bec05abc21ff6cd822d26',
    describe: 'v3.3-beta1-268-g5c88c5996db',
    version: 'v3.3-beta1',
    pinnedBy: 'MicroPython v1.11 ports/esp32/Makefile (ESPIDF_SUPHASH)'
  },
  {
    commit: '6ccb4cf5b7d1fdddb8c2492f9cbc926abaf230df',
    describe: 'v3.3',
    version: 'v3.3',
    pinnedBy: 'MicroPython v1.12 ports/esp32/Makefile (ESPIDF_SUPHASH_V3)'
  },
  {
    commit: '310beae373446ceb9a4ad9b36b5428d7fdf2705f',
    describe: 'v4.0-beta1',
    version: 'v4.0-beta1',
    pinnedBy: 'MicroPython v1.12 ports/esp32/Makefile (ESPIDF_SUPHASH_V4, experimental)'
  },
  {
    commit: '9e70825d1e1cbf7988cf36981774300066580ea7',
    describe: 'v3.3.2',
    version: 'v3.3.2',
    pinnedBy: 'MicroPython v1.13 and v1.14 ports/esp32/Makefile (ESPIDF_SUPHASH_V3)'
  },
  {
    commit: '4c81978a3e2220674a432a588292a4c860eef27b',
    describe: 'v4.0.1',
    version: 'v4.0.1',
    pinnedBy: 'MicroPython v1.13 and v1.14 ports/esp32/Makefile (ESPIDF_SUPHASH_V4, experimental)'
  },
  {
    commit: '142bb32c50fa9875b8b69fa539a2d59559460d72',
    describe: 'v4.4-dev-3513-g142bb32c50f',
    version: 'v4.4-dev',
    pinnedBy: 'MicroPython v1.18 tools/ci.sh (ci_esp32_idf44_setup)'
  }
];

/** The known commit a full or abbreviated (7+ characters) hash names, if any. */
export function findKnownIdfCommit(ref: string): KnownIdfCommit | undefined {
  const hash = ref.trim().toLowerCase();
  if (!isCommitHash(hash)) return undefined;
  return KNOWN_IDF_COMMITS.find((known) => known.commit.startsWith(hash));
}

/**
 * The version an ESP-IDF ref stands for: parsed from a tag or branch, or
 * looked up for a known pinned commit. Null when it cannot be told
 * (`master`, an unknown commit).
 */
export function idfVersionOfRef(ref: string): IdfVersion | null {
  const known = findKnownIdfCommit(ref);
  if (known) return parseIdfVersion(known.version);
  return parseIdfVersion(ref);
}

/** When ESP-IDF started to support a chip: `since` fully, `previewSince` as a preview target. */
export interface ChipSupport {
  since: string | null;
  previewSince?: string;
}

/**
 * Chip support per ESP-IDF version, from `SUPPORTED_TARGETS` and
 * `PREVIEW_TARGETS` in ESP-IDF's `tools/idf_py_actions/constants.py` at each
 * release tag. Pre-releases count as their release (v4.3-beta2 already
 * builds esp32c3; v4.4-dev builds esp32s3).
 */
export const CHIP_SUPPORT: Readonly<Record<string, ChipSupport>> = {
  esp32: { since: 'v1.0' },
  esp32s2: { since: 'v4.2' }, // v4.1 only had the esp32s2beta target
  esp32c3: { since: 'v4.3' },
  esp32s3: { since: 'v4.4', previewSince: 'v4.3' },
  esp32c2: { since: 'v5.0' },
  esp32c6: { since: 'v5.1' },
  esp32h2: { since: 'v5.1', previewSince: 'v4.4' },
  esp32p4: { since: 'v5.3', previewSince: 'v5.2' },
  esp32c5: { since: 'v5.5.1', previewSince: 'v5.3' },
  esp32c61: { since: 'v5.5.1', previewSince: 'v5.3' },
  esp32h21: { since: null, previewSince: 'v5.5' },
  esp32h4: { since: null, previewSince: 'v5.5' }
};

export type ChipSupportLevel = 'supported' | 'preview' | 'unsupported' | 'unknown-chip';

/** Ignores the pre-release label: pre-releases of X.Y build what X.Y builds. */
function atLeast(version: IdfVersion, floor: string): boolean {
  const f = parseIdfVersion(floor);
  if (!f) return false;
  return compareIdfVersions({ ...version, pre: undefined }, f) >= 0;
}

/** Whether an ESP-IDF version can build for a chip. */
export function chipSupport(chip: string, version: IdfVersion): ChipSupportLevel {
  const entry = CHIP_SUPPORT[chip];
  if (!entry) return 'unknown-chip';
  if (entry.since !== null && atLeast(version, entry.since)) return 'supported';
  if (entry.previewSince !== undefined && atLeast(version, entry.previewSince)) return 'preview';
  return 'unsupported';
}

/** The chips an ESP-IDF version supports fully, in the table's order. */
export function chipsSupportedBy(version: IdfVersion): string[] {
  return Object.keys(CHIP_SUPPORT).filter((chip) => chipSupport(chip, version) === 'supported');
}
