/**
 * What the resolver reads and what it answers: the tree snapshot, the
 * options, the resolution, and the paths of the files it looks at.
 */
import type { ToolchainSpec } from '../../toolchains.js';

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
