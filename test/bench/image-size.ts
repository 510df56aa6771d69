/**
 * Each era's image, compressed the way the Actions cache stores it: the
 * action saves `docker save`'s archive and @actions/cache compresses it with
 * `zstd -T0 --long=30` (level 3). gzip -6, as a registry's layers are, for
 * comparison. The base image is measured alike, since on this machine it is a
 * debootstrap stand-in rather than the official slim image.
 */
import path from 'node:path';
import { run } from '../../src/exec.js';
import { imageInputsHash, imageRef } from '../../src/pipeline/image.js';
import {
  BOOKWORM_BASE,
  BOOKWORM_TEST_BUILD_ARGS,
  BULLSEYE_BASE,
  buildIdf4TestImage
} from '../support/docker.js';
import { PROJECT } from '../support/runner.js';

export interface ImageSize {
  era: string;
  image: string;
  base: string;
  zstd: number;
  gzip: number;
  baseZstd: number;
  baseGzip: number;
}

async function compressed(image: string, compressor: string): Promise<number> {
  const { stdout } = await run('bash', [
    '-c',
    `set -o pipefail; docker save "$1" | ${compressor} | wc -c`,
    'image-size',
    image
  ]);
  return Number(stdout.trim());
}

async function measure(era: string, image: string, base: string): Promise<ImageSize> {
  const zstd = 'zstd -T0 --long=30 -q -c';
  const gzip = 'gzip -6 -c';
  return {
    era,
    image,
    base,
    zstd: await compressed(image, zstd),
    gzip: await compressed(image, gzip),
    baseZstd: await compressed(base, zstd),
    baseGzip: await compressed(base, gzip)
  };
}

/** The bookworm image the action built (it must exist), and the ESP-IDF v4 image (built here when missing). */
export async function imageSizes(): Promise<ImageSize[]> {
  const bookworm = imageRef(
    await imageInputsHash(path.join(PROJECT, 'docker'), 'bookworm', BOOKWORM_TEST_BUILD_ARGS)
  );
  const present = await run('docker', ['image', 'inspect', bookworm], { allowFailure: true });
  if (present.code !== 0) throw new Error(`${bookworm} is not here: measure after a run that built it.`);
  return [
    await measure('bookworm', bookworm, BOOKWORM_BASE),
    await measure('idf4', await buildIdf4TestImage(), BULLSEYE_BASE)
  ];
}

const mib = (bytes: number) => (bytes / 1048576).toFixed(1);

/** One line per era: the image, its base, and what docker/ adds, in MiB. */
export function formatImageSizes(sizes: ImageSize[]): string {
  const lines = [
    '| image | zstd (Actions cache) | gzip -6 | base zstd | base gzip | added zstd | added gzip |',
    '|---|---|---|---|---|---|---|'
  ];
  for (const s of sizes) {
    const cells = [s.zstd, s.gzip, s.baseZstd, s.baseGzip, s.zstd - s.baseZstd, s.gzip - s.baseGzip].map(mib);
    lines.push(`| ${s.era} (${s.image}) | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
