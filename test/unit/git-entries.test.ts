import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  findGitEntries,
  gitMounts,
  plantedEntries,
  protectedPaths,
  removePlantedGit
} from '../../src/pipeline/git-entries.js';
import { quietLog } from '../support/plan-ports.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'git-entries-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function put(relative: string, content = ''): void {
  mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
  writeFileSync(path.join(dir, relative), content);
}

describe('the .git entries of a tree', () => {
  it('finds the tree’s and its submodules’, not inside a .git, never through a link', async () => {
    put('.git/config');
    put('.git/modules/lib/a/config');
    put('lib/a/.git', 'gitdir: ../../.git/modules/lib/a\n');
    put('lib/b/README');
    put('elsewhere/.git/HEAD');
    symlinkSync(path.join(dir, 'elsewhere'), path.join(dir, 'lib', 'linked'));
    symlinkSync('/nowhere', path.join(dir, 'lib', 'b', '.git'));
    const found = await findGitEntries([dir, path.join(dir, 'missing')]);
    expect(found.map((e) => [path.relative(dir, e.path), e.kind])).toEqual([
      ['.git', 'dir'],
      ['elsewhere/.git', 'dir'],
      ['lib/a/.git', 'file'],
      ['lib/b/.git', 'link']
    ]);
    // A link cannot be mounted over; the others are, each inside the tree only.
    const paths = protectedPaths(found);
    expect(paths.map((p) => path.relative(dir, p))).toEqual(['.git', 'elsewhere/.git', 'lib/a/.git']);
    expect(gitMounts(path.join(dir, 'lib'), paths)).toEqual([
      { host: path.join(dir, 'lib/a/.git'), container: path.join(dir, 'lib/a/.git'), readonly: true }
    ]);
  });

  it('a .git the container created is removed, even where one was before (another file)', async () => {
    put('.git/config');
    put('lib/a/.git', 'gitdir: ../../.git/modules/lib/a\n');
    const before = await findGitEntries([dir]);
    // What a build can do with its tree writable: rename the directory holding a
    // read-only .git away, and plant its own in the submodule's empty place.
    renameSync(path.join(dir, 'lib'), path.join(dir, 'lib2'));
    put('lib/a/.git', 'gitdir: /tmp/planted\n');
    put('lib/unused/.git/config', '[core]\n\tfsmonitor = touch /tmp/pwned\n');
    const cache = path.join(dir, '..', `${path.basename(dir)}-cache`);
    mkdirSync(path.join(cache, 'x', '.git'), { recursive: true });
    const after = await findGitEntries([dir, cache]);
    expect(plantedEntries(before, after).map((e) => e.path)).toEqual([
      path.join(cache, 'x', '.git'),
      path.join(dir, 'lib/a/.git'),
      path.join(dir, 'lib/unused/.git')
    ]);
    const warnings: string[] = [];
    const removed = await removePlantedGit(before, [dir, cache], {
      ...quietLog,
      warning: (w) => warnings.push(w)
    });
    expect(removed).toHaveLength(3);
    expect(existsSync(path.join(dir, 'lib/unused/.git'))).toBe(false);
    expect(existsSync(path.join(dir, 'lib/unused'))).toBe(true);
    expect(existsSync(path.join(dir, 'lib2/a/.git'))).toBe(true);
    expect(existsSync(path.join(dir, '.git/config'))).toBe(true);
    expect(warnings[0]).toMatch(/^The build created .*\/x\/\.git \(a directory\): removed it\./);
    rmSync(cache, { recursive: true, force: true });
  });
});
