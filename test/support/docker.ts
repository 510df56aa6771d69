/**
 * Real Docker for the integration tests: checks that an engine answers, builds
 * the project's images from docker/ once per machine (docker/Dockerfile, and
 * docker/Dockerfile.idf4 on a local bullseye base it makes when missing), and
 * runs containers the way the action does (an arbitrary UID:GID with HOME
 * under /tmp).
 *
 * Nothing here skips: without a working engine the tests fail, loudly.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { lastLines, run, type RunResult } from '../../src/exec.js';
import { CONTAINER } from '../../src/layout.js';
import { PROJECT } from './project.js';

/** The directory the image is built from. */
export const DOCKER_DIR = path.join(PROJECT, 'docker') + path.sep;

/** A UID:GID that exists nowhere: no passwd entry in the image, not the host's. */
export const FOREIGN_USER = { uid: 12345, gid: 12345 } as const;

/** Long enough for a cold image build (apt inside the container). */
export const IMAGE_BUILD_TIMEOUT_MS = 15 * 60_000;

let dockerChecked: Promise<void> | undefined;

/** Throws a clear error when `docker info` does not answer. */
export function requireDocker(): Promise<void> {
  dockerChecked ??= (async () => {
    const result = await run('docker', ['info', '--format', '{{.ServerVersion}}'], {
      allowFailure: true,
      timeoutMs: 60_000
    }).catch((error: Error) => ({ code: -1, stdout: '', stderr: error.message }));
    if (result.code !== 0 || !result.stdout.trim()) {
      throw new Error(
        'These tests need a running Docker engine, but `docker info` failed' +
          ` (exit ${result.code}):\n${(result.stderr || result.stdout).trim()}\n` +
          'Start dockerd (see .ci/run), or run only the unit tests: npm run test:unit'
      );
    }
  })();
  return dockerChecked;
}

/** Every file under docker/, relative path and content, in a stable order. */
async function dockerFiles(dir = DOCKER_DIR, prefix = ''): Promise<Array<[string, Buffer]>> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const files: Array<[string, Buffer]> = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const relative = prefix + entry.name;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await dockerFiles(full, relative + '/')));
    else if (entry.isFile()) files.push([relative, await fs.readFile(full)]);
  }
  return files;
}

/** A short hash of docker/: the image tag changes whenever the image would (not with the digests a release lists). */
export async function dockerDirHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const [name, content] of await dockerFiles()) {
    if (name === 'published.json') continue;
    const mode = (await fs.stat(path.join(DOCKER_DIR, name))).mode & 0o111 ? 'x' : '-';
    hash.update(`${name}\0${mode}\0${content.length}\0`);
    hash.update(content);
  }
  return hash.digest('hex').slice(0, 12);
}

export async function imageExists(tag: string): Promise<boolean> {
  const result = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', tag], {
    allowFailure: true
  });
  return result.code === 0;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Holds a machine-wide lock (a directory under the temp dir) while fn runs,
 * so that parallel jest workers build the image once, not once each. A lock
 * left by a process that died is taken over.
 */
async function withLock<T>(name: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(os.tmpdir(), `${name}.lock`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fs.mkdir(lock);
      await fs.writeFile(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(await fs.readFile(path.join(lock, 'pid'), 'utf8').catch(() => ''));
      const age = Date.now() - (await fs.stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      // No pid yet and young: the owner is between mkdir and writeFile.
      if ((owner && !processAlive(owner)) || (!owner && age > 10_000)) {
        await fs.rm(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`Timed out waiting for ${lock} (held by pid ${owner || '?'})`);
      await sleep(1000);
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lock, { recursive: true, force: true });
  }
}

/** `--build-arg` pairs, in a stable order. */
export type BuildArgs = Readonly<Record<string, string>>;

/** What one test image is built from: its repository, Dockerfile and build arguments. */
interface ImageRecipe {
  /** The image's repository; the tag is `test-<hash>`. */
  repository: string;
  /** A Dockerfile under docker/. */
  dockerfile: string;
  buildArgs: BuildArgs;
}

/** `--build-arg NAME=VALUE` for each argument, sorted by name. */
export function buildArgFlags(buildArgs: BuildArgs): string[] {
  return Object.keys(buildArgs)
    .sort()
    .flatMap((name) => ['--build-arg', `${name}=${buildArgs[name]}`]);
}

/** `--image-build-args NAME=VALUE` for each argument, sorted by name: the CLI's options. */
export function buildArgOptions(buildArgs: BuildArgs): string[] {
  return buildArgFlags(buildArgs).map((flag) => (flag === '--build-arg' ? '--image-build-args' : flag));
}

/** The action's image-build-args input: one NAME=VALUE per line, sorted by name. */
export function buildArgLines(buildArgs: BuildArgs): string {
  return Object.keys(buildArgs)
    .sort()
    .map((name) => `${name}=${buildArgs[name]}`)
    .join('\n');
}

/** The tag of a recipe: a hash of docker/ and of the build arguments. */
async function recipeTag(recipe: ImageRecipe): Promise<string> {
  const flags = buildArgFlags(recipe.buildArgs);
  const hash = createHash('sha256')
    .update(`${await dockerDirHash()}\0${recipe.dockerfile}\0${flags.join('\0')}`)
    .digest('hex')
    .slice(0, 12);
  return `${recipe.repository}:test-${hash}`;
}

/** The `docker build` argv (after `docker`) for a recipe; labelled esp32-devel.test=1. */
function testImageBuildArgs(recipe: ImageRecipe, tag: string): string[] {
  return [
    'build',
    '--force-rm',
    '--label',
    'esp32-devel.test=1',
    ...buildArgFlags(recipe.buildArgs),
    '--file',
    path.join(DOCKER_DIR, recipe.dockerfile),
    '--tag',
    tag,
    DOCKER_DIR
  ];
}

/** Builds a recipe unless its tag exists, once per machine (under a lock); returns the tag. */
async function buildRecipe(recipe: ImageRecipe): Promise<string> {
  await requireDocker();
  const tag = await recipeTag(recipe);
  if (await imageExists(tag)) return tag;
  return withLock(`esp32-devel-image-${tag.replace(/[^\w.-]/g, '_')}`, IMAGE_BUILD_TIMEOUT_MS, async () => {
    if (await imageExists(tag)) return tag; // another worker built it meanwhile
    await run('docker', testImageBuildArgs(recipe, tag), { timeoutMs: IMAGE_BUILD_TIMEOUT_MS });
    return tag;
  });
}

/** Memoises a build per process; a failed build is not remembered: the next caller tries again. */
function once(build: () => Promise<string>): () => Promise<string> {
  let pending: Promise<string> | undefined;
  return () => {
    if (pending) return pending;
    const attempt = build();
    pending = attempt;
    attempt.catch(() => {
      if (pending === attempt) pending = undefined;
    });
    return attempt;
  };
}

/** The local image docker/Dockerfile is built on here (made by .ci/run): no registry is reachable. */
export const BOOKWORM_BASE = 'debian:bookworm-slim';

/**
 * The build arguments of every bookworm image the tests build or ask the
 * action and the CLI to build: the Dockerfile's default BASE is pinned by
 * digest, which only a registry has.
 */
export const BOOKWORM_TEST_BUILD_ARGS: BuildArgs = { BASE: BOOKWORM_BASE };

/**
 * Builds docker/Dockerfile on the local bookworm base into
 * `esp32-devel:test-<hash of docker/ and the build args>` unless that image
 * already exists, and returns the tag. Safe to call from every test file.
 */
export const buildTestImage = once(() =>
  buildRecipe({ repository: 'esp32-devel', dockerfile: 'Dockerfile', buildArgs: BOOKWORM_TEST_BUILD_ARGS })
);

/** The local Debian bullseye image that stands in for Ubuntu 20.04 (Python 3.9 rather than 3.8). */
export const BULLSEYE_BASE = 'esp32-devel-base:bullseye';

/** The build arguments the tests build docker/Dockerfile.idf4 with. */
export const IDF4_TEST_BUILD_ARGS: BuildArgs = { BASE: BULLSEYE_BASE, ESP32_DEVEL_PYTHON: '3.9' };

/**
 * Builds docker/Dockerfile.idf4 on the bullseye stand-in (made first when
 * missing) into `esp32-devel-idf4:test-<hash of docker/ and the build args>`.
 */
export const buildIdf4TestImage = once(async () => {
  await requireBullseyeBase();
  return buildRecipe({
    repository: 'esp32-devel-idf4',
    dockerfile: 'Dockerfile.idf4',
    buildArgs: IDF4_TEST_BUILD_ARGS
  });
});

/** debootstrap of a minimal Debian, then its import: a few minutes at worst. */
export const BASE_IMAGE_TIMEOUT_MS = 15 * 60_000;

/**
 * Makes `image` from a minimal Debian `suite` the way .ci/run does, unless it
 * exists (`debootstrap --variant=minbase SUITE DIR`, then `docker import`):
 * no registry is reachable, Debian's archive is. Needs root and debootstrap.
 * Returns the image.
 */
export async function requireDebianBase(image: string, suite: string): Promise<string> {
  await requireDocker();
  if (await imageExists(image)) return image;
  return withLock(`esp32-devel-base-${image.replace(/[^\w.-]/g, '_')}`, BASE_IMAGE_TIMEOUT_MS, async () => {
    if (await imageExists(image)) return image; // another worker made it meanwhile
    const missing = `The base image ${image} is missing and cannot be made here`;
    if (hostUser().uid !== 0)
      throw new Error(`${missing}: debootstrap needs root. Run .ci/run (as root), or make it by hand.`);
    const found = await run('bash', ['-c', 'command -v debootstrap'], { allowFailure: true });
    if (found.code !== 0)
      throw new Error(
        `${missing}: debootstrap is not installed (apt-get install debootstrap, or run .ci/run).`
      );
    const work = await fs.mkdtemp(path.join(os.tmpdir(), `esp32-${suite}-`));
    try {
      const rootfs = path.join(work, 'rootfs');
      const debootstrap = await run(found.stdout.trim(), ['--variant=minbase', suite, rootfs], {
        allowFailure: true,
        timeoutMs: BASE_IMAGE_TIMEOUT_MS
      });
      if (debootstrap.code !== 0) {
        const log = await fs
          .readFile(path.join(rootfs, 'debootstrap', 'debootstrap.log'), 'utf8')
          .catch(() => '');
        throw new Error(
          `${missing}: debootstrap --variant=minbase ${suite} failed (exit ${debootstrap.code}):\n` +
            lastLines(`${debootstrap.stdout}\n${debootstrap.stderr}\n${log}`, 30)
        );
      }
      const script = 'set -o pipefail; tar -C "$1" -c . | docker import - "$2"';
      await run('bash', ['-c', script, 'import', rootfs, image], { timeoutMs: BASE_IMAGE_TIMEOUT_MS });
      return image;
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  });
}

/** {@link requireDebianBase} for {@link BULLSEYE_BASE}, the stand-in for ubuntu:20.04. */
export const requireBullseyeBase = once(() => requireDebianBase(BULLSEYE_BASE, 'bullseye'));

/** `--user UID:GID -e HOME=/tmp/esp32-home`, as the action runs the image. */
export function userArgs(user: { uid: number; gid: number }): string[] {
  return ['--user', `${user.uid}:${user.gid}`, '-e', `HOME=${CONTAINER.home}`];
}

/** userArgs for the user running the tests (root on CI). */
export function hostUserArgs(): string[] {
  return userArgs(hostUser());
}

export function hostUser(): { uid: number; gid: number } {
  return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
}

export interface ContainerOptions {
  /** Extra `docker run` arguments: -v, -e, -w, --user, --entrypoint… */
  args?: readonly string[];
  timeoutMs?: number;
}

/**
 * `docker run --rm [args] image command…`; resolves with the exit code and
 * output whatever the code (check `code` yourself).
 */
export function runInImage(
  image: string,
  command: readonly string[],
  options: ContainerOptions = {}
): Promise<RunResult> {
  return run('docker', ['run', '--rm', ...(options.args ?? []), image, ...command], {
    allowFailure: true,
    timeoutMs: options.timeoutMs ?? 120_000
  });
}

/** `bash -c script` in the image (through its entrypoint). */
export function bashInImage(
  image: string,
  script: string,
  options: ContainerOptions = {}
): Promise<RunResult> {
  return runInImage(image, ['bash', '-c', script], options);
}

/** A temporary directory the container's users can read (mode 0755) or also write (0777). */
export async function makeSharedDir(prefix: string, mode: 0o755 | 0o777 = 0o755): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  await fs.chmod(dir, mode);
  return dir;
}

/**
 * Gives everything under dir back to the host user (containers leave files
 * owned by other UIDs, which a non-root host cannot delete), then deletes it.
 */
export async function removeSharedDir(dir: string, image?: string): Promise<void> {
  const me = hostUser();
  if (image && me.uid !== 0) {
    await run(
      'docker',
      [
        'run',
        '--rm',
        '--user',
        '0:0',
        '--entrypoint',
        'chown',
        '-v',
        `${dir}:/reclaim`,
        image,
        '-R',
        `${me.uid}:${me.gid}`,
        '/reclaim'
      ],
      { allowFailure: true }
    );
  }
  await fs.rm(dir, { recursive: true, force: true });
}

/**
 * The Python version a Dockerfile under docker/ declares by default: its
 * `ARG ESP32_DEVEL_PYTHON=x.y` line (which its `ENV ESP32_DEVEL_PYTHON` takes).
 */
export async function declaredPython(dockerfile = 'Dockerfile'): Promise<string> {
  const text = await fs.readFile(path.join(DOCKER_DIR, dockerfile), 'utf8');
  const match = /^ARG ESP32_DEVEL_PYTHON=(\d+\.\d+)\s*$/m.exec(text);
  if (!match) throw new Error(`docker/${dockerfile} has no \`ARG ESP32_DEVEL_PYTHON=<x.y>\` line`);
  if (!/^ENV ESP32_DEVEL_PYTHON=\$\{ESP32_DEVEL_PYTHON\}\s*$/m.test(text))
    throw new Error(`docker/${dockerfile} has no \`ENV ESP32_DEVEL_PYTHON=\${ESP32_DEVEL_PYTHON}\` line`);
  return match[1];
}
