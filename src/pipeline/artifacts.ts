/**
 * The build's artifacts: which files they are, where the run puts them, and
 * what refuses them. The tree's build wrote them, so they are a stranger's
 * files on a pull request: only regular files reached through real
 * directories leave the build directory (`collect-artifacts.ts` reads them).
 * Pure.
 */
import { constants } from 'node:fs';
import path from 'node:path';
import type { BuildSystem } from './resolve/index.js';

/** The files a flasher needs, plus the ELF and map for debugging, per build system. */
export const ARTIFACT_FILES: Record<BuildSystem, readonly string[]> = {
  cmake: [
    'firmware.bin',
    'micropython.bin',
    'bootloader/bootloader.bin',
    'partition_table/partition-table.bin',
    'ota_data_initial.bin',
    'micropython.uf2',
    'flash_args',
    'flasher_args.json',
    'micropython.elf',
    'micropython.map'
  ],
  make: [
    'firmware.bin',
    'bootloader.bin',
    'partitions.bin',
    'application.bin',
    'application.elf',
    'application.map'
  ]
};

/** What the run does with the artifacts of a build. */
export interface ArtifactsPlan {
  /** The MicroPython tree: no symbolic link may lie between it and an artifact. */
  tree: string;
  /** The build directory, absolute. */
  buildDir: string;
  /** The files looked for, relative to the build directory. */
  files: readonly string[];
  /**
   * Where they are copied, into a fresh directory of each run, keeping their
   * layout (the action: the outputs name the copies). Unset (the CLI): they
   * are checked, and named, where the build left them.
   */
  copyTo?: string;
}

export interface Artifacts {
  /** The tree's build directory. */
  buildDir: string;
  /** firmware.bin (its copy, when copied), when the build produced one. */
  firmware?: string;
  firmwareSize?: number;
  /** Every artifact (the copies, when copied). */
  files: string[];
  /** The directory of the copies. */
  copiedTo?: string;
}

export function planArtifacts(
  tree: string,
  buildDir: string,
  buildSystem: BuildSystem,
  copyTo?: string
): ArtifactsPlan {
  const root = path.resolve(tree);
  const plan: ArtifactsPlan = {
    tree: root,
    buildDir: path.resolve(root, buildDir),
    files: ARTIFACT_FILES[buildSystem]
  };
  if (copyTo) plan.copyTo = copyTo;
  return plan;
}

/**
 * Every path from the tree down to an artifact, the artifact last: each must
 * be a real directory, and the last a regular file, for it to be read.
 */
export function pathSteps(plan: Pick<ArtifactsPlan, 'tree' | 'buildDir'>, file: string): string[] {
  const relative = path.relative(plan.tree, path.join(plan.buildDir, file));
  if (!relative || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new Error(`${file} in ${plan.buildDir} is not inside the MicroPython tree ${plan.tree}`);
  }
  const parts = relative.split(path.sep);
  return parts.map((_, i) => path.join(plan.tree, ...parts.slice(0, i + 1)));
}

/** A file system entry's kind in words, from its mode. */
export function entryKind(mode: number): string {
  switch (mode & constants.S_IFMT) {
    case constants.S_IFREG:
      return 'a regular file';
    case constants.S_IFDIR:
      return 'a directory';
    case constants.S_IFLNK:
      return 'a symbolic link';
    case constants.S_IFIFO:
      return 'a FIFO';
    case constants.S_IFSOCK:
      return 'a socket';
    case constants.S_IFCHR:
      return 'a character device';
    case constants.S_IFBLK:
      return 'a block device';
    default:
      return 'of an unknown kind';
  }
}

/** One path that stops the artifacts from being read. */
export interface ArtifactProblem {
  path: string;
  /** What it is, e.g. `a symbolic link to "/proc/self/environ"`. */
  what: string;
}

/** What a link points to, quoted so that no character of it reaches the log as it is. */
export function linkTarget(target: string): string {
  const shown = target.length > 120 ? `${target.slice(0, 120)}…` : target;
  return `a symbolic link to ${JSON.stringify(shown)}`;
}

/** The build wrote something other than regular files where its artifacts belong. */
export class ArtifactError extends Error {
  constructor(
    buildDir: string,
    readonly problems: ArtifactProblem[]
  ) {
    super(
      [
        `The build left artifacts that are not regular files inside ${buildDir}, so none is used:`,
        ...problems.map((p) => `  ${p.path} is ${p.what}`),
        'A build writes its artifacts as plain files in real directories; links, FIFOs and devices in their ' +
          "place read files of this machine instead. Look at what the tree's build (its Makefiles, CMake " +
          'files and scripts) does to them.'
      ].join('\n')
    );
    this.name = 'ArtifactError';
  }
}
