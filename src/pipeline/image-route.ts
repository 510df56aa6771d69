/**
 * Which way the build image is had, decided once, in the plan: the ways are
 * tried in order at run time, the first that gives the image wins. Pure.
 *
 *   image: <reference>   the one named: present, else pulled
 *   image: build, with a published digest for the era (a released version)
 *                        the published image present by digest, else pulled
 *                        by digest; if that fails, the build path below
 *   image: build, otherwise (a development checkout, or image-build-args)
 *                        the image built from docker/: present, else the
 *                        Actions cache copy, else built
 */
import { ERA_IMAGES, type ImageEra } from './era.js';
import { publishedImage, type PublishedImage, type PublishedImages } from './published.js';

export type ImageStep =
  /** The published image, present here by its digest. */
  | 'published-present'
  /** `docker pull repository@digest`, then checked. */
  | 'pull-digest'
  /** The image of the plan's ref (built from docker/, or the one named), present here. */
  | 'present'
  /** The built image's archive from the Actions cache, checked and loaded. */
  | 'actions-cache'
  /** `docker build` of the era's Dockerfile. */
  | 'build'
  /** `docker pull` of the image named. */
  | 'pull';

export interface RouteInput {
  /** The image input: 'build' or a reference. */
  image: string;
  era: ImageEra;
  published: PublishedImages;
  /** image-build-args: the published image was built without any. */
  buildArgs: Record<string, string>;
  /** Whether the Actions cache is used and available. */
  cached: boolean;
}

export interface ImageRoute {
  /** The published image tried first. */
  published?: PublishedImage;
  /** Why the era's published image is not tried though the file lists one. */
  passedOver?: string;
  /** Every way, in the order tried. */
  steps: ImageStep[];
}

/** The ways of having the image, in order. */
export function imageRoute(input: RouteInput): ImageRoute {
  if (input.image !== 'build') return { steps: ['present', 'pull'] };
  const built: ImageStep[] = ['present', ...(input.cached ? (['actions-cache'] as const) : []), 'build'];
  const published = publishedImage(input.published, input.era);
  if (!published) return { steps: built };
  const args = Object.keys(input.buildArgs);
  if (args.length > 0) {
    return {
      steps: built,
      passedOver: `image-build-args (${args.sort().join(', ')}) are given, and the published ${published.ref} was built without them`
    };
  }
  return { published, steps: ['published-present', 'pull-digest', ...built] };
}

/** What is here now: the published image by its digest, the image of the plan's ref. */
export interface Presence {
  published: boolean;
  image: boolean;
}

/**
 * The steps the plan expects to take, given what is here: up to the first
 * image present, without the presence checks of images that are not.
 */
export function expectedSteps(steps: readonly ImageStep[], presence: Presence): ImageStep[] {
  const expected: ImageStep[] = [];
  for (const step of steps) {
    const here =
      step === 'published-present' ? presence.published : step === 'present' ? presence.image : undefined;
    if (here === false) continue;
    expected.push(step);
    if (here) break;
  }
  return expected;
}

/** The ways tried after a published image was not had, in words: what a warning says comes next. */
export function fallbackWords(rest: readonly ImageStep[], era: ImageEra): string {
  const dockerfile = `docker/${ERA_IMAGES[era].dockerfile}`;
  const ways = rest.flatMap((step) => {
    if (step === 'present') return ['the one here if present'];
    if (step === 'actions-cache') return ['the Actions cache copy'];
    if (step === 'build') return ['a build'];
    return [];
  });
  return `falling back to the image built from ${dockerfile}: ${ways.join(', else ')}`;
}
