/**
 * Doubles of the upstreams this machine cannot reach, built fresh in a temp
 * directory: ESP-IDF's git repositories (with its esptool submodule and a
 * nested submodule inside that), the legacy Xtensa toolchain tarball, and the
 * ESP-IDF tool archives (GitHub release assets), served over HTTP on
 * loopback. They keep the real contracts: relative submodule URLs, annotated
 * tags, a master that moves, install.sh/export.sh/idf.py/esptool.py with the
 * real arguments and file layout. The scripts live in ./fixtures; see the
 * comments at the top of each.
 *
 * Git ≥ 2.38 refuses file-transport submodules by default
 * (protocol.file.allow=user): clone and update with
 * `git -c protocol.file.allow=always ...`; the -c setting reaches the
 * submodule commands git runs for you. Shallow clones need a file:// URL
 * (`file://${idfRepoUrl}`): git ignores --depth for plain local paths.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../src/exec.js';
import { PROJECT } from './project.js';
import { startRegistry, type RegistryDouble } from './registry.js';

export interface FixtureUpstreams {
  /** Temp dir holding everything; removed by close(). */
  root: string;
  /** Absolute path of <root>/git/espressif/esp-idf.git (bare); usable as a git URL. */
  idfRepoUrl: string;
  /** Tag name -> peeled commit sha. */
  idfTags: Record<string, string>;
  /** Branch -> commit sha ('master', 'release/v5.2'); advanceMaster() updates 'master'. */
  idfBranches: Record<string, string>;
  /** Adds a commit on master, returns its sha. */
  advanceMaster(): Promise<string>;
  /** Static HTTP server on loopback; `requests` records each request's path. */
  http: { url: string; requests: string[]; close(): Promise<void>; setDown(down: boolean): void };
  legacyToolchain: { url: string; sha256: string; version: string; fileName: string };
  /** "127.0.0.1:PORT" (no scheme), for IDF_GITHUB_ASSETS. */
  assetsMirror: string;
  /** ESP-IDF's component registry on loopback (the component-registry-mirror input). */
  registry: RegistryDouble;
  close(): Promise<void>;
}

export interface UpstreamsOptions {
  /**
   * Bytes of incompressible data in the xtensa-esp-elf tool archives (default 0).
   * Real toolchains are hundreds of megabytes; the benchmark uses this so
   * that restoring an ESP-IDF entry costs what it really does.
   */
  toolPadding?: number;
  /** Address the HTTP server binds; URLs always name 127.0.0.1. Default '127.0.0.1'. */
  host?: string;
}

const FIXTURES = path.join(PROJECT, 'test', 'support', 'fixtures') + path.sep;

const LEGACY_VERSION = '1.22.0-80-g6c4433a-5.2.0';
const LEGACY_FILE = `xtensa-esp32-elf-linux64-${LEGACY_VERSION}.tar.gz`;
const ASSETS_PATH = 'espressif/crosstool-NG/releases/download';

/** Tools every fake cross toolchain carries; cc runs the host's gcc. */
const TOOL_NAMES = [
  'gcc',
  'g++',
  'c++',
  'cc',
  'cpp',
  'ar',
  'ranlib',
  'as',
  'ld',
  'nm',
  'objcopy',
  'objdump',
  'readelf',
  'size',
  'strip',
  'addr2line'
];
const COMPILERS = new Set(['gcc', 'g++', 'c++', 'cc', 'cpp']);

const XTENSA = ['esp32', 'esp32s2', 'esp32s3'];

interface ToolSpec {
  name: string;
  /** Command prefixes in bin/ (the unified xtensa-esp-elf also has per-chip names). */
  prefixes: string[];
  /** The compiler tools.json's version_cmd runs. */
  probe: string;
  targets: string[];
}

interface Toolset {
  /** crosstool-NG release tag: the download directory. */
  release: string;
  /** The version ESP-IDF's tools.json names (and the install directory). */
  version: string;
  gcc: string;
  fileName(tool: string): string;
  /** tools.json version_regex_replace, when the version is not just group 1. */
  regexReplace?: string;
  tools: ToolSpec[];
}

/** Versions, names and target sets as in ESP-IDF's tools.json at each release. */
function perChipToolchains(riscvTargets: string[]): ToolSpec[] {
  return [
    ...XTENSA.map((chip) => ({
      name: `xtensa-${chip}-elf`,
      prefixes: [`xtensa-${chip}-elf`],
      probe: `xtensa-${chip}-elf-gcc`,
      targets: [chip]
    })),
    {
      name: 'riscv32-esp-elf',
      prefixes: ['riscv32-esp-elf'],
      probe: 'riscv32-esp-elf-gcc',
      targets: riscvTargets
    }
  ];
}
function unifiedToolchains(riscvTargets: string[]): ToolSpec[] {
  return [
    {
      name: 'xtensa-esp-elf',
      prefixes: ['xtensa-esp-elf', ...XTENSA.map((chip) => `xtensa-${chip}-elf`)],
      probe: 'xtensa-esp32-elf-gcc',
      targets: XTENSA
    },
    {
      name: 'riscv32-esp-elf',
      prefixes: ['riscv32-esp-elf'],
      probe: 'riscv32-esp-elf-gcc',
      targets: riscvTargets
    }
  ];
}
const RISCV_52 = ['esp32s2', 'esp32s3', 'esp32c2', 'esp32c3', 'esp32c6', 'esp32h2', 'esp32p4'];
const TOOLSETS = {
  idf44: {
    release: 'esp-2021r2-patch5',
    version: 'esp-2021r2-patch5-8.4.0',
    gcc: '8.4.0',
    fileName: (tool) => `${tool}-gcc8_4_0-esp-2021r2-patch5-linux-amd64.tar.gz`,
    regexReplace: '\\1-\\2',
    tools: perChipToolchains(['esp32s2', 'esp32s3', 'esp32c3'])
  },
  idf50: {
    release: 'esp-2022r1',
    version: 'esp-2022r1-11.2.0',
    gcc: '11.2.0',
    fileName: (tool) => `${tool}-gcc11_2_0-esp-2022r1-linux-amd64.tar.xz`,
    regexReplace: '\\1-\\2',
    tools: perChipToolchains(['esp32s2', 'esp32s3', 'esp32c2', 'esp32c3'])
  },
  idf52: {
    release: 'esp-13.2.0_20230928',
    version: 'esp-13.2.0_20230928',
    gcc: '13.2.0',
    fileName: (tool) => `${tool}-13.2.0_20230928-x86_64-linux-gnu.tar.xz`,
    tools: unifiedToolchains(RISCV_52)
  },
  idf54: {
    release: 'esp-14.2.0_20241119',
    version: 'esp-14.2.0_20241119',
    gcc: '14.2.0',
    fileName: (tool) => `${tool}-14.2.0_20241119-x86_64-linux-gnu.tar.xz`,
    tools: unifiedToolchains([...RISCV_52, 'esp32c5', 'esp32c61'])
  }
} satisfies Record<string, Toolset>;

/** esptool commits, oldest first, each pinning a flasher-stub revision (1-based, one commit each). */
const ESPTOOL_RELEASES = [
  { version: '2.6', stub: 1 },
  { version: '3.3.2', stub: 2 },
  { version: '4.5.1', stub: 2 },
  { version: '4.7.0', stub: 3 },
  { version: '4.8.1', stub: 4 }
];
const STUB_REVISIONS = 4;

interface IdfRelease {
  tag: string;
  version: [number, number, number];
  /** Index into ESPTOOL_RELEASES. */
  esptool: number;
  /** Absent for the legacy (v3.x) shape: no install.sh / export.sh / idf.py. */
  toolset?: Toolset;
}

/** Linear history on master, oldest first; each is tagged. */
const IDF_RELEASES: IdfRelease[] = [
  { tag: 'v3.3.2', version: [3, 3, 2], esptool: 0 },
  { tag: 'v4.4.6', version: [4, 4, 6], esptool: 1, toolset: TOOLSETS.idf44 },
  { tag: 'v5.0.4', version: [5, 0, 4], esptool: 2, toolset: TOOLSETS.idf50 },
  { tag: 'v5.2.2', version: [5, 2, 2], esptool: 3, toolset: TOOLSETS.idf52 },
  { tag: 'v5.4.2', version: [5, 4, 2], esptool: 4, toolset: TOOLSETS.idf54 }
];
/** Master after the last tag: development of the next minor version. */
const IDF_MASTER: IdfRelease = { tag: 'v5.5-dev', version: [5, 5, 0], esptool: 4, toolset: TOOLSETS.idf54 };

export type TreeEntry = { mode: '100644' | '100755'; data: Buffer } | { mode: '160000'; sha: string };
export type Tree = Map<string, TreeEntry>;

export const file = (text: string | Buffer, executable = false): TreeEntry => ({
  mode: executable ? '100755' : '100644',
  data: Buffer.isBuffer(text) ? text : Buffer.from(text)
});

// ---------------------------------------------------------------------------
// Processes

/** Runs a command with `input` on stdin; rejects with its stderr on failure. */
function runWithInput(command: string, args: string[], input: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    const stderr: Buffer[] = [];
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${Buffer.concat(stderr)}`))
    );
    child.stdin.end(input);
  });
}

export async function sha256File(filePath: string): Promise<string> {
  return createHash('sha256')
    .update(await fs.readFile(filePath))
    .digest('hex');
}

// ---------------------------------------------------------------------------
// Toolchain archives

function wrapperScript(prefix: string, tool: string, crosstool: string, gcc: string): string {
  const host = tool === 'cc' ? 'gcc' : tool;
  const lines = ['#!/bin/sh', `# Test double of ${prefix}-${tool}: runs the host's ${host}.`];
  if (COMPILERS.has(tool)) {
    lines.push(
      'case "${1-}" in',
      `  --version) echo '${prefix}-${tool} (crosstool-NG ${crosstool}) ${gcc}'; exit 0 ;;`,
      `  -dumpversion) echo '${gcc}'; exit 0 ;;`,
      `  -dumpmachine) echo '${prefix}'; exit 0 ;;`,
      'esac'
    );
  }
  lines.push(`exec ${host} "$@"`, '');
  return lines.join('\n');
}

/** Writes <stage>/<topDir>/bin/<prefix>-<tool> wrappers. */
export async function stageToolchain(
  stage: string,
  topDir: string,
  prefixes: string[],
  crosstool: string,
  gcc: string
) {
  const bin = path.join(stage, topDir, 'bin');
  await fs.mkdir(bin, { recursive: true });
  await Promise.all(
    prefixes.flatMap((prefix) =>
      TOOL_NAMES.map((tool) =>
        fs.writeFile(path.join(bin, `${prefix}-${tool}`), wrapperScript(prefix, tool, crosstool, gcc), {
          mode: 0o755
        })
      )
    )
  );
}

/** A reproducible tarball of <stage>/<topDir>, compressed by extension (.tar.gz or .tar.xz). */
export async function packTarball(stage: string, topDir: string, out: string): Promise<void> {
  await fs.mkdir(path.dirname(out), { recursive: true });
  const compress = out.endsWith('.tar.xz') ? '-J' : '-z';
  await run('tar', [
    '--sort=name',
    '--mtime=@0',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    compress,
    '-c',
    '-f',
    out,
    '-C',
    stage,
    topDir
  ]);
}

interface BuiltAsset {
  url: string;
  sha256: string;
  size: number;
}

/** Builds every tool archive of a toolset under www/; returns tool name -> asset. */
async function buildToolset(root: string, set: Toolset, padding = 0): Promise<Map<string, BuiltAsset>> {
  const built = new Map<string, BuiltAsset>();
  await Promise.all(
    set.tools.map(async (tool) => {
      const stage = path.join(root, 'stage', set.release, tool.name);
      await stageToolchain(stage, tool.name, tool.prefixes, set.release, set.gcc);
      // Only the unified Xtensa toolchain (ESP-IDF v5.2 on) is padded: xz is slow on incompressible data.
      if (padding > 0 && tool.name === 'xtensa-esp-elf') {
        await fs.mkdir(path.join(stage, tool.name, 'libexec'), { recursive: true });
        await fs.writeFile(path.join(stage, tool.name, 'libexec', 'padding.bin'), randomBytes(padding));
      }
      const rel = `${ASSETS_PATH}/${set.release}/${set.fileName(tool.name)}`;
      const out = path.join(root, 'www', rel);
      await packTarball(stage, tool.name, out);
      const { size } = await fs.stat(out);
      built.set(tool.name, { url: `https://github.com/${rel}`, sha256: await sha256File(out), size });
    })
  );
  return built;
}

function toolsJson(set: Toolset, assets: Map<string, BuiltAsset>): string {
  const tools = set.tools.map((tool) => {
    const asset = assets.get(tool.name)!;
    return {
      description: `Toolchain for ${tool.targets.join(', ')} (test double wrapping the host's gcc)`,
      export_paths: [[tool.name, 'bin']],
      install: 'always',
      name: tool.name,
      supported_targets: tool.targets,
      version_cmd: [tool.probe, '--version'],
      version_regex: '\\(crosstool-NG\\s+([^)\\s]+)\\)\\s*([0-9.]+)',
      ...(set.regexReplace ? { version_regex_replace: set.regexReplace } : {}),
      versions: [
        {
          name: set.version,
          status: 'recommended',
          'linux-amd64': { sha256: asset.sha256, size: asset.size, url: asset.url }
        }
      ]
    };
  });
  return `${JSON.stringify({ tools, version: 2 }, null, 2)}\n`;
}

// ---------------------------------------------------------------------------
// Git repositories, written with one `git fast-import` per repository

const IDENT = 'Fixture Upstream <fixture@example.invalid>';

export class ImportStream {
  private readonly chunks: Buffer[] = [];
  private nextMark = 1;
  private clock: number;

  constructor(startTime = 1_600_000_000) {
    this.clock = startTime;
  }

  private text(value: string): void {
    this.chunks.push(Buffer.from(value));
  }

  private data(value: Buffer | string): void {
    const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value);
    this.text(`data ${bytes.length}\n`);
    this.chunks.push(bytes);
    this.text('\n');
  }

  /** A commit on `ref`; with `replaceTree` the tree is exactly `tree`, else `tree` only modifies. */
  commit(ref: string, message: string, tree: Tree, from?: number | string, replaceTree = true): number {
    const mark = this.nextMark++;
    this.clock += 3600;
    this.text(`commit ${ref}\nmark :${mark}\ncommitter ${IDENT} ${this.clock} +0000\n`);
    this.data(message);
    if (from !== undefined) this.text(`from ${typeof from === 'number' ? `:${from}` : from}\n`);
    if (replaceTree) this.text('deleteall\n');
    for (const [p, entry] of [...tree].sort(([a], [b]) => a.localeCompare(b))) {
      if (entry.mode === '160000') {
        this.text(`M 160000 ${entry.sha} ${p}\n`);
      } else {
        this.text(`M ${entry.mode} inline ${p}\n`);
        this.data(entry.data);
      }
    }
    this.text('\n');
    return mark;
  }

  /** An annotated tag. */
  tag(name: string, mark: number, message: string): void {
    this.text(`tag ${name}\nfrom :${mark}\ntagger ${IDENT} ${this.clock} +0000\n`);
    this.data(message);
  }

  /** Feeds the stream to fast-import; returns mark -> sha. */
  async importInto(gitDir: string): Promise<Map<number, string>> {
    const marksFile = path.join(gitDir, 'fixture-marks');
    await runWithInput(
      'git',
      ['--git-dir', gitDir, 'fast-import', '--quiet', `--export-marks=${marksFile}`],
      Buffer.concat(this.chunks)
    );
    const marks = new Map<number, string>();
    for (const line of (await fs.readFile(marksFile, 'utf8')).split('\n')) {
      const match = /^:(\d+) ([0-9a-f]{40})$/.exec(line);
      if (match) marks.set(Number(match[1]), match[2]);
    }
    await fs.rm(marksFile);
    return marks;
  }
}

/** An empty bare repository that, like GitHub, serves any reachable commit and partial clones. */
export async function initBare(gitDir: string): Promise<void> {
  await run('git', ['init', '--bare', '--quiet', '--initial-branch=master', gitDir]);
  await fs.appendFile(
    path.join(gitDir, 'config'),
    '[uploadpack]\n\tallowFilter = true\n\tallowAnySHA1InWant = true\n'
  );
}

function stubTree(revision: number): Tree {
  return new Map([
    ['README.md', file(`# esptool flasher stub (test fixture)\n\nRevision ${revision}.\n`)],
    [
      'stub.h',
      file(
        `/* esptool flasher stub interface (test fixture), revision ${revision}. */\n` +
          `#pragma once\n#define ESPTOOL_FLASHER_STUB_REVISION ${revision}\n`
      )
    ]
  ]);
}

function esptoolTree(script: string, version: string, stubSha: string): Tree {
  return new Map<string, TreeEntry>([
    ['README.md', file(`# esptool.py (test fixture)\n\nVersion ${version}.\n`)],
    ['esptool.py', file(script.replace('@ESPTOOL_VERSION@', version), true)],
    [
      '.gitmodules',
      file('[submodule "flasher_stub"]\n\tpath = flasher_stub\n\turl = ../../espressif/esptool-stub.git\n')
    ],
    ['flasher_stub', { mode: '160000', sha: stubSha }]
  ]);
}

function versionHeader([major, minor, patch]: [number, number, number]): string {
  return [
    '/* ESP-IDF version (test fixture). */',
    '#pragma once',
    '',
    `#define ESP_IDF_VERSION_MAJOR ${major}`,
    `#define ESP_IDF_VERSION_MINOR ${minor}`,
    `#define ESP_IDF_VERSION_PATCH ${patch}`,
    '',
    '#define ESP_IDF_VERSION_VAL(major, minor, patch) (((major) << 16) | ((minor) << 8) | (patch))',
    '#define ESP_IDF_VERSION ESP_IDF_VERSION_VAL(ESP_IDF_VERSION_MAJOR, ESP_IDF_VERSION_MINOR, ESP_IDF_VERSION_PATCH)',
    ''
  ].join('\n');
}

export function stubCheck(revision: number): string {
  return [
    '/*',
    ` * This ESP-IDF version ships esptool with flasher stub revision ${revision} (the`,
    ' * esptool submodule and its own flasher_stub submodule). A checkout whose',
    ' * submodules were not updated after switching versions fails to build here.',
    ' */',
    '#include "stub.h"',
    '',
    `#if ESPTOOL_FLASHER_STUB_REVISION != ${revision}`,
    '#error "esptool flasher stub revision mismatch: run git submodule update --init --recursive"',
    '#endif',
    '',
    'const int esp_idf_fixture_flasher_stub_revision = ESPTOOL_FLASHER_STUB_REVISION;',
    ''
  ].join('\n');
}

interface FixtureSources {
  esptool: string;
  files: Map<string, TreeEntry>;
}

/** The static fixture files, read once per process. */
let sourcesPromise: Promise<FixtureSources> | undefined;
function fixtureSources(): Promise<FixtureSources> {
  sourcesPromise ??= (async () => {
    const read = (rel: string) => fs.readFile(path.join(FIXTURES, rel));
    const tree: Array<[string, boolean]> = [
      ['install.sh', true],
      ['export.sh', true],
      ['add_path.sh', false],
      ['tools/idf.py', true],
      ['tools/idf_tools.py', true],
      ['components/partition_table/gen_esp32part.py', true],
      ['components/esp_system/startup.c', false],
      ['components/bootloader/subproject/main/bootloader_start.c', false]
    ];
    const files = new Map<string, TreeEntry>();
    for (const [rel, executable] of tree) files.set(rel, file(await read(`esp-idf/${rel}`), executable));
    return { esptool: (await read('esptool/esptool.py')).toString('utf8'), files };
  })();
  return sourcesPromise;
}

const MODERN_ONLY = ['install.sh', 'export.sh', 'tools/idf.py', 'tools/idf_tools.py'];
const LEGACY_ONLY = ['add_path.sh'];

function idfTree(
  release: IdfRelease,
  sources: FixtureSources,
  esptoolSha: string,
  toolsets: Map<Toolset, string>,
  readmeExtra = ''
): Tree {
  const legacy = !release.toolset;
  const [major, minor, patch] = release.version;
  const tree: Tree = new Map();
  for (const [rel, entry] of sources.files) {
    if ((legacy ? MODERN_ONLY : LEGACY_ONLY).includes(rel)) continue;
    tree.set(rel, entry);
  }
  tree.set(
    'README.md',
    file(
      `# ESP-IDF (test fixture)\n\nESP-IDF ${major}.${minor}.${patch}, ` +
        `${legacy ? 'legacy GNU make era' : 'install.sh / export.sh / idf.py era'}.\n${readmeExtra}`
    )
  );
  tree.set(
    '.gitmodules',
    file(
      '[submodule "components/esptool_py/esptool"]\n' +
        '\tpath = components/esptool_py/esptool\n' +
        '\turl = ../../espressif/esptool.git\n'
    )
  );
  tree.set('components/esp_common/include/esp_idf_version.h', file(versionHeader(release.version)));
  tree.set('components/esptool_py/esptool', { mode: '160000', sha: esptoolSha });
  tree.set(
    'components/esptool_py/flasher_stub_check.c',
    file(stubCheck(ESPTOOL_RELEASES[release.esptool].stub))
  );
  if (release.toolset) tree.set('tools/tools.json', file(toolsets.get(release.toolset)!));
  return tree;
}

/** esptool's flasher-stub revision (the one flasher_stub_check.c demands) of each ESPTOOL_RELEASES entry. */
export const ESPTOOL_STUB_REVISIONS: readonly number[] = ESPTOOL_RELEASES.map((r) => r.stub);

/**
 * Creates <gitRoot>/esptool-stub.git and <gitRoot>/esptool.git (bare): one
 * esptool commit per ESPTOOL_RELEASES entry, each tagged and pinning its
 * flasher_stub submodule (relative URL ../../espressif/esptool-stub.git).
 * Returns the esptool commit of each entry, in ESPTOOL_RELEASES order.
 */
export async function buildEsptoolRepos(gitRoot: string): Promise<string[]> {
  const sources = await fixtureSources();
  const dirs = { stub: path.join(gitRoot, 'esptool-stub.git'), esptool: path.join(gitRoot, 'esptool.git') };
  await Promise.all(Object.values(dirs).map(initBare));

  const stub = new ImportStream();
  const stubMarks: number[] = [];
  for (let revision = 1; revision <= STUB_REVISIONS; revision++) {
    stubMarks.push(
      stub.commit('refs/heads/master', `Flasher stub revision ${revision}\n`, stubTree(revision))
    );
  }
  const stubShas = await stub.importInto(dirs.stub);

  const esptool = new ImportStream();
  const esptoolMarks = ESPTOOL_RELEASES.map(({ version, stub: revision }) => {
    const stubSha = stubShas.get(stubMarks[revision - 1])!;
    const mark = esptool.commit(
      'refs/heads/master',
      `esptool v${version}\n`,
      esptoolTree(sources.esptool, version, stubSha)
    );
    esptool.tag(`v${version}`, mark, `Version ${version}\n`);
    return mark;
  });
  const esptoolShas = await esptool.importInto(dirs.esptool);
  return esptoolMarks.map((mark) => esptoolShas.get(mark)!);
}

interface BuiltRepos {
  idfTags: Record<string, string>;
  idfBranches: Record<string, string>;
  masterTree: Tree;
}

async function buildRepos(root: string, toolsets: Map<Toolset, string>): Promise<BuiltRepos> {
  const sources = await fixtureSources();
  const gitRoot = path.join(root, 'git', 'espressif');
  const idfDir = path.join(gitRoot, 'esp-idf.git');
  const [esptoolShas] = await Promise.all([buildEsptoolRepos(gitRoot), initBare(idfDir)]);
  const esptoolSha = (release: IdfRelease) => esptoolShas[release.esptool];

  const idf = new ImportStream();
  const tagMarks = new Map<string, number>();
  for (const release of IDF_RELEASES) {
    const tree = idfTree(release, sources, esptoolSha(release), toolsets);
    const mark = idf.commit('refs/heads/master', `Update version to ${release.tag}\n`, tree);
    idf.tag(release.tag, mark, `ESP-IDF ${release.tag}\n`);
    tagMarks.set(release.tag, mark);
  }
  const masterTree = idfTree(IDF_MASTER, sources, esptoolSha(IDF_MASTER), toolsets);
  const masterMark = idf.commit('refs/heads/master', 'Start v5.5 development\n', masterTree);
  const v52 = IDF_RELEASES.find((r) => r.tag === 'v5.2.2')!;
  const branchTree = idfTree(
    v52,
    sources,
    esptoolSha(v52),
    toolsets,
    '\nrelease/v5.2: fixes after v5.2.2.\n'
  );
  const branchMark = idf.commit(
    'refs/heads/release/v5.2',
    'Backport fixes to release/v5.2\n',
    branchTree,
    tagMarks.get('v5.2.2')
  );
  const idfShas = await idf.importInto(idfDir);

  return {
    idfTags: Object.fromEntries([...tagMarks].map(([tag, mark]) => [tag, idfShas.get(mark)!])),
    idfBranches: { master: idfShas.get(masterMark)!, 'release/v5.2': idfShas.get(branchMark)! },
    masterTree
  };
}

// ---------------------------------------------------------------------------
// HTTP

export async function startServer(wwwRoot: string, host: string): Promise<FixtureUpstreams['http']> {
  const requests: string[] = [];
  let down = false;
  const server = createServer((req, res) => {
    const target = req.url ?? '/';
    requests.push(target);
    if (down) {
      res.writeHead(503, { 'content-type': 'text/plain', connection: 'close' });
      res.end('503 Service Unavailable (fixture upstream is down)\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(target, 'http://fixture').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const filePath = path.join(wwwRoot, path.normalize(pathname));
    if (!filePath.startsWith(wwwRoot + path.sep)) {
      res.writeHead(404).end();
      return;
    }
    fs.stat(filePath).then(
      (stat) => {
        if (!stat.isFile()) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': stat.size });
        if (req.method === 'HEAD') res.end();
        else createReadStream(filePath).pipe(res);
      },
      () => res.writeHead(404, { 'content-type': 'text/plain' }).end('404 Not Found\n')
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setDown: (value: boolean) => {
      down = value;
    },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    }
  };
}

// ---------------------------------------------------------------------------

export async function createUpstreams(options: UpstreamsOptions = {}): Promise<FixtureUpstreams> {
  const root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'esp32-upstreams-')));
  try {
    const www = path.join(root, 'www');
    const legacyStage = path.join(root, 'stage', 'legacy');
    const legacyOut = path.join(www, 'dl', LEGACY_FILE);
    const legacy = (async () => {
      await stageToolchain(
        legacyStage,
        'xtensa-esp32-elf',
        ['xtensa-esp32-elf'],
        'crosstool-ng-1.22.0-80-g6c4433a',
        '5.2.0'
      );
      await packTarball(legacyStage, 'xtensa-esp32-elf', legacyOut);
      return sha256File(legacyOut);
    })();
    const sets = Object.values(TOOLSETS) as Toolset[];
    const built = await Promise.all(sets.map((set) => buildToolset(root, set, options.toolPadding)));
    const toolsets = new Map(sets.map((set, i) => [set, toolsJson(set, built[i])]));
    const [legacySha, repos] = await Promise.all([legacy, buildRepos(root, toolsets)]);
    await fs.rm(path.join(root, 'stage'), { recursive: true, force: true });

    const http = await startServer(www, options.host ?? '127.0.0.1');
    const registry = await startRegistry(path.join(root, 'registry'));
    const idfRepoUrl = path.join(root, 'git', 'espressif', 'esp-idf.git');
    let masterCommits = 0;
    let advancing = Promise.resolve('');

    const advanceMaster = (): Promise<string> => {
      advancing = advancing.then(async () => {
        masterCommits++;
        const readme = `${(repos.masterTree.get('README.md') as { data: Buffer }).data}\nMaster commit ${masterCommits}.\n`;
        repos.masterTree.set('README.md', file(readme));
        const stream = new ImportStream(1_700_000_000 + masterCommits * 3600);
        const mark = stream.commit(
          'refs/heads/master',
          `Master commit ${masterCommits}\n`,
          new Map([['README.md', file(readme)]]),
          repos.idfBranches.master,
          false
        );
        const sha = (await stream.importInto(idfRepoUrl)).get(mark)!;
        repos.idfBranches.master = sha;
        return sha;
      });
      return advancing;
    };

    let closing: Promise<void> | undefined;
    return {
      root,
      idfRepoUrl,
      idfTags: repos.idfTags,
      idfBranches: repos.idfBranches,
      advanceMaster,
      http,
      legacyToolchain: {
        url: `${http.url}/dl/${LEGACY_FILE}`,
        sha256: legacySha,
        version: LEGACY_VERSION,
        fileName: LEGACY_FILE
      },
      assetsMirror: http.url.replace(/^http:\/\//, ''),
      registry,
      close: () => {
        closing ??= (async () => {
          await Promise.all([http.close(), registry.close()]);
          await fs.rm(root, { recursive: true, force: true });
        })();
        return closing;
      }
    };
  } catch (error) {
    await fs.rm(root, { recursive: true, force: true });
    throw error;
  }
}
