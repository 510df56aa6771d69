import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { obtainKeptDir, scopedPresence } from '../../src/pipeline/kept-dir.js';
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

    const pull = await obtainKeptDir(dir, { key: 'k', scopeTag: 'spr7' }, 'ccache', ctx);
    expect(pull.hit).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
    await writeFile(path.join(dir, 'planted.o'), 'pull request');

    const again = await obtainKeptDir(dir, { key: 'k', scopeTag: 'smain' }, 'ccache', ctx);
    expect(again.hit).toBe('this machine');
    expect(readdirSync(dir)).toEqual(['trusted.o']);
    expect(readdirSync(`${dir}.spr7`)).toEqual(['planted.o']);
    expect(await scopedPresence(dir, 'spr7')).toBe(true);
    expect(await scopedPresence(dir, 'sother')).toBe(false);
  });

  it('unscoped (the CLI), the directory is used as it always was', async () => {
    const dir = path.join(root, 'components', 'x');
    await obtainKeptDir(dir, { key: 'k' }, 'components', ctx);
    await writeFile(path.join(dir, 'f'), '1');
    expect((await obtainKeptDir(dir, { key: 'k' }, 'components', ctx)).hit).toBe('this machine');
    expect(existsSync(`${dir}.scope`)).toBe(false);
  });
});
