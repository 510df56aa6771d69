/**
 * The images a release published: docker/published.json, beside the
 * Dockerfiles, which the release workflow writes and commits (the contract):
 *
 *   {"version": "v1.2.3" | null,
 *    "repository": "ghcr.io/<owner>/esp32-devel" | null,
 *    "images": {"bookworm"?: "sha256:<64 hex>", "idf4"?: "sha256:<64 hex>"}}
 *
 * A development checkout has {"version": null, "repository": null,
 * "images": {}}. The file is read strictly: anything else in it is an error
 * that names the file, never a pull of something unexpected.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isImageDigest, isImageRepository } from '../grammar.js';
import { DockerError } from './docker.js';
import { ERA_IMAGES, type ImageEra } from './era.js';

/** The file's name in docker/. */
export const PUBLISHED_FILE = 'published.json';

export interface PublishedImages {
  version: string | null;
  repository: string | null;
  images: Partial<Record<ImageEra, string>>;
}

/** One era's published image: pulled as `repository@digest`. */
export interface PublishedImage {
  version: string;
  repository: string;
  digest: string;
  /** repository@digest */
  ref: string;
}

export const NO_PUBLISHED_IMAGES: PublishedImages = { version: null, repository: null, images: {} };

/** A release's version: v1.2.3, with an optional pre-release (v1.2.3-rc.1). */
const VERSION_RE = /^v\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKeys(what: string, value: Record<string, unknown>, allowed: readonly string[]): string[] {
  return Object.keys(value)
    .filter((key) => !allowed.includes(key))
    .map((key) => `${what} has an unknown key ${JSON.stringify(key)}`);
}

/** What is wrong with the file's content, each problem in words. Pure. */
function problems(data: unknown): string[] {
  if (!isObject(data)) return ['it is not a JSON object'];
  const found = checkKeys('it', data, ['version', 'repository', 'images']);
  const { version, repository, images } = data;
  if (version !== null && (typeof version !== 'string' || !VERSION_RE.test(version)))
    found.push(
      `"version" must be null or a release version such as "v1.2.3", not ${JSON.stringify(version)}`
    );
  if (repository !== null && (typeof repository !== 'string' || !isImageRepository(repository)))
    found.push(
      `"repository" must be null or an image repository without tag or digest, such as "ghcr.io/owner/esp32-devel", not ${JSON.stringify(repository)}`
    );
  if (!isObject(images)) return [...found, '"images" must be an object of era: digest'];
  found.push(...checkKeys('"images"', images, Object.keys(ERA_IMAGES)));
  for (const [era, digest] of Object.entries(images)) {
    if (typeof digest !== 'string' || !isImageDigest(digest))
      found.push(
        `"images"."${era}" must be "sha256:" and 64 lowercase hex digits, not ${JSON.stringify(digest)}`
      );
  }
  if (Object.keys(images).length > 0 && (repository === null || version === null))
    found.push('images are listed, so "version" and "repository" must be set too');
  return found;
}

/** The file's content, checked; throws a DockerError naming `file`. Pure. */
export function parsePublished(text: string, file: string): PublishedImages {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new DockerError(`${file} is not valid JSON (${(error as Error).message}).`);
  }
  const found = problems(data);
  if (found.length > 0) {
    throw new DockerError(
      `${file} is malformed: ${found.join('; ')}. It lists the images a release published; in a development checkout it is {"version": null, "repository": null, "images": {}}.`
    );
  }
  return data as PublishedImages;
}

/** docker/published.json beside the Dockerfiles; none when the file is absent. */
export async function readPublished(dockerDir: string): Promise<PublishedImages> {
  const file = path.join(dockerDir, PUBLISHED_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return NO_PUBLISHED_IMAGES;
    throw new DockerError(`Could not read ${file}: ${(error as Error).message}`);
  }
  return parsePublished(text, file);
}

/** The era's published image, if the file lists one. Pure. */
export function publishedImage(published: PublishedImages, era: ImageEra): PublishedImage | undefined {
  const digest = published.images[era];
  if (!digest || !published.repository || !published.version) return undefined;
  const { repository, version } = published;
  return { version, repository, digest, ref: `${repository}@${digest}` };
}
