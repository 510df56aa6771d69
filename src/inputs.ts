import { BUILD_CACHE_POLICIES, type BuildCachePolicy } from './pipeline/cache-scope.js';
import os from 'node:os';
import path from 'node:path';
import {
  isBoardName,
  isBuildArgName,
  isIdfRef,
  isImageReference,
  isMakeTarget,
  isMirrorUrl,
  isNetworkName,
  isSha256
} from './grammar.js';
import { maskUserinfo, parseRepoLocation, type RepoProblem } from './repo-url.js';
import { RepoCredentials } from './secrets.js';

/** Every option of a build, as the action's inputs and the CLI's flags name them. */
export interface Inputs {
  /** Absolute path of the MicroPython tree. */
  micropythonPath: string;
  /** Board name; undefined lets the tree choose its default. */
  board?: string;
  boardVariant?: string;
  /** Extra make arguments, each one argv entry. */
  makeArgs: string[];
  /** Make targets; empty means the port's default goal (the firmware). */
  targets: string[];
  jobs: number;
  /** 'auto', or an ESP-IDF tag, branch or full commit hash. */
  idfVersion: string;
  /** The ESP-IDF repository without credentials: what git is given, what is logged and keyed. */
  idfRepo: string;
  /** The credentials idf-repo carried, for git's environment only (they print as ***). */
  idfRepoCredentials?: RepoCredentials;
  toolchainUrl?: string;
  toolchainSha256?: string;
  /** Where ESP-IDF's installer downloads from, when not from the real hosts. */
  mirrors: Mirrors;
  /** 'build' (build the era's Dockerfile in docker/) or an image reference to pull. */
  image: string;
  /** --build-arg values for the image build (e.g. BASE, a base image from a registry of your own). */
  imageBuildArgs: Record<string, string>;
  /** Docker network for the containers; undefined is Docker's default. */
  network?: string;
  cache: boolean;
  ccache: boolean;
  /** Who may read what the build wrote into ccache and the component cache (cache-scope.ts). */
  buildCachePolicy: BuildCachePolicy;
  /** Only resolve the tree (versions, board, chips) and build nothing. */
  resolveOnly: boolean;
  /** The post step's bound on saving caches, in minutes; what is not saved by then is left unsaved. */
  cacheSaveTimeoutMinutes: number;
}

/** Mirrors of what ESP-IDF's install.sh downloads, each a base URL without a trailing slash. */
export interface Mirrors {
  /** github.com's release assets (the v5 tools): host/path, for IDF_GITHUB_ASSETS (https). */
  githubAssets?: string;
  /** The same as a URL, for ESP-IDF's mirror map (which every version reads, over http too). */
  github?: string;
  /** dl.espressif.com: the v4 tools, the v5 constraints file. */
  espressif?: string;
  /** The Python package index (PyPI). */
  pipIndex?: string;
  /** Espressif's own wheels (dl.espressif.com/pypi). */
  pipWheels?: string;
  /** ESP-IDF's component registry (components.espressif.com and its file storage). */
  componentRegistry?: string;
}

export const DEFAULT_IDF_REPO = 'https://github.com/espressif/esp-idf.git';

/** A user-facing problem with an input: names the input, says what is expected. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** Reads one raw input by its action name ('' when not given). */
export type InputSource = (name: string) => string;

export interface InputContext {
  /** Relative micropython-path values are resolved against this. */
  workspace: string;
  cpus?: number;
}

/** Parse and validate every input into one typed object; throws InputError. */
export function parseInputs(get: InputSource, context: InputContext): Inputs {
  const value = (name: string) => get(name).trim();
  const optional = (name: string) => value(name) || undefined;

  const board = optional('board');
  if (board !== undefined) checkName('board', board);
  const boardVariant = optional('board-variant');
  if (boardVariant !== undefined) checkName('board-variant', boardVariant);

  const toolchainSha256 = optional('toolchain-sha256')?.toLowerCase();
  if (toolchainSha256 !== undefined && !isSha256(toolchainSha256)) {
    throw new InputError(
      `toolchain-sha256 must be 64 hexadecimal characters (the output of sha256sum), got '${toolchainSha256}'.`
    );
  }

  const image = value('image') || 'build';
  if (image !== 'build') checkImageReference(image);

  const network = optional('network');
  if (network !== undefined && !isNetworkName(network)) {
    throw new InputError(
      `network must be a Docker network name such as 'host' or 'bridge', got '${network}'.`
    );
  }

  const idfRepo = parseRepository(value('idf-repo') || DEFAULT_IDF_REPO);
  return {
    micropythonPath: path.resolve(context.workspace, value('micropython-path') || '.'),
    board,
    boardVariant,
    makeArgs: parseList(get('make-args'), 'lines'),
    targets: parseTargets(get('targets')),
    jobs: parseJobs(value('jobs'), context.cpus ?? os.availableParallelism()),
    idfVersion: checkIdfRef(value('idf-version') || 'auto'),
    idfRepo: idfRepo.url,
    ...(idfRepo.credentials ? { idfRepoCredentials: idfRepo.credentials } : {}),
    toolchainUrl: parseToolchainUrl(optional('toolchain-url')),
    toolchainSha256,
    mirrors: parseMirrors(optional),
    image,
    imageBuildArgs: parseBuildArgs(get('image-build-args')),
    network,
    cache: parseBoolean('cache', value('cache'), true),
    ccache: parseBoolean('ccache', value('ccache'), true),
    buildCachePolicy: parseBuildCachePolicy(value('build-cache-policy') || 'scoped'),
    resolveOnly: parseBoolean('resolve-only', value('resolve-only'), false),
    cacheSaveTimeoutMinutes: parseCacheSaveTimeout(value('cache-save-timeout'))
  };
}

export const DEFAULT_CACHE_SAVE_TIMEOUT_MINUTES = 20;

/** cache-save-timeout: whole minutes (the post step reads it on its own, through this). */
export function parseCacheSaveTimeout(raw: string): number {
  const text = raw.trim();
  if (text === '') return DEFAULT_CACHE_SAVE_TIMEOUT_MINUTES;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 1440) {
    throw new InputError(
      `cache-save-timeout must be a whole number of minutes from 1 to 1440 (the post step's bound on saving caches; default ${DEFAULT_CACHE_SAVE_TIMEOUT_MINUTES}), got '${text}'.`
    );
  }
  return Number(text);
}

function parseBuildCachePolicy(text: string): BuildCachePolicy {
  const policy = BUILD_CACHE_POLICIES.find((p) => p === text);
  if (!policy) {
    throw new InputError(
      `build-cache-policy: '${text}' is not one of ${BUILD_CACHE_POLICIES.join(', ')} (scoped keeps a pull request's ccache and components out of other branches' builds).`
    );
  }
  return policy;
}

/**
 * A list input: 'lines' keeps each non-empty line whole (a make argument may
 * contain spaces); 'words' also splits on spaces and commas.
 */
export function parseList(raw: string, mode: 'lines' | 'words'): string[] {
  const lines = raw.split(/\r?\n/);
  const items = mode === 'lines' ? lines : lines.flatMap((line) => line.split(/[\s,]+/));
  return items.map((item) => item.trim()).filter((item) => item.length > 0);
}

function checkName(input: string, name: string): void {
  if (!isBoardName(name)) {
    throw new InputError(
      `${input} '${name}' is not a valid name: use letters, digits and underscores, as in the directory names under ports/esp32/boards.`
    );
  }
}

function parseTargets(raw: string): string[] {
  const targets = parseList(raw, 'words');
  for (const target of targets) {
    if (!isMakeTarget(target)) {
      throw new InputError(
        `targets: '${target}' is not a make target name (letters, digits, '_', '.', '-'; not starting with '-'). Put make options and variables in make-args.`
      );
    }
  }
  return targets;
}

function parseJobs(raw: string, cpus: number): number {
  if (raw === '') return Math.max(1, cpus);
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 1024) {
    throw new InputError(`jobs must be a whole number from 1 to 1024, got '${raw}'.`);
  }
  return Number(raw);
}

function parseBoolean(name: string, raw: string, fallback: boolean): boolean {
  if (raw === '') return fallback;
  if (/^(true|yes|on|1)$/i.test(raw)) return true;
  if (/^(false|no|off|0)$/i.test(raw)) return false;
  throw new InputError(`${name} must be true or false, got '${raw}'.`);
}

/**
 * An ESP-IDF tag, branch or commit. Only the characters real ESP-IDF refs use
 * (so the value can never be read as an option, nor break a cache key).
 */
export function checkIdfRef(raw: string): string {
  if (!isIdfRef(raw)) {
    throw new InputError(
      `idf-version '${raw}' is not an ESP-IDF tag, branch or commit: use 'auto', a tag such as v5.2.2, a branch such as release/v5.2, or a full 40-character commit hash.`
    );
  }
  return raw;
}

/** What is wrong with a repository input, for each problem parseRepoLocation finds. */
const REPO_PROBLEMS: Record<RepoProblem, string> = {
  syntax:
    'is not a git repository URL: use https://…, ssh://…, git@host:path, file://… or an absolute path to a mirror or fork.',
  host: "names no valid host: a host is a name or an address of letters, digits, '.' and '-', never starting with '-'.",
  user: "names no valid user: a user is letters, digits, '.', '_' and '-', never starting with '-'.",
  'ssh-password':
    'carries a password, which ssh cannot use: use a key (ssh-agent, ~/.ssh/config), or an https:// URL with a token.',
  userinfo: 'carries a user or password, which this kind of URL has no use for: remove the part before @.'
};

/**
 * A git URL (https, http, ssh, git, file), scp-like user@host:path, or an
 * absolute local path. An http(s) URL's user and password come back apart
 * from the URL, as credentials that print as ***.
 */
export function parseRepository(
  raw: string,
  input = 'idf-repo'
): { url: string; credentials?: RepoCredentials } {
  const location = parseRepoLocation(raw);
  if (typeof location === 'string') {
    throw new InputError(`${input} '${maskUserinfo(raw)}' ${REPO_PROBLEMS[location]}`);
  }
  if (!location.credentials) return { url: location.url };
  return { url: location.url, credentials: new RepoCredentials(location.credentials) };
}

function parseToolchainUrl(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(
      `toolchain-url '${raw}' is not a URL: give the full http(s):// address of the archive.`
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError(`toolchain-url must be an http:// or https:// URL, got '${raw}'.`);
  }
  return raw;
}

/**
 * The mirror inputs. idf-tools-mirror may be host/path (ESP-IDF's own
 * IDF_GITHUB_ASSETS form, https) or a URL (any scheme, as a mirror on the
 * local network may be plain http).
 */
function parseMirrors(optional: (name: string) => string | undefined): Mirrors {
  const mirrors: Mirrors = {};
  const tools = optional('idf-tools-mirror');
  if (tools !== undefined) {
    const url = /^[a-z]+:\/\//i.test(tools) ? tools : `https://${tools}`;
    mirrors.github = parseMirrorUrl(
      'idf-tools-mirror',
      url,
      'dl.espressif.com/github_assets or https://mirror.example/github'
    );
    if (mirrors.github.startsWith('https://')) mirrors.githubAssets = mirrors.github.slice('https://'.length);
  }
  const url = (input: string, example: string) => {
    const raw = optional(input);
    return raw === undefined ? undefined : parseMirrorUrl(input, raw, example);
  };
  mirrors.espressif = url('espressif-mirror', 'https://mirror.example/espressif');
  mirrors.pipIndex = url('pip-index', 'https://pypi.example/simple');
  mirrors.pipWheels = url('idf-pip-wheels', 'https://mirror.example/espressif/pypi');
  mirrors.componentRegistry = url('component-registry-mirror', 'https://mirror.example/components');
  for (const key of Object.keys(mirrors) as (keyof Mirrors)[])
    if (mirrors[key] === undefined) delete mirrors[key];
  return mirrors;
}

function parseMirrorUrl(input: string, raw: string, example: string): string {
  const url = raw.replace(/\/+$/, '');
  if (!isMirrorUrl(url)) {
    throw new InputError(
      `${input} '${raw}' is not a mirror's URL: give its base as http(s)://host[:port]/path, such as ${example}.`
    );
  }
  return url;
}

/** NAME=value lines for the image build. */
function parseBuildArgs(raw: string): Record<string, string> {
  const args: Record<string, string> = {};
  for (const line of parseList(raw, 'lines')) {
    const eq = line.indexOf('=');
    const name = eq > 0 ? line.slice(0, eq) : '';
    if (!isBuildArgName(name)) {
      throw new InputError(
        `image-build-args: '${line}' is not NAME=value (one per line, e.g. BASE=registry.example/debian:bookworm-slim).`
      );
    }
    args[name] = line.slice(eq + 1);
  }
  return args;
}

function checkImageReference(image: string): void {
  if (!isImageReference(image)) {
    throw new InputError(
      `image '${image}' is neither 'build' nor a Docker image reference such as ghcr.io/owner/esp32-devel:1.0.`
    );
  }
}
