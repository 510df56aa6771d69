/**
 * How the build image is had: its base pinned by digest, its identity
 * refreshed every ISO week, a restored archive checked before and after
 * `docker load`, and the exported archive removed once saved.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, type RunResult } from '../../src/exec.js';
import type { CacheStore, Log, Places } from '../../src/ports.js';
import type { Docker } from '../../src/pipeline/docker.js';
import {
  checkImageArchive,
  configId,
  INPUTS_LABEL,
  loadCheckedImage,
  loadedImageProblem
} from '../../src/pipeline/image-load.js';
import { findDockerDir, imageInputsHash, planImage, type ImageRequest } from '../../src/pipeline/image.js';
import { imageKey, imageRefreshPeriod } from '../../src/pipeline/keys.js';
import { performSaves } from '../../src/pipeline/saves.js';

const DOCKER_DIR = findDockerDir();
const HEX_A = 'a'.repeat(64);
const HEX_B = 'b'.repeat(64);
const REF = 'esp32-devel:0123456789abcdef';

function recordingLog(): Log & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => {}, warning: (m) => warnings.push(m), debug: () => {}, output: () => {} };
}

/** A docker client that answers from a script and records every argv. */
function fakeDocker(
  answer: (args: string[]) => Partial<RunResult> | Promise<Partial<RunResult>> = () => ({})
) {
  const calls: string[][] = [];
  const docker = {
    calls,
    async run(args: string[]): Promise<RunResult> {
      calls.push(args);
      return { code: 0, stdout: '', stderr: '', ...(await answer(args)) };
    },
    async hasImage(): Promise<boolean> {
      return false;
    }
  };
  return docker as typeof docker & Docker;
}

describe('imageRefreshPeriod: the ISO 8601 week, in UTC', () => {
  it('changes between Sunday 23:59 and Monday 00:00 UTC, and not within a week', () => {
    expect(imageRefreshPeriod(new Date('2026-11-29T23:59:59.999Z'))).toBe('2026w48');
    expect(imageRefreshPeriod(new Date('2026-11-30T00:00:00Z'))).toBe('2026w49');
    expect(imageRefreshPeriod(new Date('2026-11-23T00:00:00Z'))).toBe('2026w48');
    // The local time zone plays no part: 23:30 UTC on Sunday is Monday in Berlin.
    expect(imageRefreshPeriod(new Date('2026-11-29T23:30:00-01:00'))).toBe('2026w49');
  });

  it('gives the days around New Year to the week of their Thursday', () => {
    expect(imageRefreshPeriod(new Date('2026-12-31T12:00:00Z'))).toBe('2026w53');
    expect(imageRefreshPeriod(new Date('2027-01-01T00:00:00Z'))).toBe('2026w53');
    expect(imageRefreshPeriod(new Date('2027-01-03T23:59:59Z'))).toBe('2026w53');
    expect(imageRefreshPeriod(new Date('2027-01-04T00:00:00Z'))).toBe('2027w01');
    expect(imageRefreshPeriod(new Date('2024-12-30T00:00:00Z'))).toBe('2025w01');
    expect(imageRefreshPeriod(new Date('2021-01-03T00:00:00Z'))).toBe('2020w53');
  });

  it('agrees with a count of Mondays from the Monday of week 1 (the week of 4 January), 2015-2035', () => {
    const DAY = 86_400_000;
    const mondayOfWeekOne = (year: number) => {
      const jan4 = Date.UTC(year, 0, 4);
      return jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY;
    };
    for (let t = Date.UTC(2015, 0, 1); t < Date.UTC(2036, 0, 1); t += DAY) {
      let year = new Date(t).getUTCFullYear() + 1;
      while (mondayOfWeekOne(year) > t) year--;
      const week = Math.floor((t - mondayOfWeekOne(year)) / (7 * DAY)) + 1;
      const expected = `${year}w${String(week).padStart(2, '0')}`;
      expect({ day: new Date(t).toISOString(), period: imageRefreshPeriod(new Date(t + DAY - 1)) }).toEqual({
        day: new Date(t).toISOString(),
        period: expected
      });
    }
  });
});

describe('the image identity, its tag and its cache key', () => {
  const request = (now: Date, buildArgs: Record<string, string> = {}): ImageRequest => ({
    image: 'build',
    dockerDir: DOCKER_DIR,
    era: 'bookworm',
    buildArgs,
    now
  });
  const places: Places = { root: '/srv/esp32', temp: '/tmp' };
  const plan = (now: Date, buildArgs: Record<string, string> = {}) =>
    planImage(request(now, buildArgs), fakeDocker(), places);
  const sunday = new Date('2026-11-29T23:59:00Z');
  const monday = new Date('2026-11-30T00:00:00Z');

  it('the inputs hash covers the period and the build arguments; by default, this week', async () => {
    const base = await imageInputsHash(DOCKER_DIR, 'bookworm', {}, '2026w48');
    expect(await imageInputsHash(DOCKER_DIR, 'bookworm', {}, '2026w48')).toBe(base);
    expect(await imageInputsHash(DOCKER_DIR, 'bookworm', {}, '2026w49')).not.toBe(base);
    expect(await imageInputsHash(DOCKER_DIR, 'bookworm', { BASE: 'x' }, '2026w48')).not.toBe(base);
    expect(await imageInputsHash(DOCKER_DIR, 'idf4', {}, '2026w48')).not.toBe(base);
    expect(await imageInputsHash(DOCKER_DIR)).toBe(
      await imageInputsHash(DOCKER_DIR, 'bookworm', {}, imageRefreshPeriod(new Date()))
    );
  });

  it('tag, label, key and archive follow one hash, which changes on Monday 00:00 UTC', async () => {
    const before = await plan(sunday);
    const after = await plan(monday);
    for (const [image, period] of [
      [before, '2026w48'],
      [after, '2026w49']
    ] as const) {
      const hash = await imageInputsHash(DOCKER_DIR, 'bookworm', {}, period);
      expect(image.ref).toBe(`esp32-devel:${hash}`);
      expect(image.build).toMatchObject({
        hash,
        period,
        cacheKey: imageKey(hash),
        tar: path.join(places.root, 'images', `${hash}.tar`)
      });
      expect(image.build!.args).toEqual(
        expect.arrayContaining([
          '--label',
          `${INPUTS_LABEL}=${hash}`,
          '--build-arg',
          `ESP32_DEVEL_REFRESH=${period}`
        ])
      );
    }
    expect(after.ref).not.toBe(before.ref);
    expect(after.build!.cacheKey).not.toBe(before.build!.cacheKey);
    expect((await plan(new Date('2026-11-23T00:00:00Z'))).ref).toBe(before.ref);
  });

  it('the build arguments change the tag and the key', async () => {
    const plain = await plan(sunday);
    const based = await plan(sunday, { BASE: 'debian:bookworm-slim' });
    expect(based.ref).not.toBe(plain.ref);
    expect(based.build!.cacheKey).not.toBe(plain.build!.cacheKey);
    expect(based.build!.args).toEqual(expect.arrayContaining(['--build-arg', 'BASE=debian:bookworm-slim']));
  });
});

describe('the Dockerfiles', () => {
  const dockerfile = (name: string) => readFileSync(path.join(DOCKER_DIR, name), 'utf8');

  it.each([
    ['Dockerfile', 'debian:bookworm-slim'],
    ['Dockerfile.idf4', 'ubuntu:20.04']
  ])('%s: BASE defaults to %s pinned by digest, and apt upgrades it before installing', (name, tag) => {
    const text = dockerfile(name);
    const escaped = tag.replace(/[.]/g, '\\.');
    expect(text).toMatch(new RegExp(`^ARG BASE=${escaped}@sha256:[0-9a-f]{64}$`, 'm'));
    expect(text).toMatch(/^FROM \$\{BASE\}$/m);
    // One RUN: update, upgrade, install, clean; the refresh argument declared before it.
    const run = /^ARG ESP32_DEVEL_REFRESH=\nRUN ([^]*?)\n\n/m.exec(text)?.[1] ?? '';
    const at = (step: string) => run.indexOf(step);
    expect(at('apt-get update;')).toBeGreaterThan(-1);
    expect(at('apt-get upgrade -y;')).toBeGreaterThan(at('apt-get update;'));
    expect(at('apt-get install')).toBeGreaterThan(at('apt-get upgrade -y;'));
    expect(at('rm -rf /var/lib/apt/lists/*')).toBeGreaterThan(at('apt-get install'));
  });
});

describe('checkImageArchive: what a restored archive may hold', () => {
  const manifest = (entries: Array<{ Config?: unknown; RepoTags?: unknown }>) => JSON.stringify(entries);
  const one = (tags: unknown, config: unknown = `blobs/sha256/${HEX_A}`) =>
    manifest([{ Config: config, RepoTags: tags, Layers: [] } as { Config: unknown; RepoTags: unknown }]);

  it('accepts one image tagged exactly the ref, in both layouts, and gives its ID', () => {
    expect(configId(`blobs/sha256/${HEX_A}`)).toBe(`sha256:${HEX_A}`);
    expect(configId(`${HEX_A}.json`)).toBe(`sha256:${HEX_A}`);
    expect(checkImageArchive(REF, one([REF]))).toEqual({ ids: [`sha256:${HEX_A}`] });
    expect(checkImageArchive(REF, one([REF], `${HEX_B}.json`))).toEqual({ ids: [`sha256:${HEX_B}`] });
    expect(checkImageArchive(REF, one([`docker.io/library/${REF}`]))).toEqual({ ids: [`sha256:${HEX_A}`] });
  });

  it('refuses other tags, more tags, more images, or none', () => {
    expect(checkImageArchive(REF, one([REF, 'debian:bookworm-slim']))).toEqual({
      problem: `its image is tagged ["${REF}","debian:bookworm-slim"], not ["${REF}"]`
    });
    expect(checkImageArchive(REF, one(['esp32-devel:other']))).toMatchObject({
      problem: expect.stringContaining('["esp32-devel:other"]')
    });
    expect(checkImageArchive(REF, one(null))).toMatchObject({
      problem: expect.stringContaining('tagged []')
    });
    const two = manifest([
      { Config: `blobs/sha256/${HEX_A}`, RepoTags: [REF] },
      { Config: `blobs/sha256/${HEX_B}`, RepoTags: ['busybox:latest'] }
    ]);
    expect(checkImageArchive(REF, two)).toEqual({ problem: 'it holds 2 images, not one' });
    expect(checkImageArchive(REF, '[]')).toEqual({ problem: 'it holds 0 images, not one' });
    expect(checkImageArchive(REF, '{')).toEqual({ problem: 'its manifest.json is not a list of images' });
    expect(checkImageArchive(REF, one([REF], '../etc/passwd'))).toMatchObject({
      problem: expect.stringContaining('names no image configuration')
    });
  });

  it("checks index.json's names, which the containerd image store tags by, and takes its digests as IDs", () => {
    const index = (annotations: Record<string, string>) =>
      JSON.stringify({ manifests: [{ digest: `sha256:${HEX_B}`, annotations }] });
    const named = index({
      'io.containerd.image.name': `docker.io/library/${REF}`,
      'org.opencontainers.image.ref.name': '0123456789abcdef'
    });
    expect(checkImageArchive(REF, one([REF]), named)).toEqual({
      ids: [`sha256:${HEX_A}`, `sha256:${HEX_B}`]
    });
    expect(
      checkImageArchive(
        REF,
        one([REF]),
        index({ 'io.containerd.image.name': 'docker.io/library/debian:bookworm-slim' })
      )
    ).toMatchObject({ problem: expect.stringContaining('debian:bookworm-slim') });
    expect(
      checkImageArchive(
        REF,
        one([REF]),
        index({ 'org.opencontainers.image.ref.name': 'debian:bookworm-slim' })
      )
    ).toMatchObject({ problem: expect.stringContaining('debian:bookworm-slim') });
    expect(checkImageArchive(REF, one([REF]), '{}')).toEqual({
      problem: 'its index.json lists no manifests'
    });
  });
});

describe('loadedImageProblem: what was loaded under the tag', () => {
  const expected = { ref: REF, inputsHash: '0123456789abcdef' };
  const ids = [`sha256:${HEX_A}`];

  it('is nothing when the ID and the inputs label are the expected ones', () => {
    expect(
      loadedImageProblem(expected, ids, { id: ids[0], inputsHash: expected.inputsHash })
    ).toBeUndefined();
  });

  it('names what differed', () => {
    expect(loadedImageProblem(expected, ids, undefined)).toBe(
      `${REF} is not in the Docker engine after loading it`
    );
    expect(
      loadedImageProblem(expected, ids, { id: `sha256:${HEX_B}`, inputsHash: expected.inputsHash })
    ).toBe(`${REF} is sha256:${HEX_B}, not the archive's sha256:${HEX_A}`);
    expect(loadedImageProblem(expected, ids, { id: ids[0], inputsHash: '' })).toBe(
      `its label ${INPUTS_LABEL} is '', not 0123456789abcdef`
    );
  });
});

describe('loadCheckedImage, with a fake docker', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'image-load-'));
  const expected = { ref: REF, inputsHash: '0123456789abcdef' };
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  async function archive(name: string, tags: string[]): Promise<string> {
    const dir = path.join(scratch, name);
    await run('mkdir', ['-p', dir]);
    writeFileSync(
      path.join(dir, 'manifest.json'),
      JSON.stringify([{ Config: `${HEX_A}.json`, RepoTags: tags }])
    );
    const tar = path.join(scratch, `${name}.tar`);
    await run('tar', ['-cf', tar, '-C', dir, 'manifest.json']);
    return tar;
  }

  it('never runs docker load for an archive with another tag', async () => {
    const docker = fakeDocker();
    const log = recordingLog();
    const tar = await archive('poisoned', [REF, 'debian:bookworm-slim']);
    expect(await loadCheckedImage(tar, expected, { docker, log })).toBe(false);
    expect(docker.calls).toEqual([]);
    expect(log.warnings).toEqual([
      `The cached image archive was not used: its image is tagged ["${REF}","debian:bookworm-slim"], not ["${REF}"]; building instead.`
    ]);
  });

  it('refuses what is not an image archive', async () => {
    const docker = fakeDocker();
    const log = recordingLog();
    const tar = path.join(scratch, 'garbage.tar');
    writeFileSync(tar, 'not a tar');
    expect(await loadCheckedImage(tar, expected, { docker, log })).toBe(false);
    expect(docker.calls).toEqual([]);
    expect(log.warnings[0]).toMatch(/no readable manifest\.json; building instead/);
  });

  it('loads a good archive and keeps it when its ID and label are right', async () => {
    const docker = fakeDocker((args) =>
      args[0] === 'image' ? { stdout: `sha256:${HEX_A} ${expected.inputsHash}\n` } : {}
    );
    const log = recordingLog();
    expect(await loadCheckedImage(await archive('good', [REF]), expected, { docker, log })).toBe(true);
    expect(docker.calls.map((c) => c.slice(0, 2))).toEqual([
      ['load', '--input'],
      ['image', 'inspect']
    ]);
    expect(log.warnings).toEqual([]);
  });

  it('removes the tag again when the loaded image has another label, or the load fails', async () => {
    const docker = fakeDocker((args) =>
      args[0] === 'image' ? { stdout: `sha256:${HEX_A} feedfacefeedface\n` } : {}
    );
    const log = recordingLog();
    expect(await loadCheckedImage(await archive('relabelled', [REF]), expected, { docker, log })).toBe(false);
    expect(docker.calls.at(-1)).toEqual(['image', 'rm', REF]);
    expect(log.warnings[0]).toContain(
      `its label ${INPUTS_LABEL} is 'feedfacefeedface', not ${expected.inputsHash}`
    );

    const failing = fakeDocker((args) => {
      if (args[0] === 'load') throw new Error('unexpected EOF');
      return {};
    });
    const second = recordingLog();
    expect(
      await loadCheckedImage(await archive('truncated', [REF]), expected, { docker: failing, log: second })
    ).toBe(false);
    expect(failing.calls.at(-1)).toEqual(['image', 'rm', REF]);
    expect(second.warnings[0]).toContain('loading it failed (unexpected EOF)');
  });
});

describe('performSaves: the exported image archive', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'image-save-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const exporting = fakeDocker((args) => {
    if (args[0] === 'save') writeFileSync(args[2], 'image archive');
    return {};
  });

  function cache(save: (paths: string[]) => Promise<void>): CacheStore & { seen: boolean[] } {
    const seen: boolean[] = [];
    return {
      seen,
      available: true,
      restore: async () => undefined,
      save: async (paths) => {
        seen.push(existsSync(paths[0]));
        await save(paths);
      }
    };
  }

  it('is removed once saved, and when saving it failed', async () => {
    const tar = path.join(scratch, 'images', 'abc.tar');
    const entry = { kind: 'image' as const, key: 'esp32-devel-image-v1-abc', paths: [tar], image: REF };
    const good = cache(async () => {});
    expect(await performSaves([entry], good, exporting, recordingLog())).toEqual([entry.key]);
    expect(good.seen).toEqual([true]);
    expect(existsSync(tar)).toBe(false);

    const bad = cache(async () => {
      throw new Error('the cache service is down');
    });
    const log = recordingLog();
    expect(await performSaves([entry], bad, exporting, log)).toEqual([]);
    expect(bad.seen).toEqual([true]);
    expect(existsSync(tar)).toBe(false);
    expect(log.warnings).toEqual(['Saving the image cache failed: the cache service is down']);
  });

  it('is removed when docker save failed halfway', async () => {
    const tar = path.join(scratch, 'images', 'half.tar');
    const halfway = fakeDocker((args) => {
      writeFileSync(args[2], 'half an archive');
      throw new Error('no space left on device');
    });
    const log = recordingLog();
    const entry = { kind: 'image' as const, key: 'esp32-devel-image-v1-half', paths: [tar], image: REF };
    expect(
      await performSaves(
        [entry],
        cache(async () => {}),
        halfway,
        log
      )
    ).toEqual([]);
    expect(existsSync(tar)).toBe(false);
    expect(log.warnings).toEqual(['Saving the image cache failed: no space left on device']);
  });
});
