/**
 * The ESP-IDF cache entry at the size of a real one. The fixture ESP-IDF is
 * tiny; restoring a real entry is most of a warm run's overhead, so the bench
 * tops the fixture entry up with padding until its size, its file count and
 * its size in the Actions cache are those of the entry the action caches for
 * MicroPython v1.24.1 on an ESP32 (ESP-IDF v5.2.2).
 */
import { randomFillSync } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { run } from '../../src/exec.js';

export interface EntrySize {
  /** Bytes of file content. */
  bytes: number;
  files: number;
  /** Bytes of its archive in the Actions cache (tar, then zstd -3 --long=30 as @actions/cache does). */
  archiveBytes: number;
}

/**
 * The real entry, derived once from the real sources and then fixed: never
 * tune it to the results. `bytes`, `files` and `archiveBytes` of its parts
 * (rounded sums below):
 *
 * 1. The checkout, `git ls-tree -r -l` sums at v5.2.2 (3b8741b1):
 *    ESP-IDF 13,108 files, 181,039,163 B, tar | zstd 67,161,829 B; its 22
 *    submodules (recursive: CMock's 2 nested) at their gitlinks 7,479 files,
 *    136,929,600 B, zstd 21,260,542 B. mbedtls (Espressif's commit was not
 *    obtainable) is counted as upstream v3.5.2; esp32-wifi-lib (too large to
 *    fetch) is estimated at 40 files, 22,000,000 B (about 4 MB of libraries
 *    for each of its 5 to 6 chips), zstd at the 5.5x that Espressif's other
 *    library submodules measure. Two large blobs absent from the snapshots
 *    (a test's expected_output_mcore.json, a generated mbedtls test suite)
 *    count as 0 B. Sum: 20,627 files, 339,968,763 B, zstd 92,419,371 B.
 * 2. Its .git, shallow as the action clones it: each repository's depth-1
 *    pack (`git rev-list --objects --max-count=1 | git pack-objects`)
 *    102,115,367 B and its index 2,364,840 B; zstd gains nothing on packs.
 *    About 625 files (25 a repository). 104,480,207 B, zstd 102,903,367 B.
 * 3. The tools `install.sh esp32` installs (tools.json at v5.2.2: the
 *    "always" tools for esp32 or all targets), unpacked, archives removed.
 *    tools.json gives only archive sizes: xtensa-esp-elf 13.2.0_20230928
 *    112,588,084 B (tar.xz); xtensa-esp-elf-gdb 14.2_20240403 31,010,320,
 *    esp32ulp-elf 10,685,282, openocd-esp32 v0.12.0-esp32-20240318
 *    2,252,682 and esp-rom-elfs 20230320 2,832,570 (tar.gz). Installed
 *    sizes from RIOT-OS/riotdocker's riotbuild/Dockerfile, which states them
 *    (du, GiB and MiB): the same gdb 91 MiB (3.08x its archive), and the
 *    toolchain's next release 14.2.0 1.1 GiB for a 174,652,716 B archive
 *    (6.76x, applied to 13.2.0); the three small tools at gdb's 3.08x.
 *    zstd from the archives by the ratios Debian's xtensa-lx106 gcc 12.2 and
 *    binutils 2.40 show unpacked: zstd/xz 1.077, zstd/gzip 0.730. Files: the
 *    toolchain's about 2,200 (FreeBSD's devel/xtensa-esp-elf pkg-plist),
 *    openocd's 986 scripts, about 300 others. 905,345,416 B, zstd
 *    155,346,000 B, about 3,500 files.
 * 4. The Python env: its packages are requirements.core.txt's and their
 *    dependencies (the constraints file pins their versions; PyPI cannot be
 *    reached here). Measured in a bookworm container: a stdlib venv
 *    22,370,401 B / 1,485 files (zstd 5,208,467 B), plus Debian's builds of
 *    the same packages with their .pyc 34,187,535 B / 2,254 files (zstd
 *    9,099,563 B), plus libssl3 (6,174,720 B, which PyPI's cryptography
 *    wheel carries and Debian's links), plus Espressif's own packages not in
 *    Debian (esptool 4.7, esp-coredump, esp-idf-monitor/-size/-kconfig/
 *    -panic-decoder, idf-component-manager 1.5, freertos-gdb: their sources
 *    at those tags, 303 files, doubled for .pyc). 67,112,094 B, zstd
 *    17,402,374 B, 4,346 files.
 *
 * Total 1,416,906,480 B, 29,098 files, 368,071,112 B in the cache (3.85x).
 */
export const REAL_IDF_ENTRY: EntrySize = { bytes: 1_417_000_000, files: 29_100, archiveBytes: 368_000_000 };

/** Bytes and regular files under a directory (symbolic links are not followed). */
export async function measureDir(dir: string): Promise<Pick<EntrySize, 'bytes' | 'files'>> {
  let bytes = 0;
  let files = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    bytes += (await fs.lstat(path.join(entry.parentPath, entry.name))).size;
    files++;
  }
  return { bytes, files };
}

/** The size of a directory's archive as @actions/cache makes it (tar, zstd -T0 --long=30). */
export async function archiveSize(dir: string): Promise<number> {
  const { stdout } = await run('bash', [
    '-c',
    'set -o pipefail; tar -C "$1" --posix -cf - . | zstd -T0 --long=30 -q -c | wc -c',
    'archive-size',
    dir
  ]);
  return Number(stdout.trim());
}

export async function measureEntry(dir: string): Promise<EntrySize> {
  return { ...(await measureDir(dir)), archiveBytes: await archiveSize(dir) };
}

/** What the padding must add to an entry of this size to reach the real one's. */
export function shortfall(have: EntrySize, want: EntrySize = REAL_IDF_ENTRY): EntrySize {
  const gap = {
    bytes: want.bytes - have.bytes,
    files: want.files - have.files,
    archiveBytes: want.archiveBytes - have.archiveBytes
  };
  if (gap.bytes <= 0 || gap.files <= 0 || gap.archiveBytes <= 0 || gap.archiveBytes > gap.bytes) {
    throw new Error(
      `The fixture entry (${JSON.stringify(have)}) is not smaller than the real one in every way.`
    );
  }
  return gap;
}

/** A small deterministic generator (mulberry32): the same file sizes on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * File sizes summing to `bytes`: log-normal like a source tree's (most files
 * a few KiB, a few of many MiB), median 4 KiB before scaling to the total.
 */
export function fileSizes(bytes: number, files: number, seed = 1): number[] {
  const random = prng(seed);
  const median = 4096;
  // exp(sigma^2 / 2) = mean / median
  const sigma = Math.sqrt(2 * Math.log(Math.max(bytes / files / median, 1.0001)));
  const raw = Array.from({ length: files }, () => {
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return median * Math.exp(sigma * normal);
  });
  const scale = bytes / raw.reduce((a, b) => a + b, 0);
  const sizes = raw.map((r) => Math.floor(r * scale));
  sizes[0] += bytes - sizes.reduce((a, b) => a + b, 0);
  return sizes;
}

const BLOCK = 64 * 1024;
/** What the compressible part of each block repeats: text, as in a source tree. */
const FILLER = Buffer.from(
  '/* padding: stands in for the sources, libraries and tools of a real ESP-IDF entry */\n'.repeat(
    Math.ceil(BLOCK / 84)
  )
).subarray(0, BLOCK);

/**
 * One file's content: each 64 KiB block starts with fresh random bytes (which
 * no compressor shrinks) and ends with repeated text (which zstd all but
 * removes), in the proportion that makes the whole compress like the real
 * entry: `incompressible` is the archive's share of the raw bytes.
 */
function content(size: number, incompressible: number): Buffer {
  const data = Buffer.allocUnsafe(size);
  for (let at = 0; at < size; at += BLOCK) {
    const length = Math.min(BLOCK, size - at);
    const random = Math.round(length * incompressible);
    randomFillSync(data, at, random);
    FILLER.copy(data, at + random, 0, length - random);
  }
  return data;
}

/** Writes the padding under `dir`: `size.files` files in directories of 250, `size.bytes` in all. */
export async function writePadding(dir: string, size: EntrySize): Promise<void> {
  const sizes = fileSizes(size.bytes, size.files);
  // tar headers (512 B a file) cost a little in the archive too.
  const incompressible = Math.max(0, (size.archiveBytes - size.files * 40) / size.bytes);
  const queue = sizes.map((bytes, i) => ({ bytes, i }));
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const sub = path.join(dir, `d${String(Math.floor(next.i / 250)).padStart(3, '0')}`);
      await fs.mkdir(sub, { recursive: true });
      await fs.writeFile(path.join(sub, `f${next.i}.bin`), content(next.bytes, incompressible));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** Links the padding into an entry (hard links: no copy) as `<entry>/padding`. */
export async function padEntry(entryDir: string, paddingDir: string): Promise<void> {
  await run('cp', ['-al', paddingDir, path.join(entryDir, 'padding')]);
}
