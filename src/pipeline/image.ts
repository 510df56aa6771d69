import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CacheStore, Log, Places } from '../ports.js';
import { Docker, DockerError } from './docker.js';
import { imageKey } from './keys.js';
import type { PendingSave } from './saves.js';

export const IMAGE_NAME = 'esp32-devel';
/** The files the image is built from; its tag is a hash of them. */
export const IMAGE_INPUTS = ['Dockerfile', 'entrypoint.sh'] as const;

export interface ImageRequest {
  /** 'build', or an image reference to pull. */
  image: string;
  dockerDir: string;
  network?: string;
}

export interface PreparedImage {
  ref: string;
  /** major.minor of the image's python3. */
  python: string;
  source: 'local' | 'actions-cache' | 'built' | 'pulled';
  save?: PendingSave;
}

export interface ImageContext {
  docker: Docker;
  cache: CacheStore;
  useCache: boolean;
  places: Places;
  log: Log;
}

/** docker/ beside the bundle or the sources, wherever this file runs from. */
export function findDockerDir(start = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'docker', 'Dockerfile'))) return path.join(dir, 'docker');
    if (path.dirname(dir) === dir) throw new DockerError(`docker/Dockerfile was not found above ${start}.`);
  }
}

/** The tag of the image built from inputs with this hash. Pure. */
export function imageRef(hash: string): string {
  return `${IMAGE_NAME}:${hash}`;
}

/** The image's identity: a hash of the files it is built from. */
export async function imageInputsHash(dockerDir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const name of IMAGE_INPUTS) {
    hash.update(`${name}\0`);
    hash.update(await readFile(path.join(dockerDir, name)));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** The `ENV ESP32_DEVEL_PYTHON=x.y` the Dockerfile declares (and checks at build time). Pure. */
export function declaredPython(dockerfile: string): string {
  const match = /^ENV\s+ESP32_DEVEL_PYTHON=(\d+\.\d+)\s*$/m.exec(dockerfile);
  if (!match)
    throw new DockerError('docker/Dockerfile does not declare ENV ESP32_DEVEL_PYTHON=<major.minor>.');
  return match[1];
}

/** The argv (after `docker`) that builds the image. Pure. */
export function imageBuildArgs(
  ref: string,
  hash: string,
  req: Pick<ImageRequest, 'dockerDir' | 'network'>
): string[] {
  const args = ['build', '--force-rm', '--tag', ref, '--label', `org.esp32-micropython-build.inputs=${hash}`];
  if (req.network) args.push('--network', req.network);
  return [...args, req.dockerDir];
}

/**
 * The build image: reused when present, else loaded from the Actions cache,
 * else built from docker/ (and kept for the post step to cache); or pulled.
 */
export async function prepareImage(req: ImageRequest, ctx: ImageContext): Promise<PreparedImage> {
  return req.image === 'build' ? buildOrReuse(req, ctx) : pull(req.image, ctx);
}

async function buildOrReuse(req: ImageRequest, ctx: ImageContext): Promise<PreparedImage> {
  const { docker, log } = ctx;
  const hash = await imageInputsHash(req.dockerDir);
  const python = declaredPython(await readFile(path.join(req.dockerDir, 'Dockerfile'), 'utf8'));
  const ref = imageRef(hash);
  if (await docker.hasImage(ref)) {
    log.info(`Image ${ref} is present`);
    return { ref, python, source: 'local' };
  }
  const key = imageKey(hash);
  const tar = path.join(ctx.places.root, 'images', `${hash}.tar`);
  if (ctx.useCache && ctx.cache.available) {
    log.info(`Restoring image from the Actions cache: ${key}`);
    if (await ctx.cache.restore([tar], key)) {
      try {
        await docker.run(['load', '--input', tar], { debug: log.debug });
        if (await docker.hasImage(ref)) {
          log.info(`Loaded ${ref}`);
          return { ref, python, source: 'actions-cache' };
        }
        log.warning(`The cached image archive did not contain ${ref}; building instead.`);
      } catch (error) {
        log.warning(`Loading the cached image failed (${(error as Error).message}); building instead.`);
      } finally {
        await rm(tar, { force: true });
      }
    } else {
      log.info('Not in the Actions cache');
    }
  }
  log.info(`Building ${ref} from ${req.dockerDir}`);
  await docker.run(imageBuildArgs(ref, hash, req), { debug: log.debug, onLine: (line) => log.output(line) });
  return { ref, python, source: 'built', save: { kind: 'image', key, paths: [tar], image: ref } };
}

async function pull(ref: string, ctx: ImageContext): Promise<PreparedImage> {
  const { docker, log } = ctx;
  let source: PreparedImage['source'] = 'local';
  if (await docker.hasImage(ref)) {
    log.info(`Image ${ref} is present`);
  } else {
    log.info(`Pulling ${ref}`);
    try {
      await docker.run(['pull', ref], { debug: log.debug, onLine: (line) => log.output(line) });
    } catch (error) {
      if (error instanceof DockerError) throw error;
      throw new DockerError(
        `Could not pull ${ref}: ${(error as Error).message}\nCheck the reference and registry access, or set image: build to build the image from this action's Dockerfile.`
      );
    }
    source = 'pulled';
  }
  return { ref, python: await imagePython(ref, docker), source };
}

/** A pulled image's Python: its declared ESP32_DEVEL_PYTHON, else asked of python3. */
async function imagePython(ref: string, docker: Docker): Promise<string> {
  const inspect = await docker.run(['image', 'inspect', '--format', '{{json .Config.Env}}', ref]);
  const env = JSON.parse(inspect.stdout || '[]') as string[] | null;
  const declared = (env ?? []).find((e) => e.startsWith('ESP32_DEVEL_PYTHON='));
  if (declared) return declared.split('=')[1];
  const probe = await docker.run([
    'run',
    '--rm',
    '--entrypoint',
    'python3',
    ref,
    '-c',
    'import sys; print("%d.%d" % sys.version_info[:2])'
  ]);
  return probe.stdout.trim();
}
