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

/** Which image the containers run, and how it will be had. */
export interface ImagePlan {
  mode: 'build' | 'pull';
  ref: string;
  /** major.minor of its python3; undefined until a pulled image is here to ask. */
  python?: string;
  /** Present in the Docker engine now. */
  present: boolean;
  /** Building: the argv (after `docker`), the Actions cache key and the archive it is saved as. */
  build?: { args: string[]; cacheKey: string; tar: string };
}

export interface PreparedImage {
  ref: string;
  python: string;
  source: 'local' | 'actions-cache' | 'built' | 'pulled';
  save?: PendingSave;
}

export interface ImageContext {
  docker: Docker;
  cache: CacheStore;
  useCache: boolean;
  log: Log;
  signal?: AbortSignal;
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

/** The image to run: this action's, tagged by its inputs' hash, or the one named. Asks Docker only. */
export async function planImage(req: ImageRequest, docker: Docker, places: Places): Promise<ImagePlan> {
  if (req.image !== 'build') {
    const present = await docker.hasImage(req.image);
    return {
      mode: 'pull',
      ref: req.image,
      present,
      python: present ? await imagePython(req.image, docker) : undefined
    };
  }
  const hash = await imageInputsHash(req.dockerDir);
  const ref = imageRef(hash);
  return {
    mode: 'build',
    ref,
    python: declaredPython(await readFile(path.join(req.dockerDir, 'Dockerfile'), 'utf8')),
    present: await docker.hasImage(ref),
    build: {
      args: imageBuildArgs(ref, hash, req),
      cacheKey: imageKey(hash),
      tar: path.join(places.root, 'images', `${hash}.tar`)
    }
  };
}

/**
 * The image as planned: reused when present, else loaded from the Actions
 * cache, else built from docker/ (and kept for the post step to cache); or pulled.
 */
export async function obtainImage(plan: ImagePlan, ctx: ImageContext): Promise<PreparedImage> {
  if (await ctx.docker.hasImage(plan.ref)) {
    ctx.log.info(`Image ${plan.ref} is present`);
    return {
      ref: plan.ref,
      python: plan.python ?? (await imagePython(plan.ref, ctx.docker)),
      source: 'local'
    };
  }
  return plan.build ? loadOrBuild(plan, plan.build, ctx) : pull(plan.ref, ctx);
}

async function loadOrBuild(
  plan: ImagePlan,
  build: NonNullable<ImagePlan['build']>,
  ctx: ImageContext
): Promise<PreparedImage> {
  const { docker, log, signal } = ctx;
  const python = plan.python!;
  if (ctx.useCache && ctx.cache.available) {
    log.info(`Restoring image from the Actions cache: ${build.cacheKey}`);
    if (await ctx.cache.restore([build.tar], build.cacheKey)) {
      try {
        await docker.run(['load', '--input', build.tar], { debug: log.debug, signal });
        if (await docker.hasImage(plan.ref)) {
          log.info(`Loaded ${plan.ref}`);
          return { ref: plan.ref, python, source: 'actions-cache' };
        }
        log.warning(`The cached image archive did not contain ${plan.ref}; building instead.`);
      } catch (error) {
        if (signal?.aborted) throw error;
        log.warning(`Loading the cached image failed (${(error as Error).message}); building instead.`);
      } finally {
        await rm(build.tar, { force: true });
      }
    } else {
      log.info('Not in the Actions cache');
    }
  }
  log.info(`Building ${plan.ref} from ${build.args[build.args.length - 1]}`);
  await docker.run(build.args, { debug: log.debug, onLine: (line) => log.output(line), signal });
  return {
    ref: plan.ref,
    python,
    source: 'built',
    save: { kind: 'image', key: build.cacheKey, paths: [build.tar], image: plan.ref }
  };
}

async function pull(ref: string, ctx: ImageContext): Promise<PreparedImage> {
  const { docker, log, signal } = ctx;
  log.info(`Pulling ${ref}`);
  try {
    await docker.run(['pull', ref], { debug: log.debug, onLine: (line) => log.output(line), signal });
  } catch (error) {
    if (error instanceof DockerError || signal?.aborted) throw error;
    throw new DockerError(
      `Could not pull ${ref}: ${(error as Error).message}\nCheck the reference and registry access, or set image: build to build the image from this action's Dockerfile.`
    );
  }
  return { ref, python: await imagePython(ref, docker), source: 'pulled' };
}

/** An image's Python: its declared ESP32_DEVEL_PYTHON, else asked of python3. */
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
