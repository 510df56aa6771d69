/**
 * The standalone Xtensa toolchains that legacy (GNU make) MicroPython builds
 * download. From ESP-IDF v4 on, `install.sh` fetches the toolchain itself and
 * nothing here is used.
 *
 * Every URL and SHA-256 below is the `linux-amd64` entry of the toolchain in
 * ESP-IDF's own `tools/tools.json` at the tag named in `source` (the file was
 * backported to the v3.3 branch with v3.3.1). The archives unpack to
 * `xtensa-esp32-elf/`. Linux binaries only: the build runs in a Linux
 * container whatever the host is.
 */
import {
  compareIdfVersions,
  findKnownIdfCommit,
  idfVersionOfRef,
  parseIdfVersion,
  type IdfVersion
} from './idf-versions.js';

/** The toolchain a legacy build downloads and puts on PATH. */
export interface ToolchainSpec {
  name: 'xtensa-esp32-elf';
  version: string;
  url: string;
  /** Lowercase hex; null when no checksum is known (the pipeline then demands `toolchain-sha256`). */
  sha256: string | null;
}

export interface LegacyToolchain extends ToolchainSpec {
  /** The ESP-IDF releases that use it, inclusive. */
  idfFrom: string;
  idfTo: string;
  /** Where the checksum was read. */
  source: string;
}

const DL = 'https://dl.espressif.com/dl';

export const LEGACY_TOOLCHAINS: readonly LegacyToolchain[] = [
  {
    name: 'xtensa-esp32-elf',
    version: '1.22.0-80-g6c4433a-5.2.0',
    url: `${DL}/xtensa-esp32-elf-linux64-1.22.0-80-g6c4433a-5.2.0.tar.gz`,
    sha256: '3fe96c151d46c1d4e5edc6ed690851b8e53634041114bad04729bc16b0445156',
    idfFrom: 'v3.1',
    idfTo: 'v3.3.2',
    // Same value in tools.json at v3.3.1 and v3.3.2; toolchain_versions.mk names
    // crosstool-ng-1.22.0-80-g6c4433a from v3.2 to v3.3.2, and the v3.1 docs link this archive.
    source: 'espressif/esp-idf v3.3.1 tools/tools.json'
  },
  {
    name: 'xtensa-esp32-elf',
    version: '1.22.0-96-g2852398-5.2.0',
    url: `${DL}/xtensa-esp32-elf-linux64-1.22.0-96-g2852398-5.2.0.tar.gz`,
    sha256: '798a8638f11ad37f41b9640582f869c61ffb4da6d932279fde94a2b636ad2dac',
    idfFrom: 'v3.3.3',
    idfTo: 'v3.3.4',
    source: 'espressif/esp-idf v3.3.3 tools/tools.json (same at v3.3.4)'
  },
  {
    name: 'xtensa-esp32-elf',
    version: '1.22.0-97-gc752ad5-5.2.0',
    url: `${DL}/xtensa-esp32-elf-linux64-1.22.0-97-gc752ad5-5.2.0.tar.gz`,
    sha256: '96f5f6e7611a0ed1dc47048c54c3113fc5cebffbf0ba90d8bfcd497afc7ef9f3',
    idfFrom: 'v3.3.5',
    idfTo: 'release/v3.3',
    source: 'espressif/esp-idf v3.3.5 tools/tools.json (same at v3.3.6)'
  },
  // The experimental IDF v4.0 pins of MicroPython v1.12 to v1.14 (ESPIDF_SUPHASH_V4)
  // also build with GNU make, with these newer compilers.
  {
    name: 'xtensa-esp32-elf',
    version: 'esp32-2019r1-8.2.0',
    url: `${DL}/xtensa-esp32-elf-gcc8_2_0-esp32-2019r1-linux-amd64.tar.gz`,
    sha256: '39db59b13f25e83e53c55f56979dbfce77b7f23126ad79de833509ad902d3f0a',
    idfFrom: 'v4.0-beta1',
    idfTo: 'v4.0-beta2',
    source: 'espressif/esp-idf v4.0-beta1 tools/tools.json'
  },
  {
    name: 'xtensa-esp32-elf',
    version: 'esp-2019r2-8.2.0',
    url: `${DL}/xtensa-esp32-elf-gcc8_2_0-esp-2019r2-linux-amd64.tar.gz`,
    sha256: 'e6d47c1dbd8c8cbfe37271e5e2aac53ee88c9e347ae937e22bf0c73f530efbdf',
    idfFrom: 'v4.0-rc',
    idfTo: 'v4.0.1',
    source: 'espressif/esp-idf v4.0.1 tools/tools.json (same at v4.0-rc and v4.0)'
  }
];

/** The toolchain used when the ESP-IDF ref cannot be placed. */
export const DEFAULT_LEGACY_TOOLCHAIN: LegacyToolchain = LEGACY_TOOLCHAINS[0];

export interface ToolchainChoice {
  toolchain: ToolchainSpec;
  /** Set when the choice is a guess. */
  warning?: string;
}

function spec(entry: LegacyToolchain): ToolchainSpec {
  return { name: entry.name, version: entry.version, url: entry.url, sha256: entry.sha256 };
}

function inRange(version: IdfVersion, entry: LegacyToolchain): boolean {
  const from = parseIdfVersion(entry.idfFrom);
  const to = parseIdfVersion(entry.idfTo);
  if (!from || !to) return false;
  // A development snapshot (v3.1-dev, v3.3-beta1) belongs to the release it leads to,
  // except where the table names pre-releases itself (the v4.0 betas).
  const namesPre = from.pre !== undefined;
  const v = namesPre ? version : { ...version, pre: undefined };
  return compareIdfVersions(v, from) >= 0 && compareIdfVersions(v, to) <= 0;
}

/**
 * The standalone toolchain for a legacy build against an ESP-IDF ref: a tag
 * (`v3.3.4`), a `release/v3.3` branch, or one of the commits MicroPython
 * pinned. Unknown refs get the 1.22.0-80 toolchain, with a warning.
 */
export function toolchainForIdf(ref: string): ToolchainChoice {
  const version = idfVersionOfRef(ref);
  if (version) {
    const entry = LEGACY_TOOLCHAINS.find((candidate) => inRange(version, candidate));
    if (entry) return { toolchain: spec(entry) };
  }
  const known = findKnownIdfCommit(ref);
  const what = known ? `${ref} (${known.describe})` : ref;
  return {
    toolchain: spec(DEFAULT_LEGACY_TOOLCHAIN),
    warning:
      `No known standalone toolchain for ESP-IDF ${what}; using xtensa-esp32-elf ${DEFAULT_LEGACY_TOOLCHAIN.version} ` +
      `(the one for ESP-IDF v3.1 to v3.3.2). Set toolchain-url and toolchain-sha256 if the build needs another.`
  };
}

/** The table entry with exactly this URL. */
export function findToolchainByUrl(url: string): LegacyToolchain | undefined {
  return LEGACY_TOOLCHAINS.find((entry) => entry.url === url.trim());
}

const ARCHIVE_EXT = /\.(?:tar\.gz|tgz|tar\.xz|txz|tar\.bz2|tbz2|zip)$/i;

/**
 * A version label for a custom toolchain archive, read from its file name:
 * `xtensa-esp32-elf-linux64-1.22.0-80-g6c4433a-5.2.0.tar.gz` gives
 * `1.22.0-80-g6c4433a-5.2.0`, `xtensa-esp32-elf-gcc8_2_0-esp-2019r2-linux-amd64.tar.gz`
 * gives `gcc8_2_0-esp-2019r2`.
 */
export function toolchainVersionFromUrl(url: string): string {
  let file = url.trim();
  try {
    file = new URL(file).pathname;
  } catch {
    // not a URL: use the text as it is
  }
  file = decodeURIComponent(file.split('/').filter(Boolean).pop() ?? '');
  let name = file.replace(ARCHIVE_EXT, '');
  name = name.replace(/^xtensa-esp32-elf-/, '');
  name = name.replace(/^(?:linux64|linux32|linux-amd64|linux-armel|linux-i686|win32|win64|osx|macos)-/, '');
  name = name.replace(
    /-(?:linux64|linux-amd64|x86_64-linux-gnu|linux-armel|linux-i686|win32|win64|macos)$/,
    ''
  );
  return name || file || 'custom';
}
