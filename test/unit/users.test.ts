import { lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { containerUsers, handOver, treeOwner } from '../../src/pipeline/users.js';

const runner = { uid: 1001, gid: 121 };
const root = { uid: 0, gid: 0 };

describe('who the containers run as', () => {
  it('a non-root caller: itself, for every container, and nothing to say', () => {
    expect(containerUsers(runner, { uid: 2000, gid: 2000 })).toEqual({ install: runner, build: runner });
  });

  it('root, and someone else owns the tree: the build runs as that owner, install.sh as root', () => {
    const users = containerUsers(root, runner);
    expect(users.build).toEqual(runner);
    expect(users.install).toEqual(root);
    expect(users.note).toMatch(/the build runs as 1001:121, the owner of the MicroPython tree, not as root/);
  });

  it('root owning the tree too: root, with every capability dropped, and the log says so', () => {
    for (const owner of [root, undefined]) {
      const users = containerUsers(root, owner);
      expect(users).toMatchObject({ build: root, install: root });
      expect(users.note).toMatch(/run as root.*every capability dropped \(--cap-drop ALL\)/);
    }
  });
});

describe('the tree’s owner, and handing the build’s caches over', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'users-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the owner of the tree, or nothing while it is not there', async () => {
    const info = lstatSync(dir);
    expect(await treeOwner(dir)).toEqual({ uid: info.uid, gid: info.gid });
    expect(await treeOwner(path.join(dir, 'missing'))).toBeUndefined();
  });

  (process.getuid?.() === 0 ? it : it.skip)(
    'changes every file, and a link itself, never what it points to',
    async () => {
      const cache = path.join(dir, 'ccache');
      mkdirSync(path.join(cache, 'a', 'b'), { recursive: true });
      writeFileSync(path.join(cache, 'a', 'b', 'object'), 'o');
      const outside = path.join(dir, 'outside');
      writeFileSync(outside, 'not the cache');
      symlinkSync(outside, path.join(cache, 'a', 'link'));
      await handOver([cache, path.join(dir, 'missing')], { uid: 12345, gid: 12346 });
      for (const p of ['', 'a', 'a/b', 'a/b/object', 'a/link']) {
        expect(lstatSync(path.join(cache, p))).toMatchObject({ uid: 12345, gid: 12346 });
      }
      expect(lstatSync(outside)).toMatchObject({ uid: 0, gid: 0 });
    }
  );
});
