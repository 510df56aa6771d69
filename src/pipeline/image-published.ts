/**
 * The published image of an era, had by its digest: present here, or pulled
 * as `repository@sha256:…`. Either way it is used only when Docker records
 * exactly that repository and digest for it and it declares what the image
 * built from docker/ would: the era's label and the Dockerfile's Python.
 * Anything else is refused with the reason, and the build path follows.
 */
import { lastLines } from '../exec.js';
import type { Log } from '../ports.js';
import { DockerError, type Docker } from './docker.js';
import { ERA_IMAGES, ERA_LABEL, type ImageEra } from './era.js';
import { familiarRef } from './image-load.js';
import type { PublishedImage } from './published.js';

/** What `docker image inspect` says of an image, as far as the checks go. */
export interface InspectedImage {
  repoDigests: string[];
  labels: Record<string, string>;
  env: string[];
}

/** What the published image must be: its reference, its era and its Python. */
export interface ExpectedPublished {
  ref: string;
  era: ImageEra;
  python: string;
}

/** Why the image is not the published one expected, or undefined when it is. Pure. */
export function publishedImageProblem(expected: ExpectedPublished, seen: InspectedImage): string | undefined {
  if (!seen.repoDigests.some((d) => familiarRef(d) === familiarRef(expected.ref)))
    return `its RepoDigests ${JSON.stringify(seen.repoDigests)} do not include ${expected.ref}`;
  const era = seen.labels[ERA_LABEL];
  if (era !== expected.era)
    return `its label ${ERA_LABEL} is ${era === undefined ? 'missing' : `'${era}'`}, not '${expected.era}'`;
  const python = seen.env
    .find((e) => e.startsWith('ESP32_DEVEL_PYTHON='))
    ?.slice('ESP32_DEVEL_PYTHON='.length);
  if (python !== expected.python) {
    return `it declares ESP32_DEVEL_PYTHON=${python ?? '(nothing)'}, and docker/${ERA_IMAGES[expected.era].dockerfile} ${expected.python}`;
  }
  return undefined;
}

/** The fields of `docker image inspect`'s answer the checks read; undefined when absent. */
export async function inspectImage(ref: string, docker: Docker): Promise<InspectedImage | undefined> {
  if (!(await docker.hasImage(ref))) return undefined;
  const format = '{{json .RepoDigests}}\t{{json .Config.Labels}}\t{{json .Config.Env}}';
  const answer = await docker.run(['image', 'inspect', '--format', format, ref]);
  const [digests, labels, env] = answer.stdout.trim().split('\t');
  const parse = (json: string | undefined): unknown => JSON.parse(json || 'null');
  return {
    repoDigests: (parse(digests) as string[] | null) ?? [],
    labels: (parse(labels) as Record<string, string> | null) ?? {},
    env: (parse(env) as string[] | null) ?? []
  };
}

export interface PublishedContext {
  docker: Docker;
  log: Log;
  signal?: AbortSignal;
}

/** The published image had, or why it was not (undefined: not here, nothing to say). */
export type PublishedOutcome = { ok: true } | { refused: string } | undefined;

/** The published image, if it is here by its digest and passes the checks (else removed). */
export async function presentPublished(
  published: PublishedImage,
  expected: ExpectedPublished,
  ctx: PublishedContext
): Promise<PublishedOutcome> {
  const seen = await inspectImage(published.ref, ctx.docker);
  if (!seen) return undefined;
  const problem = publishedImageProblem(expected, seen);
  if (!problem) return { ok: true };
  // Not left for the next run to find and refuse again.
  await ctx.docker.run(['image', 'rm', published.ref], { allowFailure: true });
  return { refused: `${published.ref} was refused: ${problem}` };
}

/** `docker pull repository@digest`, then the checks; a failure is a reason, never an error. */
export async function pullPublished(
  published: PublishedImage,
  expected: ExpectedPublished,
  ctx: PublishedContext
): Promise<{ ok: true } | { refused: string }> {
  const { docker, log, signal } = ctx;
  log.info(`Pulling the published image ${published.version} by digest: ${published.ref}`);
  try {
    await docker.run(['pull', published.ref], {
      debug: log.debug,
      onLine: (line) => log.output(line),
      signal
    });
  } catch (error) {
    if (error instanceof DockerError || signal?.aborted) throw error;
    const said = (error as { stderr?: string }).stderr?.trim();
    return {
      refused: `the pull of ${published.ref} failed: ${said ? lastLines(said, 1) : (error as Error).message}`
    };
  }
  const outcome = await presentPublished(published, expected, ctx);
  return outcome ?? { refused: `${published.ref} is not in the Docker engine after pulling it` };
}
