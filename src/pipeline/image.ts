import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CacheStore, Log, Places } from '../ports.js';
import { Docker, DockerError, HARDENING } from './docker.js';
import { describeRange, ERA_IMAGES, ERA_LABEL, pythonFits, type ImageEra, type PythonRange } from './era.js';
import { INPUTS_LABEL, loadCheckedImage } from './image-load.js';
import { presentPublished, pullPublished, type ExpectedPublished } from './image-published.js';
import { fallbackWords, imageRoute, type ImageStep } from './image-route.js';
import { imageKey, imageRefreshPeriod } from './keys.js';
import { NO_PUBLISHED_IMAGES, readPublished, type PublishedImage } from './published.js';
import type { PendingSave } from './saves.js';

export const IMAGE_NAME = 'esp32-devel';
/** What every era's image is built from besides its Dockerfile. */
export const SHARED_INPUTS = ['entrypoint.sh'] as const;
export { ERA_LABEL };

export interface ImageRequest {
  /** 'build', or an image reference to pull. */
  image: string;
  dockerDir: string;
  network?: string;
  /** The era the build needs: which Dockerfile builds its image. */
  era: ImageEra;
  /** --build-arg values; part of the image's identity. */
  buildArgs: Record<string, string>;
  /** The Python ESP-IDF's installer works with: an image given by name must have one. */
  python?: PythonRange;
  /** The time that decides the image's refresh period (default: now). */
  now?: Date;
  /** Whether the Actions cache is used and available: its copy of the built image is then tried. */
  cached?: boolean;
}

/** Which image the containers run, and how it will be had. */
export interface ImagePlan {
  mode: 'build' | 'pull';
  /** The era it serves. */
  era: ImageEra;
  /** The image built from docker/ (mode build), or the one named (mode pull). */
  ref: string;
  /** The image the containers are expected to run: the published one when it is tried first, else ref. */
  runs: string;
  /** The era's published image (docker/published.json), tried first, and whether it is here now. */
  published?: PublishedImage & { present: boolean };
  /** Why the era's published image is not tried though docker/published.json lists one. */
  passedOver?: string;
  /** The ways of having it, in the order tried at run time (image-route.ts). */
  steps: ImageStep[];
  /** major.minor of its python3; undefined until a pulled image is here to ask. */
  python?: string;
  /** Present in the Docker engine now. */
  present: boolean;
  /**
   * Building: the argv (after `docker`), the Actions cache key, the archive it
   * is saved as, its inputs hash (its label) and its refresh period (the week).
   */
  build?: { args: string[]; cacheKey: string; tar: string; era: ImageEra; hash: string; period: string };
  /** The Python the build needs, checked against the image's own. */
  needs?: PythonRange;
}

export interface PreparedImage {
  ref: string;
  python: string;
  source: 'published-present' | 'published-pulled' | 'local' | 'actions-cache' | 'built' | 'pulled';
  /** The published image's version, when it is the one had. */
  version?: string;
  /** Why the published image was not had, when the plan tried it first. */
  fallback?: string;
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

/** The tag of an era's image built from inputs with this hash. Pure. */
export function imageRef(hash: string, era: ImageEra = 'bookworm'): string {
  return `${IMAGE_NAME}:${ERA_IMAGES[era].tagPrefix}${hash}`;
}

/**
 * The image's identity: a hash of its Dockerfile, the files it copies, its
 * build arguments and its refresh period (this week by default), so that it is
 * rebuilt each week with its distribution's security updates.
 */
export async function imageInputsHash(
  dockerDir: string,
  era: ImageEra = 'bookworm',
  buildArgs: Record<string, string> = {},
  period = imageRefreshPeriod(new Date())
): Promise<string> {
  const hash = createHash('sha256');
  for (const name of [ERA_IMAGES[era].dockerfile, ...SHARED_INPUTS]) {
    hash.update(`${name}\0`);
    hash.update(await readFile(path.join(dockerDir, name)));
    hash.update('\0');
  }
  for (const [name, value] of Object.entries(buildArgs).sort()) hash.update(`--build-arg ${name}=${value}\0`);
  hash.update(`period ${period}\0`);
  return hash.digest('hex').slice(0, 16);
}

/**
 * The Python a Dockerfile declares (`ARG` or `ENV ESP32_DEVEL_PYTHON=x.y`,
 * which its build checks), unless a build argument says otherwise. Pure.
 */
export function declaredPython(dockerfile: string, buildArgs: Record<string, string> = {}): string {
  const given = buildArgs.ESP32_DEVEL_PYTHON;
  if (given !== undefined) {
    if (!/^\d+\.\d+$/.test(given)) {
      throw new DockerError(
        `The build argument ESP32_DEVEL_PYTHON must be major.minor, such as 3.8; got '${given}'.`
      );
    }
    return given;
  }
  const match = /^(?:ARG|ENV)\s+ESP32_DEVEL_PYTHON=(\d+\.\d+)\s*$/m.exec(dockerfile);
  if (!match) {
    throw new DockerError('The Dockerfile does not declare ARG ESP32_DEVEL_PYTHON=<major.minor>.');
  }
  return match[1];
}

/**
 * The argv (after `docker`) that builds an era's image. The refresh period is
 * a build argument too: a new one runs the Dockerfile's apt step again rather
 * than reusing its cached layer. Pure.
 */
export function imageBuildArgs(
  ref: string,
  hash: string,
  req: Pick<ImageRequest, 'dockerDir' | 'network' | 'era' | 'buildArgs'>,
  period: string
): string[] {
  const args = [
    'build',
    '--force-rm',
    '--tag',
    ref,
    '--file',
    path.join(req.dockerDir, ERA_IMAGES[req.era].dockerfile),
    '--label',
    `${INPUTS_LABEL}=${hash}`,
    '--label',
    `${ERA_LABEL}=${req.era}`
  ];
  for (const [name, value] of Object.entries(req.buildArgs).sort())
    args.push('--build-arg', `${name}=${value}`);
  args.push('--build-arg', `ESP32_DEVEL_REFRESH=${period}`);
  if (req.network) args.push('--network', req.network);
  return [...args, req.dockerDir];
}

/**
 * The image to run and the ways of having it: the one named, or for image:
 * build the era's published image by digest when docker/published.json lists
 * one, then the era's own, tagged by its inputs' hash. Asks Docker only.
 */
export async function planImage(req: ImageRequest, docker: Docker, places: Places): Promise<ImagePlan> {
  if (req.image !== 'build') {
    const present = await docker.hasImage(req.image);
    const python = present ? await imagePython(req.image, docker) : undefined;
    if (python !== undefined) checkPython(req.image, python, req);
    const { steps } = imageRoute({ ...req, published: NO_PUBLISHED_IMAGES, cached: false });
    return {
      mode: 'pull',
      era: req.era,
      ref: req.image,
      runs: req.image,
      steps,
      present,
      python,
      needs: req.python
    };
  }
  const period = imageRefreshPeriod(req.now ?? new Date());
  const hash = await imageInputsHash(req.dockerDir, req.era, req.buildArgs, period);
  const ref = imageRef(hash, req.era);
  const dockerfile = await readFile(path.join(req.dockerDir, ERA_IMAGES[req.era].dockerfile), 'utf8');
  const route = imageRoute({
    ...req,
    published: await readPublished(req.dockerDir),
    cached: req.cached ?? false
  });
  const published = route.published && {
    ...route.published,
    present: await docker.hasImage(route.published.ref)
  };
  return {
    mode: 'build',
    era: req.era,
    ref,
    runs: published?.ref ?? ref,
    ...(published ? { published } : {}),
    ...(route.passedOver ? { passedOver: route.passedOver } : {}),
    steps: route.steps,
    python: declaredPython(dockerfile, req.buildArgs),
    present: await docker.hasImage(ref),
    build: {
      args: imageBuildArgs(ref, hash, req, period),
      cacheKey: imageKey(hash),
      tar: path.join(places.root, 'images', `${hash}.tar`),
      era: req.era,
      hash,
      period
    }
  };
}

/** An image given by name must have a Python the ESP-IDF installer works with. */
function checkPython(ref: string, python: string, req: Pick<ImageRequest, 'era' | 'python'>): void {
  if (pythonFits(python, req.python)) return;
  const needed = ERA_IMAGES[req.era].dockerfile;
  throw new DockerError(
    `The image ${ref} has Python ${python}, and this ESP-IDF needs ${describeRange(req.python!)}: ${req.python!.why}. ` +
      `Set image: build, which builds docker/${needed} for it, or name an image with such a Python.`
  );
}

type StepOutcome = PreparedImage | { refused: string } | undefined;

/**
 * The image as planned: each of the plan's steps in turn until one gives it
 * (image-route.ts). A published image not had is a warning naming why and
 * what comes next; a failed build or pull of an image named is an error.
 */
export async function obtainImage(plan: ImagePlan, ctx: ImageContext): Promise<PreparedImage> {
  let fallback: string | undefined;
  for (const [i, step] of plan.steps.entries()) {
    // The same digest is the same image: one refused when present is refused when pulled.
    if (fallback !== undefined && step === 'pull-digest') continue;
    const outcome = await takeStep(step, plan, ctx);
    if (outcome && 'refused' in outcome) {
      fallback = outcome.refused;
      ctx.log.warning(
        `The published image was not used: ${fallback}; ${fallbackWords(plan.steps.slice(i + 1), plan.era)}.`
      );
    } else if (outcome) {
      return fallback === undefined ? outcome : { ...outcome, fallback };
    }
  }
  throw new DockerError(`None of the ways planned gave the image ${plan.ref}: ${plan.steps.join(', ')}.`);
}

function takeStep(step: ImageStep, plan: ImagePlan, ctx: ImageContext): Promise<StepOutcome> {
  switch (step) {
    case 'published-present':
    case 'pull-digest':
      return publishedStep(step, plan, ctx);
    case 'present':
      return presentImage(plan, ctx);
    case 'actions-cache':
      return restoreImage(plan, plan.build!, ctx);
    case 'build':
      return buildImage(plan, plan.build!, ctx);
    case 'pull':
      return pull(plan.ref, ctx);
  }
}

async function publishedStep(
  step: 'published-present' | 'pull-digest',
  plan: ImagePlan,
  ctx: ImageContext
): Promise<StepOutcome> {
  const published = plan.published!;
  const expected: ExpectedPublished = { ref: published.ref, era: plan.era, python: plan.python! };
  const present = step === 'published-present';
  const outcome = present
    ? await presentPublished(published, expected, ctx)
    : await pullPublished(published, expected, ctx);
  if (!outcome || 'refused' in outcome) return outcome;
  ctx.log.info(
    `${present ? 'Present' : 'Pulled'}: the published image ${published.version}, ${published.ref}`
  );
  return {
    ref: published.ref,
    python: plan.python!,
    source: present ? 'published-present' : 'published-pulled',
    version: published.version
  };
}

async function presentImage(plan: ImagePlan, ctx: ImageContext): Promise<StepOutcome> {
  if (!(await ctx.docker.hasImage(plan.ref))) return undefined;
  ctx.log.info(`Image ${plan.ref} is present`);
  return { ref: plan.ref, python: plan.python ?? (await imagePython(plan.ref, ctx.docker)), source: 'local' };
}

async function restoreImage(
  plan: ImagePlan,
  build: NonNullable<ImagePlan['build']>,
  ctx: ImageContext
): Promise<StepOutcome> {
  if (!ctx.useCache || !ctx.cache.available) return undefined;
  ctx.log.info(`Restoring image from the Actions cache: ${build.cacheKey}`);
  if (!(await ctx.cache.restore([build.tar], build.cacheKey))) {
    ctx.log.info('Not in the Actions cache');
    return undefined;
  }
  try {
    if (!(await loadCheckedImage(build.tar, { ref: plan.ref, inputsHash: build.hash }, ctx)))
      return undefined;
    ctx.log.info(`Loaded ${plan.ref}`);
    return { ref: plan.ref, python: plan.python!, source: 'actions-cache' };
  } finally {
    await rm(build.tar, { force: true });
  }
}

async function buildImage(
  plan: ImagePlan,
  build: NonNullable<ImagePlan['build']>,
  ctx: ImageContext
): Promise<PreparedImage> {
  const { docker, log, signal } = ctx;
  log.info(`Building ${plan.ref} from ${build.args[build.args.length - 1]}`);
  await docker.run(build.args, { debug: log.debug, onLine: (line) => log.output(line), signal });
  await pruneOlder(plan.ref, build.era, ctx);
  return {
    ref: plan.ref,
    python: plan.python!,
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

/** Older images of an era, built from other inputs: each takes hundreds of megabytes. */
async function pruneOlder(ref: string, era: ImageEra, ctx: ImageContext): Promise<void> {
  const listed = await ctx.docker.run(
    ['image', 'ls', '--filter', `label=${ERA_LABEL}=${era}`, '--format', '{{.Repository}}:{{.Tag}}'],
    { allowFailure: true }
  );
  const older = listed.stdout.split('\n').filter((line) => line.startsWith(`${IMAGE_NAME}:`) && line !== ref);
  for (const image of older) {
    // One still used by a container (another build running now) stays.
    const removed = await ctx.docker.run(['image', 'rm', image], { allowFailure: true });
    if (removed.code === 0) ctx.log.info(`Removed ${image}, an older image of this era`);
  }
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
    ...HARDENING,
    '--network',
    'none',
    '--entrypoint',
    'python3',
    ref,
    '-c',
    'import sys; print("%d.%d" % sys.version_info[:2])'
  ]);
  return probe.stdout.trim();
}
