import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { lockKeptDir, obtainKeptDir, scopedPresence } from '../../src/pipeline/kept-dir.js';
import { hostName } from '../../src/pipeline/partials.js';
import { NoCache, type Log } from '../../src/ports.js';

const log: Log = { info: () => {}, warning: () => {}, debug: () => {}, output: () => {} };
const ctx = { cache: new NoCache(), useCache: true, log };

describe('a kept directory with cache scopes on one machine (a self-hosted runner)', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'kept-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it("a run sees only its own scope's files, at the same path, and each scope keeps its own", async () => {
    const dir = path.join(root, 'ccache', 'abc');
    const main = await obtainKeptDir(dir, { key: 'k', scopeTag: 'smain' }, 'ccache', ctx);
    expect(main.hit).toBeUndefined();
    await writeFile(path.join(dir, 'trusted.o'), 'main');
    await main.lock?.release();

    const pull = await obtainKeptDir(dir, { key: 'k', scopeTag: 'spr7' }, 'ccache', ctx);
    expect(pull.hit).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
    await writeFile(path.join(dir, 'planted.o'), 'pull request');
    await pull.lock?.release();

    const again = await obtainKeptDir(dir, { key: 'k', scopeTag: 'smain' }, 'ccache', ctx);
    await again.lock?.release();
    expect(again.hit).toBe('this machine');
    expect(readdirSync(dir)).toEqual(['trusted.o']);
    expect(readdirSync(`${dir}.spr7`)).toEqual(['planted.o']);
    expect(await scopedPresence(dir, 'spr7')).toBe(true);
    expect(await scopedPresence(dir, 'sother')).toBe(false);
  });

  it('unscoped (the CLI), the directory is used as it always was', async () => {
    const dir = path.join(root, 'components', 'x');
    await (await obtainKeptDir(dir, { key: 'k' }, 'components', ctx)).lock?.release();
    await writeFile(path.join(dir, 'f'), '1');
    const again = await obtainKeptDir(dir, { key: 'k' }, 'components', ctx);
    await again.lock?.release();
    expect(again.hit).toBe('this machine');
    expect(existsSync(`${dir}.scope`)).toBe(false);
  });
});

describe('one run at a time per kept directory', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'kept-lock-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('a second run waits, saying for what, until the first has built, then sees its objects', async () => {
    const dir = path.join(root, 'ccache', 'abc');
    const lines: string[] = [];
    const logged: Log = { ...log, info: (m) => lines.push(m) };
    const first = await obtainKeptDir(dir, { key: 'k', scopeTag: 'smain' }, 'ccache', ctx);
    expect(existsSync(`${dir}.lock`)).toBe(true);
    let secondDone = false;
    const second = obtainKeptDir(dir, { key: 'k', scopeTag: 'spr7' }, 'ccache', { ...ctx, log: logged });
    void second.then(() => (secondDone = true));
    await sleep(600);
    expect(secondDone).toBe(false);
    expect(lines.join('\n')).toMatch(
      new RegExp(`Waiting for process ${process.pid} .*, which is using the ccache directory ${dir}`)
    );
    // The first run's build writes into its scope's directory, undisturbed.
    await writeFile(path.join(dir, 'trusted.o'), 'main');
    expect(readdirSync(dir)).toEqual(['trusted.o']);
    await first.lock?.release();

    const got = await second;
    expect(got.hit).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
    expect(readdirSync(`${dir}.smain`)).toEqual(['trusted.o']);
    await got.lock?.release();
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });

  it('breaks the lock a dead run left, and says so', async () => {
    const dir = path.join(root, 'components', 'x');
    await mkdir(path.dirname(dir), { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const holder = {
      host: hostName(),
      pid: Number(dead.stdout),
      nonce: 'gone',
      since: new Date().toISOString()
    };
    await writeFile(`${dir}.lock`, JSON.stringify(holder));
    const lines: string[] = [];
    const got = await obtainKeptDir(dir, { key: 'k' }, 'managed components', {
      ...ctx,
      log: { ...log, info: (m) => lines.push(m) }
    });
    expect(lines.join('\n')).toMatch(`Taking over the lock of the managed components directory ${dir}`);
    expect(JSON.parse(readFileSync(`${dir}.lock`, 'utf8')).pid).toBe(process.pid);
    await got.lock?.release();
  });

  it('gives the lock up when obtaining fails', async () => {
    const dir = path.join(root, 'ccache', 'fails');
    const failing = {
      ...ctx,
      cache: {
        available: true,
        restore: () => Promise.reject(new Error('cache service gone')),
        save: () => Promise.resolve()
      }
    };
    await expect(obtainKeptDir(dir, { key: 'k' }, 'ccache', failing)).rejects.toThrow('cache service gone');
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });

  it('uses a lock already taken, and never serialises it', async () => {
    const dir = path.join(root, 'ccache', 'taken');
    const lock = await lockKeptDir(dir, 'ccache', {});
    const got = await obtainKeptDir(dir, { key: 'k' }, 'ccache', { ...ctx, lock });
    expect(got.lock).toBe(lock);
    expect(JSON.parse(JSON.stringify(got))).toEqual({ dir, fingerprint: got.fingerprint });
    await lock.release();
  });
});
