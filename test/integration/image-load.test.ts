/**
 * An image archive restored from the Actions cache, for real: a tiny image on
 * the local base (no RUN, so no network), saved, tampered with as a poisoned
 * cache entry would be, and given to loadCheckedImage. Only a clean archive is
 * loaded; nothing else is ever tagged. Every tag here is this run's own.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { run } from '../../src/exec.js';
import type { Log } from '../../src/ports.js';
import { Docker } from '../../src/pipeline/docker.js';
import { INPUTS_LABEL, loadCheckedImage } from '../../src/pipeline/image-load.js';
import {
  BOOKWORM_BASE,
  IMAGE_BUILD_TIMEOUT_MS,
  imageExists,
  requireDebianBase,
  requireDocker
} from '../support/docker.js';

describe('an image archive restored from the Actions cache', () => {
  // Tags of this test alone: the engine is shared with other suites.
  const unique = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const repository = `esp32-load-test-${unique}`;
  const ref = `${repository}:planned`;
  const other = `${repository}:other`;
  const poison = `${BOOKWORM_BASE}-poison-${unique}`;
  const inputsHash = `load-test-${unique}`;
  const docker = new Docker();
  let work: string;
  let baseId: string;
  const archives: Record<'good' | 'relabelled', string> = { good: '', relabelled: '' };

  function recordingLog(): Log & { warnings: string[] } {
    const warnings: string[] = [];
    return { warnings, info: () => {}, warning: (m) => warnings.push(m), debug: () => {}, output: () => {} };
  }

  const idOf = async (image: string) =>
    (await run('docker', ['image', 'inspect', '--format', '{{.Id}}', image])).stdout.trim();

  /** A tiny image on the local base, labelled with `label`, saved as `ref` and removed again. */
  async function savedArchive(name: string, label: string): Promise<string> {
    const dir = path.join(work, `${name}-context`);
    await fs.mkdir(dir);
    await fs.writeFile(
      path.join(dir, 'Dockerfile'),
      `FROM ${BOOKWORM_BASE}\nLABEL ${INPUTS_LABEL}=${label}\n`
    );
    await run('docker', ['build', '--label', 'esp32-devel.test=1', '--tag', ref, dir]);
    const tar = path.join(work, `${name}.tar`);
    await run('docker', ['save', '--output', tar, ref]);
    await run('docker', ['image', 'rm', ref]);
    return tar;
  }

  /** The archive with its manifest.json's RepoTags replaced, as a poisoned cache entry would have them. */
  async function retagged(name: string, tags: string[]): Promise<string> {
    const dir = path.join(work, name);
    await fs.mkdir(dir);
    await run('tar', ['-xf', archives.good, '-C', dir]);
    const manifestPath = path.join(dir, 'manifest.json');
    const manifest = JSON.parse(await fs.readFile(manifestPath, 'utf8')) as Array<{ RepoTags: string[] }>;
    manifest[0].RepoTags = tags;
    await fs.writeFile(manifestPath, JSON.stringify(manifest));
    const tar = path.join(work, `${name}.tar`);
    await run('tar', ['-cf', tar, '-C', dir, ...(await fs.readdir(dir))]);
    return tar;
  }

  beforeAll(async () => {
    await requireDocker();
    await requireDebianBase(BOOKWORM_BASE, 'bookworm');
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'image-load-'));
    baseId = await idOf(BOOKWORM_BASE);
    archives.good = await savedArchive('good', inputsHash);
    archives.relabelled = await savedArchive('relabelled', 'another-inputs-hash');
  }, IMAGE_BUILD_TIMEOUT_MS);

  afterAll(async () => {
    await run('docker', ['image', 'rm', '--force', ref, other, poison], { allowFailure: true });
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  async function expectNothingTagged(): Promise<void> {
    for (const tag of [ref, other, poison])
      expect({ tag, exists: await imageExists(tag) }).toEqual({ tag, exists: false });
    expect(await idOf(BOOKWORM_BASE)).toBe(baseId);
  }

  test('one that also tags another image is refused before docker load', async () => {
    const log = recordingLog();
    const tar = await retagged('extra-tag', [ref, poison]);
    expect(await loadCheckedImage(tar, { ref, inputsHash }, { docker, log })).toBe(false);
    expect(log.warnings).toEqual([
      `The cached image archive was not used: its image is tagged ${JSON.stringify([ref, poison])}, not ["${ref}"]; building instead.`
    ]);
    await expectNothingTagged();
  });

  test('one that retags the base image itself is refused', async () => {
    const log = recordingLog();
    const tar = await retagged('base-tag', [BOOKWORM_BASE]);
    expect(await loadCheckedImage(tar, { ref, inputsHash }, { docker, log })).toBe(false);
    expect(log.warnings[0]).toContain(`its image is tagged ["${BOOKWORM_BASE}"]`);
    await expectNothingTagged();
  });

  test('one with another tag is refused', async () => {
    const log = recordingLog();
    const tar = await retagged('wrong-tag', [other]);
    expect(await loadCheckedImage(tar, { ref, inputsHash }, { docker, log })).toBe(false);
    expect(log.warnings[0]).toContain(`its image is tagged ["${other}"]`);
    await expectNothingTagged();
  });

  test('one whose image has other inputs is loaded, refused, and its tag removed', async () => {
    const log = recordingLog();
    expect(await loadCheckedImage(archives.relabelled, { ref, inputsHash }, { docker, log })).toBe(false);
    expect(log.warnings).toEqual([
      `The cached image archive was not used: its label ${INPUTS_LABEL} is 'another-inputs-hash', not ${inputsHash}; building instead.`
    ]);
    await expectNothingTagged();
  });

  test("the right one is loaded under its tag, with the archive's ID and the inputs label", async () => {
    const log = recordingLog();
    expect(await loadCheckedImage(archives.good, { ref, inputsHash }, { docker, log })).toBe(true);
    expect(log.warnings).toEqual([]);
    const inspect = await run('docker', [
      'image',
      'inspect',
      '--format',
      `{{index .Config.Labels "${INPUTS_LABEL}"}} {{.RepoTags}}`,
      ref
    ]);
    expect(inspect.stdout.trim()).toBe(`${inputsHash} [${ref}]`);
    expect(await idOf(BOOKWORM_BASE)).toBe(baseId);
  });
});
