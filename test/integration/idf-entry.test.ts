/**
 * The ESP-IDF entry's integrity, with real git, tar and the real
 * @actions/cache on loopback: an entry kept on this machine or restored from
 * the Actions cache is used only once verified (at its commit, clean, with
 * nothing in its git configuration that a clone does not write); one that
 * fails is set aside and fetched again, never repaired; its marker is always
 * this run's; leftovers of a killed run never count; two runs at once on one
 * store clone once.
 */
import { jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ActionsCache } from '../../src/action/ports.js';
import { run } from '../../src/exec.js';
import type { Docker } from '../../src/pipeline/docker.js';
import { hostName } from '../../src/pipeline/partials.js';
import { linkTree, MARKER, readMarker } from '../../src/pipeline/idf-entry.js';
import {
  obtainIdf,
  planIdf,
  type IdfContext,
  type IdfRequest,
  type PreparedIdf
} from '../../src/pipeline/idf.js';
import { performSaves } from '../../src/pipeline/saves.js';
import type { Places } from '../../src/ports.js';
import { startCacheServer, type CacheServer } from '../support/cache-server.js';
import { createUpstreams, type FixtureUpstreams } from '../support/upstreams.js';
import { recordingLog } from '../support/log.js';

jest.setTimeout(120_000);

const NO_DOCKER = undefined as unknown as Docker;
const AUTHOR = ['-c', 'user.name=Intruder', '-c', 'user.email=intruder@example.com'];

let upstreams: FixtureUpstreams;
let server: CacheServer;
let scratch: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  upstreams = await createUpstreams();
  server = await startCacheServer();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'idf-entry-'));
  Object.assign(process.env, server.env);
});

afterAll(async () => {
  process.env = savedEnv;
  await server?.close();
  await upstreams?.close();
  await rm(scratch, { recursive: true, force: true });
});

async function machine(name: string, fresh = true): Promise<Places> {
  const dir = path.join(scratch, name);
  if (fresh) await rm(dir, { recursive: true, force: true });
  process.env.RUNNER_TOOL_CACHE = path.join(dir, 'toolcache');
  process.env.RUNNER_TEMP = path.join(dir, 'temp');
  return { root: path.join(dir, 'toolcache', 'esp32-micropython-build'), temp: path.join(dir, 'temp') };
}

const request = (ref: string): IdfRequest => ({
  repo: upstreams.idfRepoUrl,
  ref,
  chips: ['esp32'],
  install: false
});

async function prepare(ref: string, places: Places, useCache = false, log = recordingLog()) {
  const ctx: IdfContext = { cache: new ActionsCache(), useCache, places, log };
  return obtainIdf(await planIdf(request(ref), '3.11', ctx), ctx);
}

/** Everything in the entries directory but the entries themselves: leftovers, locks. */
function leftovers(places: Places): string[] {
  // Entries are named <ref>-<10 hex digits>; anything with more after that is not one.
  return readdirSync(path.join(places.root, 'idf')).filter((name) => !/-[0-9a-f]{10}$/.test(name));
}

const STUB = 'components/esptool_py/esptool/flasher_stub/stub.h';

describe('an entry on this machine', () => {
  const pwned = () => path.join(scratch, 'pwned');
  const tamperings: [string, RegExp | (() => RegExp), (idf: PreparedIdf) => Promise<unknown> | void][] = [
    [
      'a file modified',
      /differs from its commit: M tools\/idf\.py/,
      (idf) => appendFileSync(path.join(idf.idfPath, 'tools/idf.py'), '\n# changed\n')
    ],
    [
      'a file removed',
      /differs from its commit: D README\.md/,
      (idf) => rmSync(path.join(idf.idfPath, 'README.md'))
    ],
    [
      'a file added',
      /differs from its commit: \?\? components\/evil\.c/,
      (idf) => writeFileSync(path.join(idf.idfPath, 'components/evil.c'), 'int x;\n')
    ],
    [
      'a file in a nested submodule modified',
      /differs from its commit: M components\/esptool_py\/esptool$/,
      (idf) => appendFileSync(path.join(idf.idfPath, STUB), '#define X 1\n')
    ],
    [
      'HEAD moved',
      () => new RegExp(`it is at [0-9a-f]{40}, not at ${upstreams.idfTags['v5.2.2']}`),
      (idf) => run('git', [...AUTHOR, '-C', idf.idfPath, 'commit', '--quiet', '--allow-empty', '-m', 'moved'])
    ],
    [
      'a submodule moved',
      /differs from its commit: M components\/esptool_py\/esptool$/,
      (idf) =>
        run('git', [
          ...AUTHOR,
          '-C',
          path.join(idf.idfPath, 'components/esptool_py/esptool'),
          'commit',
          '--quiet',
          '--allow-empty',
          '-m',
          'moved'
        ])
    ],
    [
      'core.fsmonitor planted',
      /ESP-IDF: its git configuration sets core\.fsmonitor/,
      (idf) => run('git', ['-C', idf.idfPath, 'config', 'core.fsmonitor', `touch ${pwned()}`])
    ],
    [
      'a clean filter planted',
      /ESP-IDF: its git configuration sets filter\.x\.clean/,
      (idf) => {
        appendFileSync(path.join(idf.idfPath, '.git/config'), `[filter "x"]\n\tclean = touch ${pwned()}\n`);
        mkdirSync(path.join(idf.idfPath, '.git/info'), { recursive: true });
        writeFileSync(path.join(idf.idfPath, '.git/info/attributes'), '* filter=x\n');
      }
    ],
    [
      'a hook path planted in a submodule',
      /components\/esptool_py\/esptool: its git configuration sets core\.hookspath/,
      (idf) =>
        appendFileSync(
          path.join(idf.idfPath, '.git/modules/components/esptool_py/esptool/config'),
          `[core]\n\thooksPath = ${scratch}\n`
        )
    ],
    [
      'its .git replaced by a file',
      /esp-idf\/\.git is missing or not a directory/,
      (idf) => {
        rmSync(path.join(idf.idfPath, '.git'), { recursive: true });
        writeFileSync(path.join(idf.idfPath, '.git'), `gitdir: ${upstreams.idfRepoUrl}\n`);
      }
    ]
  ];

  it.each(tamperings)(
    'with %s is set aside and cloned again, never repaired, and nothing it names runs',
    async (what, reason, tamper) => {
      const places = await machine(`local-${what.replace(/\W+/g, '-')}`);
      const first = await prepare('v5.2.2', places);
      const pristine = readFileSync(path.join(first.idfPath, 'tools/idf.py'), 'utf8');
      await tamper(first);
      const log = recordingLog();
      const again = await prepare('v5.2.2', places, false, log);
      expect(log.warnings.join('\n')).toMatch(
        new RegExp(
          `The ESP-IDF entry ${first.dir.replace(/[.]/g, '\\.')} fails verification: .*set aside and ESP-IDF fetched again`
        )
      );
      const warning = log.warnings[0].replace(/\. It is set aside.*$/, '');
      expect(warning).toMatch(typeof reason === 'function' ? reason() : reason);
      expect(again).toMatchObject({ source: 'clone', dir: first.dir, commit: upstreams.idfTags['v5.2.2'] });
      expect(readFileSync(path.join(again.idfPath, 'tools/idf.py'), 'utf8')).toBe(pristine);
      expect(existsSync(path.join(again.idfPath, 'README.md'))).toBe(true);
      expect(existsSync(path.join(again.idfPath, 'components/evil.c'))).toBe(false);
      expect(existsSync(pwned())).toBe(false);
      expect(leftovers(places)).toEqual([]);
      // And the clone is good as it is: the next run uses it.
      const third = await prepare('v5.2.2', places);
      expect(third.source).toBe('local');
    }
  );

  it('that is untouched is used as it is, verified', async () => {
    const places = await machine('local-good');
    await prepare('v5.0.4', places);
    const log = recordingLog();
    const again = await prepare('v5.0.4', places, false, log);
    expect(again.source).toBe('local');
    expect(log.lines.join('\n')).toContain('Found on this machine, verified');
    expect(log.warnings).toEqual([]);
  });

  it('that a build modified is not saved by the post step', async () => {
    const places = await machine('save-tampered');
    const idf = await prepare('v5.0.4', places);
    appendFileSync(path.join(idf.idfPath, 'tools/idf.py'), '\n# poisoned\n');
    const log = recordingLog();
    expect(await performSaves([idf.save!], new ActionsCache(), NO_DOCKER, log)).toEqual([]);
    expect(log.warnings.join('\n')).toMatch(
      /Not saving the ESP-IDF entry .*differs from its commit: M tools\/idf\.py/
    );
    expect(server.entries().some((e) => e.key === idf.key)).toBe(false);
    expect(existsSync(`${idf.dir}.transfer`)).toBe(false);
  });
});

// A fresh runner has the same paths as the last (the Actions cache restores to the paths it saved).
describe('an entry restored from the Actions cache', () => {
  /** Save an entry as a poisoner would: straight from a copy of it, past the post step's check. */
  async function savePoisoned(idf: PreparedIdf, marker?: object): Promise<void> {
    const transfer = `${idf.dir}.transfer`;
    await linkTree(idf.dir, transfer, [MARKER]);
    if (marker) writeFileSync(path.join(transfer, MARKER), JSON.stringify(marker));
    await new ActionsCache().save([transfer], idf.key);
    rmSync(transfer, { recursive: true, force: true });
  }

  it('that was poisoned is discarded, and ESP-IDF cloned; the cache entry is named so it can be deleted', async () => {
    const source = await machine('poison');
    const idf = await prepare('v5.4.2', source);
    appendFileSync(path.join(idf.idfPath, 'tools/idf.py'), '\nimport os; os.system("id")\n');
    await savePoisoned(idf);

    const fresh = await machine('poison');
    const log = recordingLog();
    const got = await prepare('v5.4.2', fresh, true, log);
    expect(log.warnings.join('\n')).toMatch(
      new RegExp(
        `restored from the Actions cache \\(${idf.key}\\) fails verification: it differs from its commit: M tools/idf\\.py.*delete that cache entry`
      )
    );
    expect(got).toMatchObject({ source: 'clone', commit: upstreams.idfTags['v5.4.2'] });
    expect(readFileSync(path.join(got.idfPath, 'tools/idf.py'), 'utf8')).not.toContain('os.system');
    expect(leftovers(fresh)).toEqual([]);
  });

  it('is used once verified, with a marker this run wrote, whatever marker the archive carried', async () => {
    const source = await machine('marker');
    const idf = await prepare('v5.0.4', source);
    // An archive of an older version of this tool carried its marker: here, a lying one.
    await savePoisoned(idf, { key: idf.key, commit: 'f'.repeat(40), chips: ['esp32', 'esp32s3'] });

    const fresh = await machine('marker');
    const got = await prepare('v5.0.4', fresh, true);
    expect(got).toMatchObject({ source: 'actions-cache', commit: upstreams.idfTags['v5.0.4'] });
    expect(await readMarker(got.dir)).toEqual({
      key: idf.key,
      commit: upstreams.idfTags['v5.0.4'],
      chips: ['esp32']
    });
    expect(leftovers(fresh)).toEqual([]);
  });

  it('is never taken from what a killed run left: a half restore, an unfinished entry, its lock', async () => {
    const source = await machine('killed');
    const idf = await prepare('release/v5.2', source);
    expect(await performSaves([idf.save!], new ActionsCache(), NO_DOCKER, recordingLog())).toEqual([idf.key]);

    // What a restore killed mid-extraction leaves: part of the entry in its transfer directory, the
    // entry itself never renamed into place (here, an unfinished one with no marker), the lock of a gone pid.
    const part = path.join(scratch, 'killed-part');
    cpSync(path.join(idf.idfPath, '.git'), path.join(part, 'transfer', 'esp-idf', '.git'), {
      recursive: true
    });
    cpSync(path.join(idf.idfPath, 'README.md'), path.join(part, 'unfinished', 'esp-idf', 'README.md'));
    const fresh = await machine('killed');
    const dir = path.join(fresh.root, 'idf', path.basename(idf.dir));
    mkdirSync(path.dirname(dir), { recursive: true });
    cpSync(path.join(part, 'transfer'), `${dir}.transfer`, { recursive: true });
    cpSync(path.join(part, 'unfinished'), dir, { recursive: true });
    const gone = spawnSync('true').pid!;
    writeFileSync(`${dir}.lock`, JSON.stringify({ host: hostName(), pid: gone, nonce: 'x', since: 'then' }));
    const log = recordingLog();
    const got = await prepare('release/v5.2', fresh, true, log);
    expect(log.lines.join('\n')).toMatch(/Taking over the lock of ESP-IDF release\/v5\.2 from process \d+/);
    expect(got).toMatchObject({
      source: 'actions-cache',
      dir,
      commit: upstreams.idfBranches['release/v5.2']
    });
    expect(readFileSync(path.join(got.idfPath, STUB), 'utf8')).toContain('ESPTOOL_FLASHER_STUB_REVISION');
    expect(leftovers(fresh)).toEqual([]);
  });
});

describe('two runs at once on one store', () => {
  it('clone once: the second waits for the first, then uses what it made', async () => {
    const places = await machine('concurrent');
    const logs = [recordingLog(), recordingLog()];
    const contexts = logs.map((log): IdfContext => ({
      cache: new ActionsCache(),
      useCache: false,
      places,
      log
    }));
    const plans = await Promise.all(contexts.map((ctx) => planIdf(request('v5.2.2'), '3.11', ctx)));
    const got = await Promise.all(plans.map((plan, i) => obtainIdf(plan, contexts[i])));
    expect(got.map((g) => g.source).sort()).toEqual(['clone', 'local']);
    const said = logs.map((l) => l.lines.join('\n')).join('\n');
    expect(said.match(/Cloning /g)).toHaveLength(1);
    expect(said).toMatch(/Waiting for process \d+ on .*, which is preparing ESP-IDF v5\.2\.2/);
    expect(said).toContain('Made by another run meanwhile, verified');
    expect(leftovers(places)).toEqual([]);
  });
});
