/**
 * ESP-IDF fixture repositories holding the REAL installer and exporter of
 * each ref (install.sh, export.sh, tools/idf_tools.py, activate.py,
 * export_utils/, check_python_dependencies.py, requirements, tools.json…),
 * copied at test time from ../shared/upstream/esp-idf/<ref>/, plus what the
 * fixture builds need: our components, our tools/idf.py double (the real one
 * needs every component), and the esptool submodule (with its nested
 * flasher_stub submodule) of ./upstreams.ts.
 *
 * The only change to a real file: tools.json's sha256 and size of the tool
 * archives made here. Its URLs stay as they are; the archives are served on
 * loopback under /github/… (https://github.com/…) and /espressif/…
 * (https://dl.espressif.com/…), which IDF_MIRROR_PREFIX_MAP maps them to, as
 * a user's mirror would. v4.0.2 and v4.2 ignore IDF_GITHUB_ASSETS, and the v5
 * constraints file comes from dl.espressif.com: the prefix map covers both.
 * The same server has the v5 constraints files (./pypi.ts writes them) at
 * /espressif/dl/esp-idf/.
 *
 * One bare repository, git/espressif/esp-idf.git, has one commit per ref on
 * master (oldest first), each with an annotated tag named like the ref.
 * Clone it with `git -c protocol.file.allow=always clone --recurse-submodules`.
 */
import { promises as fs } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { CONTAINER } from '../../src/layout.js';
import { PROJECT } from './project.js';
import { CONSTRAINTS_BASE_URL, constraintsFile, idfMinorVersion, UPSTREAM_IDF_DIR } from './pypi.js';
import {
  buildEsptoolRepos,
  ESPTOOL_STUB_REVISIONS,
  file,
  ImportStream,
  initBare,
  packTarball,
  sha256File,
  stageToolchain,
  startServer,
  stubCheck,
  type FixtureUpstreams,
  type Tree
} from './upstreams.js';

const FIXTURE_IDF = path.join(PROJECT, 'test', 'support', 'fixtures', 'esp-idf');

/** The platform key of tools.json that idf_tools.py picks inside the (x86_64 Linux) container. */
const PLATFORM = 'linux-amd64';

/** Which esptool (index into upstreams.ts's ESPTOOL_RELEASES) each ref's submodule pins. */
const ESPTOOL_OF: Record<string, number> = {
  'v4.0.2': 0,
  'v4.4': 1,
  'v5.0.4': 2,
  'v5.2.2': 3,
  'v5.4.2': 4,
  'v5.5.1': 4
};

/** Loopback mirror prefixes: the real URL prefix and the path it maps to on the fixture's server. */
const MIRRORS = [
  { prefix: 'https://github.com/', path: '/github/', regex: '^https://github\\.com' },
  { prefix: 'https://dl.espressif.com/', path: '/espressif/', regex: '^https://dl\\.espressif\\.com' }
] as const;

export interface RealIdfTool {
  name: string;
  /** The recommended version (the install directory under tools/<name>/). */
  version: string;
  /** The real URL, as tools.json names it. */
  url: string;
  /** Where the fixture's server has it: the path the prefix map turns the URL into. */
  mirrorPath: string;
  sha256: string;
  size: number;
  /** tools.json's version_cmd, or undefined for data-only tools (esp-rom-elfs). */
  versionCmd?: string[];
}

export interface RealIdfRelease {
  ref: string;
  /** The tagged commit. */
  commit: string;
  /** major.minor, as idf_tools.py names the venv (idf5.2_py3.11_env) and the constraints file. */
  idfVersion: string;
  /** Every tool install.sh downloads for the fixture's targets (v4.0–v4.3: every `always` tool). */
  tools: RealIdfTool[];
  /** v5: the constraints file install.sh downloads. */
  constraints?: { fileName: string; url: string; mirrorPath: string };
}

export interface RealIdfFixture {
  root: string;
  /** <root>/git/espressif/esp-idf.git (bare): usable as a git URL. */
  idfRepoUrl: string;
  /** Tag -> peeled commit. */
  idfTags: Record<string, string>;
  releases: Record<string, RealIdfRelease>;
  /** The tool mirror on loopback; `requests` logs every request path. */
  http: FixtureUpstreams['http'];
  /** IDF_MIRROR_PREFIX_MAP: github.com and dl.espressif.com to this server. */
  mirrorPrefixMap: string;
  /** A real URL as the prefix map rewrites it. */
  mirrorUrl(url: string): string;
  close(): Promise<void>;
}

export interface RealIdfOptions {
  refs: readonly string[];
  /** The chips install.sh is given (default ['esp32']); decides which tool archives are made. */
  targets?: readonly string[];
  /** Address the server binds; URLs always name 127.0.0.1. Default '127.0.0.1'. */
  host?: string;
}

// ---------------------------------------------------------------------------
// tools.json

interface ToolDownload {
  sha256: string;
  size: number;
  url: string;
}
interface ToolOptions {
  install?: string;
  export_paths?: string[][];
  version_cmd?: string[];
  version_regex?: string;
  version_regex_replace?: string;
  strip_container_dirs?: number;
  supported_targets?: string[];
  is_executable?: boolean;
}
interface ToolsJsonTool extends ToolOptions {
  name: string;
  platform_overrides?: Array<ToolOptions & { platforms: string[] }>;
  versions: Array<{ name: string; status?: string } & Record<string, unknown>>;
}

/** The tool as idf_tools.py sees it on linux-amd64: platform_overrides applied. */
function effective(
  tool: ToolsJsonTool
): Required<Pick<ToolOptions, 'install' | 'export_paths'>> & ToolOptions {
  let options: ToolOptions = { ...tool };
  for (const override of tool.platform_overrides ?? []) {
    if (override.platforms.includes(PLATFORM)) {
      const rest: ToolOptions & { platforms?: string[] } = { ...override };
      delete rest.platforms;
      options = { ...options, ...rest };
    }
  }
  return { install: 'never', export_paths: [], ...options };
}

/** v4.0–v4.3's install.sh ignores its arguments and installs every `always` tool. */
function installsEveryTool(ref: string): boolean {
  return /^v4\.[0-3](\.|$)/.test(ref);
}

interface SelectedTool {
  tool: ToolsJsonTool;
  options: ReturnType<typeof effective>;
  version: string;
  download: ToolDownload;
}

/** What `install.sh <targets>` downloads: `always` tools for those targets, recommended version, linux-amd64 (or any). */
function selectTools(
  ref: string,
  json: { tools: ToolsJsonTool[] },
  targets: readonly string[]
): SelectedTool[] {
  const selected: SelectedTool[] = [];
  for (const tool of json.tools) {
    const options = effective(tool);
    if (options.install !== 'always') continue;
    const supported = options.supported_targets ?? ['all'];
    if (
      !installsEveryTool(ref) &&
      !targets.includes('all') &&
      !supported.includes('all') &&
      !targets.some((t) => supported.includes(t))
    )
      continue;
    const recommended = tool.versions.find((v) => v.status === 'recommended');
    const download = (recommended?.[PLATFORM] ?? recommended?.any) as ToolDownload | undefined;
    if (!recommended || !download) continue;
    selected.push({ tool, options, version: recommended.name, download });
  }
  return selected;
}

/**
 * tools.json with only the given downloads' sha256 and size replaced, edited
 * as text so that everything else stays byte for byte.
 */
function patchToolsJson(text: string, patches: Map<string, { sha256: string; size: number }>): string {
  const expected = JSON.parse(text) as { tools: ToolsJsonTool[] };
  const olds: Array<{ url: string; sha256: string; size: number }> = [];
  for (const tool of expected.tools) {
    for (const version of tool.versions) {
      for (const value of Object.values(version)) {
        const download = value as ToolDownload;
        const patch = typeof download === 'object' && download ? patches.get(download.url) : undefined;
        if (!patch) continue;
        olds.push({ url: download.url, sha256: download.sha256, size: download.size });
        download.sha256 = patch.sha256;
        download.size = patch.size;
      }
    }
  }
  let out = text;
  for (const old of olds) {
    const patch = patches.get(old.url)!;
    let from = 0;
    for (;;) {
      const at = out.indexOf(`"${old.sha256}"`, from);
      if (at < 0) break;
      const start = out.lastIndexOf('{', at);
      const end = out.indexOf('}', at);
      const block = out.slice(start, end + 1);
      from = at + 1;
      if (!block.includes(`"${old.url}"`)) continue;
      const patched = block
        .replace(`"${old.sha256}"`, `"${patch.sha256}"`)
        .replace(new RegExp(`("size"\\s*:\\s*)${old.size}\\b`), `$1${patch.size}`);
      out = out.slice(0, start) + patched + out.slice(end + 1);
    }
  }
  if (!isDeepStrictEqual(JSON.parse(out), expected)) {
    throw new Error('tools.json: patching sha256/size as text did not give the expected JSON');
  }
  return out;
}

// ---------------------------------------------------------------------------
// Tool archives

/** Python's re.sub replacement (\1) in JavaScript's syntax ($1). */
const jsReplacement = (python: string) => python.replace(/\\(\d)/g, '$$$1');

/** What idf_tools.py's get_version() makes of a version command's output. */
function parsedVersion(output: string, regex: string, replace = '\\1'): string | undefined {
  const re = new RegExp(regex);
  const match = re.exec(output);
  return match ? match[0].replace(re, jsReplacement(replace)) : undefined;
}

function script(lines: string[]): string {
  return ['#!/bin/sh', ...lines, ''].join('\n');
}

/** A data-only or executable stand-in of a tool's contents, staged under stage/<export dir>. */
async function stageTool(stage: string, selected: SelectedTool): Promise<string> {
  const { tool, options, version } = selected;
  const exportDir = options.export_paths[0] ?? [''];
  const cmd = options.version_cmd ?? [''];
  const regex = options.version_regex ?? '';
  const top = path.join(stage, ...exportDir);
  await fs.mkdir(top, { recursive: true });
  const put = (name: string, text: string) => fs.writeFile(path.join(top, name), text, { mode: 0o755 });
  let output: string;
  if (options.is_executable === false || !cmd[0]) {
    await fs.writeFile(path.join(top, 'README.txt'), `${tool.name} ${version} (test fixture: data only)\n`);
    await fs.writeFile(path.join(top, 'esp32_rev0_rom.elf'), 'fixture ROM ELF\n');
    return version;
  } else if (cmd[0].endsWith('-gcc')) {
    const split = options.version_regex_replace ? /^(.*)-(\d+\.\d+\.\d+)$/.exec(version) : null;
    const crosstool = split ? split[1] : version;
    const gcc = split ? split[2] : (/(\d+\.\d+\.\d+)/.exec(version)?.[1] ?? '0.0.0');
    const prefixes =
      tool.name === 'xtensa-esp-elf'
        ? ['xtensa-esp-elf', 'xtensa-esp32-elf', 'xtensa-esp32s2-elf', 'xtensa-esp32s3-elf']
        : [cmd[0].slice(0, -'-gcc'.length)];
    if (exportDir.length !== 2 || exportDir[1] !== 'bin')
      throw new Error(`${tool.name}: unexpected export path`);
    await stageToolchain(stage, exportDir[0], prefixes, crosstool, gcc);
    output = `${cmd[0]} (crosstool-NG ${crosstool}) ${gcc}`;
  } else if (regex.includes('GNU gdb')) {
    output = `GNU gdb (esp-gdb) ${version}`;
    for (const name of new Set([cmd[0], cmd[0].replace(/-no-python$/, '')])) {
      await put(name, script([`# Test double of ${name}.`, `echo '${output}'`]));
    }
  } else if (regex.includes('GNU Binutils')) {
    output = `GNU assembler (GNU Binutils) ${version}`;
    await put(cmd[0], script([`# Test double of ${cmd[0]}.`, `echo '${output}'`, 'exit 0']));
  } else if (regex.includes('Open On-Chip Debugger')) {
    output = `Open On-Chip Debugger ${version} (2020-01-01-00:00)`;
    await put(cmd[0], script([`# Test double of OpenOCD.`, `echo '${output}'`]));
    await fs.mkdir(path.join(stage, exportDir[0], 'share', 'openocd', 'scripts'), { recursive: true });
    await fs.writeFile(path.join(stage, exportDir[0], 'share', 'openocd', 'scripts', 'README'), 'fixture\n');
  } else {
    throw new Error(`No fixture archive recipe for tool ${tool.name} (version_cmd ${cmd.join(' ')})`);
  }
  const parsed = parsedVersion(output, regex, options.version_regex_replace);
  if (parsed !== version) {
    throw new Error(
      `${tool.name}: fixture prints "${output}", which tools.json reads as ${parsed}, not ${version}`
    );
  }
  return version;
}

function mirrorPathOf(url: string): string {
  const mirror = MIRRORS.find((m) => url.startsWith(m.prefix));
  if (!mirror) throw new Error(`No loopback mirror for ${url}`);
  return mirror.path + url.slice(mirror.prefix.length);
}

/** Builds the archive of one download URL under www/; returns its sha256 and size. */
async function buildArchive(root: string, www: string, selected: SelectedTool, index: number) {
  const { url } = selected.download;
  if (!/\.tar\.(gz|xz)$/.test(url))
    throw new Error(`${selected.tool.name}: cannot make ${url} (tar.gz/tar.xz only)`);
  const stage = path.join(root, 'stage', String(index));
  let inner = stage;
  // strip_container_dirs: the real archive wraps the contents in that many directories.
  for (let level = 0; level < (selected.options.strip_container_dirs ?? 0); level++) {
    inner = path.join(inner, `container-${level}`);
  }
  await stageTool(inner, selected);
  const entries = await fs.readdir(stage);
  const out = path.join(www, mirrorPathOf(url));
  await packTarball(stage, entries.length === 1 ? entries[0] : '.', out);
  const { size } = await fs.stat(out);
  return { sha256: await sha256File(out), size };
}

// ---------------------------------------------------------------------------
// The repository

async function walk(dir: string, prefix = ''): Promise<Array<{ rel: string; full: string }>> {
  const found: Array<{ rel: string; full: string }> = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...(await walk(full, rel)));
    else if (entry.isFile()) found.push({ rel, full });
  }
  return found;
}

async function idfTree(
  ref: string,
  toolsJson: string,
  esptoolSha: string,
  stubRevision: number
): Promise<Tree> {
  const tree: Tree = new Map();
  const upstream = path.join(UPSTREAM_IDF_DIR, ref);
  for (const { rel, full } of await walk(upstream)) {
    const executable = ((await fs.stat(full)).mode & 0o100) !== 0;
    tree.set(rel, file(await fs.readFile(full), executable));
  }
  for (const { rel, full } of await walk(path.join(FIXTURE_IDF, 'components'))) {
    tree.set(`components/${rel}`, file(await fs.readFile(full), rel.endsWith('.py')));
  }
  tree.set('tools/idf.py', file(await fs.readFile(path.join(FIXTURE_IDF, 'tools', 'idf.py')), true));
  tree.set('tools/tools.json', file(toolsJson));
  tree.set(
    'README.md',
    file(
      `# ESP-IDF ${ref} (test fixture)\n\nThe real install.sh, export.sh and tools/ of ESP-IDF ${ref}; ` +
        "tools.json's sha256 and size match the fixture's tool archives; tools/idf.py and the " +
        'components are test doubles.\n'
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
  tree.set('components/esptool_py/esptool', { mode: '160000', sha: esptoolSha });
  tree.set('components/esptool_py/flasher_stub_check.c', file(stubCheck(stubRevision)));
  return tree;
}

/** Sorts refs oldest first (v4.0.2 < v4.4 < v5.0.4 …). */
function byVersion(a: string, b: string): number {
  const parts = (ref: string) => ref.replace(/^v/, '').split('.').map(Number);
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

// ---------------------------------------------------------------------------

export async function createRealIdf(options: RealIdfOptions): Promise<RealIdfFixture> {
  const refs = [...new Set(options.refs)].sort(byVersion);
  const targets = options.targets ?? ['esp32'];
  for (const ref of refs) {
    if (!(ref in ESPTOOL_OF)) throw new Error(`No real ESP-IDF scripts for ${ref} in ${UPSTREAM_IDF_DIR}`);
  }
  const root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'esp32-real-idf-')));
  const www = path.join(root, 'www');
  const gitRoot = path.join(root, 'git', 'espressif');
  const idfRepoUrl = path.join(gitRoot, 'esp-idf.git');
  const repos = Promise.all([buildEsptoolRepos(gitRoot), initBare(idfRepoUrl)]);
  // Settled before any cleanup: git must not be writing into root while it is deleted.
  repos.catch(() => undefined);
  try {
    // Tool archives: one per download URL (refs share some), checked against every ref's tools.json.
    const texts = new Map<string, string>();
    const selections = new Map<string, SelectedTool[]>();
    for (const ref of refs) {
      const text = await fs.readFile(path.join(UPSTREAM_IDF_DIR, ref, 'tools', 'tools.json'), 'utf8');
      texts.set(ref, text);
      selections.set(ref, selectTools(ref, JSON.parse(text) as { tools: ToolsJsonTool[] }, targets));
    }
    const byUrl = new Map<string, SelectedTool>();
    for (const selected of [...selections.values()].flat()) {
      if (!byUrl.has(selected.download.url)) byUrl.set(selected.download.url, selected);
    }
    const built = new Map<string, { sha256: string; size: number }>();
    await Promise.all(
      [...byUrl].map(async ([url, selected], i) => built.set(url, await buildArchive(root, www, selected, i)))
    );
    // A URL shared by two refs must be read the same way by both.
    for (const selected of [...selections.values()].flat()) {
      const first = byUrl.get(selected.download.url)!;
      const layout = ({ options: o, version }: SelectedTool) => [
        version,
        o.export_paths,
        o.version_cmd,
        o.version_regex,
        o.version_regex_replace ?? '\\1',
        o.strip_container_dirs ?? 0,
        o.is_executable ?? true
      ];
      if (!isDeepStrictEqual(layout(first), layout(selected))) {
        throw new Error(`${selected.download.url} is described differently by two refs' tools.json`);
      }
    }

    const releases: Record<string, RealIdfRelease> = {};
    for (const ref of refs) {
      const constraints = await constraintsFile(ref);
      if (constraints) {
        const dest = path.join(www, mirrorPathOf(`${CONSTRAINTS_BASE_URL}/${constraints.fileName}`));
        await fs.mkdir(path.dirname(dest), { recursive: true });
        await fs.writeFile(dest, constraints.content);
      }
      releases[ref] = {
        ref,
        commit: '',
        idfVersion: idfMinorVersion(ref),
        tools: selections.get(ref)!.map(({ tool, options, version, download }) => ({
          name: tool.name,
          version,
          url: download.url,
          mirrorPath: mirrorPathOf(download.url),
          ...built.get(download.url)!,
          ...(options.is_executable === false || !options.version_cmd?.[0]
            ? {}
            : { versionCmd: options.version_cmd })
        })),
        ...(constraints
          ? {
              constraints: {
                fileName: constraints.fileName,
                url: `${CONSTRAINTS_BASE_URL}/${constraints.fileName}`,
                mirrorPath: mirrorPathOf(`${CONSTRAINTS_BASE_URL}/${constraints.fileName}`)
              }
            }
          : {})
      };
    }

    const [esptoolShas] = await repos;
    const idf = new ImportStream();
    const marks = new Map<string, number>();
    for (const ref of refs) {
      const patched = patchToolsJson(
        texts.get(ref)!,
        new Map(releases[ref].tools.map((t) => [t.url, { sha256: t.sha256, size: t.size }]))
      );
      const esptool = ESPTOOL_OF[ref];
      const tree = await idfTree(ref, patched, esptoolShas[esptool], ESPTOOL_STUB_REVISIONS[esptool]);
      const mark = idf.commit('refs/heads/master', `Update version to ${ref}\n`, tree);
      idf.tag(ref, mark, `ESP-IDF ${ref}\n`);
      marks.set(ref, mark);
    }
    const shas = await idf.importInto(idfRepoUrl);
    const idfTags: Record<string, string> = {};
    for (const ref of refs) {
      idfTags[ref] = shas.get(marks.get(ref)!)!;
      releases[ref].commit = idfTags[ref];
    }
    await fs.rm(path.join(root, 'stage'), { recursive: true, force: true });

    const http = await startServer(www, options.host ?? '127.0.0.1');
    const mirrorPrefixMap = MIRRORS.map((m) => `${m.regex},${http.url}${m.path.replace(/\/$/, '')}`).join(
      ';'
    );
    let closing: Promise<void> | undefined;
    return {
      root,
      idfRepoUrl,
      idfTags,
      releases,
      http,
      mirrorPrefixMap,
      mirrorUrl: (url) => http.url + mirrorPathOf(url),
      close: () => {
        closing ??= (async () => {
          await http.close();
          await fs.rm(root, { recursive: true, force: true });
        })();
        return closing;
      }
    };
  } catch (error) {
    await repos.catch(() => undefined);
    await fs.rm(root, { recursive: true, force: true, maxRetries: 3 });
    throw error;
  }
}

/**
 * The environment a container running the real install.sh / export.sh gets
 * (and that the pipeline produces from its mirror inputs): tool downloads and
 * the constraints file through IDF_MIRROR_PREFIX_MAP, pip through the
 * loopback index (trusted: it is plain http), ESP-IDF and its tools at the
 * image's fixed paths, HOME under /tmp. Run it as a non-root UID with
 * --network host (the servers listen on the host's 127.0.0.1).
 */
export function realIdfEnv(
  idf: Pick<RealIdfFixture, 'mirrorPrefixMap'>,
  index: { simpleUrl: string; trustedHost: string }
): Record<string, string> {
  return {
    IDF_MIRROR_PREFIX_MAP: idf.mirrorPrefixMap,
    PIP_INDEX_URL: index.simpleUrl,
    PIP_TRUSTED_HOST: index.trustedHost,
    IDF_PIP_WHEELS_URL: index.simpleUrl,
    IDF_PATH: CONTAINER.idfPath,
    IDF_TOOLS_PATH: CONTAINER.idfToolsPath,
    HOME: CONTAINER.home
  };
}

/** `docker run` arguments for realIdfEnv: --network host, --user UID:GID, one -e per variable. */
export function realIdfDockerArgs(env: Record<string, string>, user: { uid: number; gid: number }): string[] {
  return [
    '--network',
    'host',
    '--user',
    `${user.uid}:${user.gid}`,
    ...Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`])
  ];
}

export interface EgressTrap {
  /** http://127.0.0.1:PORT */
  url: string;
  /** What reached the trap: `GET http://host/path` or `CONNECT host:443`. Empty when nothing tried to leave. */
  requests: string[];
  /**
   * http(s)_proxy pointing at the trap, no_proxy for loopback: add to a
   * container's environment to catch any request that is not for 127.0.0.1
   * (Python's urllib, pip, git and curl all honour these).
   */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * A forward proxy that refuses everything and logs it: proof that a
 * container with `env` reached nothing but the loopback servers.
 */
export async function startEgressTrap(host = '127.0.0.1'): Promise<EgressTrap> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res
      .writeHead(403, { 'content-type': 'text/plain', connection: 'close' })
      .end('Blocked by the test egress trap\n');
  });
  server.on('connect', (req, socket) => {
    requests.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const noProxy = '127.0.0.1,localhost';
  let closing: Promise<void> | undefined;
  return {
    url,
    requests,
    env: {
      http_proxy: url,
      https_proxy: url,
      HTTP_PROXY: url,
      HTTPS_PROXY: url,
      no_proxy: noProxy,
      NO_PROXY: noProxy
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    }
  };
}
