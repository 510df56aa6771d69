import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAbort } from '../../src/exec.js';
import { isStale, lockEntry, lockFile, STALE_MS } from '../../src/pipeline/entry-lock.js';
import { linkTree, MARKER, replaceEntry, transferDir } from '../../src/pipeline/idf-entry.js';
import { configProblem, gitlinks, statusSummary } from '../../src/pipeline/idf-verify.js';
import { hostName } from '../../src/pipeline/partials.js';

/** A pid that no process has (any more). */
function deadPid(): number {
  return spawnSync('true').pid!;
}

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'entry-store-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('the lock of an entry', () => {
  const entry = () => path.join(root, 'idf', 'v5.2.2-ab');
  const holder = (extra: object) =>
    JSON.stringify({ host: hostName(), pid: process.pid, nonce: 'n', since: 'then', ...extra });

  it('is one O_EXCL file: a second run waits, and gets it once the first gives it up', async () => {
    const first = await lockEntry(entry(), { what: 'x' });
    expect(first.file).toBe(lockFile(entry()));
    expect(JSON.parse(readFileSync(first.file, 'utf8'))).toMatchObject({
      host: hostName(),
      pid: process.pid
    });
    expect(JSON.stringify({ lock: first })).toBe('{}');
    const said: string[] = [];
    const log = {
      info: (m: string) => said.push(m),
      warning: () => undefined,
      debug: () => undefined,
      output: () => undefined
    };
    let second = false;
    const waiting = lockEntry(entry(), { what: 'ESP-IDF v5.2.2', log }).then((lock) => {
      second = true;
      return lock;
    });
    await new Promise((r) => setTimeout(r, 600));
    expect(second).toBe(false);
    expect(said.join('\n')).toMatch(/Waiting for process \d+ on .*, which is preparing ESP-IDF v5\.2\.2/);
    await first.release();
    await first.release();
    const lock = await waiting;
    expect(second).toBe(true);
    await lock.release();
    expect(existsSync(lockFile(entry()))).toBe(false);
  });

  it("is taken over from a run of this host that is gone, or one nobody has refreshed; another host's live one is waited for", async () => {
    mkdirSync(path.dirname(entry()), { recursive: true });
    writeFileSync(lockFile(entry()), holder({ pid: deadPid() }));
    const said: string[] = [];
    const log = {
      info: (m: string) => said.push(m),
      warning: () => undefined,
      debug: () => undefined,
      output: () => undefined
    };
    const taken = await lockEntry(entry(), { what: 'x', log });
    expect(said.join('\n')).toMatch(/Taking over the lock of x from process \d+/);
    await taken.release();

    writeFileSync(lockFile(entry()), holder({ host: 'another-host.example', pid: 1 }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const error = await lockEntry(entry(), { what: 'x', signal: controller.signal }).catch((e: unknown) => e);
    expect(isAbort(error)).toBe(true);
    expect(readFileSync(lockFile(entry()), 'utf8')).toContain('another-host.example');

    const old = new Date(Date.now() - STALE_MS - 60_000);
    utimesSync(lockFile(entry()), old, old);
    const again = await lockEntry(entry(), { what: 'x' });
    await again.release();
    expect(readdirSync(path.dirname(entry()))).toEqual([]);
  });

  it('is not removed by a run whose lock was broken and taken by another', async () => {
    const mine = await lockEntry(entry(), { what: 'x' });
    writeFileSync(lockFile(entry()), holder({ nonce: 'theirs' }));
    await mine.release();
    expect(readFileSync(lockFile(entry()), 'utf8')).toContain('theirs');
  });

  it('is stale when its run is gone or it is too old; an empty one gets time to be written', () => {
    const alive = (pid: number) => pid === 5;
    const here = (pid: number) => ({ host: hostName(), pid, nonce: 'n', since: '' });
    expect(isStale(here(5), 0, alive)).toBe(false);
    expect(isStale(here(6), 0, alive)).toBe(true);
    expect(isStale({ ...here(6), host: 'elsewhere' }, 0, alive)).toBe(false);
    expect(isStale({ ...here(6), host: 'elsewhere' }, STALE_MS + 1, alive)).toBe(true);
    expect(isStale(undefined, 1000, alive)).toBe(false);
    expect(isStale(undefined, STALE_MS + 1, alive)).toBe(true);
  });
});

describe('entry directories', () => {
  it('linkTree copies a tree as hard links, without the marker, keeping symlinks and modes', async () => {
    const src = path.join(root, 'entry');
    mkdirSync(path.join(src, 'esp-idf', 'tools'), { recursive: true });
    writeFileSync(path.join(src, 'esp-idf', 'tools', 'idf.py'), 'print()\n', { mode: 0o755 });
    symlinkSync('tools/idf.py', path.join(src, 'esp-idf', 'idf'));
    writeFileSync(path.join(src, MARKER), '{}');
    await linkTree(src, transferDir(src), [MARKER]);
    const copy = transferDir(src);
    expect(copy).toBe(`${src}.transfer`);
    expect(existsSync(path.join(copy, MARKER))).toBe(false);
    const file = path.join(copy, 'esp-idf', 'tools', 'idf.py');
    expect(statSync(file).ino).toBe(statSync(path.join(src, 'esp-idf', 'tools', 'idf.py')).ino);
    expect(statSync(file).mode & 0o777).toBe(0o755);
    expect(lstatSync(path.join(copy, 'esp-idf', 'idf')).isSymbolicLink()).toBe(true);
  });

  it('replaceEntry puts the staged directory in place of the entry, the old one gone', async () => {
    const dir = path.join(root, 'entry');
    mkdirSync(path.join(dir, 'old'), { recursive: true });
    mkdirSync(path.join(root, 'staged', 'new'), { recursive: true });
    await replaceEntry(dir, path.join(root, 'staged'));
    expect(readdirSync(dir)).toEqual(['new']);
    expect(readdirSync(root)).toEqual(['entry']);
    mkdirSync(path.join(root, 'first'));
    await replaceEntry(path.join(root, 'fresh'), path.join(root, 'first'));
    expect(readdirSync(root).sort()).toEqual(['entry', 'fresh']);
  });
});

describe('what verification reads', () => {
  const listing = (pairs: [string, string][]) => pairs.map(([k, v]) => `${k}\n${v}\0`).join('');

  it('accepts the configuration a clone with submodules writes', () => {
    const top = listing([
      ['core.repositoryformatversion', '0'],
      ['core.filemode', 'true'],
      ['core.bare', 'false'],
      ['core.logallrefupdates', 'true'],
      ['remote.origin.url', 'https://git.example/esp-idf.git'],
      ['remote.origin.fetch', '+refs/tags/v5.2.2:refs/tags/v5.2.2'],
      ['remote.origin.tagopt', '--no-tags'],
      ['branch.master.remote', 'origin'],
      ['branch.master.merge', 'refs/heads/master'],
      ['submodule.components/esptool_py/esptool.url', 'https://git.example/esptool.git'],
      ['submodule.components/esptool_py/esptool.active', 'true']
    ]);
    expect(configProblem(top, '/e/esp-idf/.git', '/e/esp-idf')).toBeUndefined();
    const sub = listing([
      ['core.bare', 'false'],
      ['core.worktree', '../../../../../components/esptool_py/esptool']
    ]);
    const gitDir = '/e/esp-idf/.git/modules/components/esptool_py/esptool';
    expect(configProblem(sub, gitDir, '/e/esp-idf/components/esptool_py/esptool')).toBeUndefined();
    expect(configProblem(sub, gitDir, '/e/esp-idf/components/other')).toMatch(/work tree elsewhere/);
  });

  it.each([
    ['core.fsmonitor', 'touch /tmp/pwned'],
    ['core.hookspath', '/tmp/hooks'],
    ['filter.x.clean', 'touch /tmp/pwned'],
    ['core.sshcommand', 'evil'],
    ['include.path', '/tmp/other'],
    ['includeif.gitdir:/.path', '/tmp/other'],
    ['core.untrackedcache', 'true'],
    ['core.checkstat', 'minimal'],
    ['diff.external', 'evil'],
    ['url.https://evil/.insteadof', 'https://git.example/']
  ])('refuses a configuration that sets %s', (key, value) => {
    expect(configProblem(listing([[key, value]]), '/e/.git', '/e')).toBe(`its git configuration sets ${key}`);
  });

  it('refuses a bare repository', () => {
    expect(configProblem(listing([['core.bare', 'true']]), '/e/.git', '/e')).toMatch(/bare/);
  });

  it('finds the submodules of a tree listing, and says what differs', () => {
    const tree =
      '100644 blob 1111111111111111111111111111111111111111\tREADME.md\0' +
      '160000 commit 2222222222222222222222222222222222222222\tcomponents/esptool_py/esptool\0' +
      '160000 commit 3333333333333333333333333333333333333333\tcomponents/with space\0';
    expect(gitlinks(tree)).toEqual(['components/esptool_py/esptool', 'components/with space']);
    expect(statusSummary(' M tools/idf.py\0?? evil.sh\0')).toBe('M tools/idf.py, ?? evil.sh');
    const many = Array.from({ length: 7 }, (_, i) => `?? f${i}\0`).join('');
    expect(statusSummary(many)).toBe('?? f0, ?? f1, ?? f2, ?? f3, ?? f4 and 2 more');
  });
});
