/**
 * `make submodules` split in two, against real git, make and bash on this
 * machine: the port's own make names the paths (with the git that only
 * names them), and git here updates them, hardened.
 */
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../src/exec.js';
import type { Log } from '../../src/ports.js';
import { requestedSubmodules, SUBMODULES_SCRIPT, updateSubmodules } from '../../src/pipeline/submodules.js';

let scratch: string;
let upstream: string;
const log: Log = { info() {}, warning() {}, debug() {}, output() {} };
const clean = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@t',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@t'
};
const git = (cwd: string, ...args: string[]) =>
  run('git', ['-c', 'protocol.file.allow=always', ...args], { cwd, env: clean });

/** What MicroPython's port Makefile and py/mkrules.mk do, and a few names a hostile tree might add. */
const PORT_MAKEFILE = [
  'BOARD ?= GENERIC',
  'GIT_SUBMODULES = lib/micropython-lib',
  'submodules:',
  '\t@echo "Updating submodules for $(BOARD): $(GIT_SUBMODULES)"',
  '\tcd ../.. && git submodule sync $(GIT_SUBMODULES)',
  '\tcd ../.. && git submodule update --init --filter=blob:none $(GIT_SUBMODULES) ../../../outside lib/x/.git/hooks',
  '\tgit -C ../.. -c core.abbrev=9 rev-parse --is-inside-work-tree',
  ''
].join('\n');

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'submodules-'));
  const lib = path.join(scratch, 'micropython-lib.git');
  mkdirSync(lib);
  await git(lib, 'init', '-q', '-b', 'master');
  writeFileSync(path.join(lib, 'README.md'), '# micropython-lib\n');
  await git(lib, 'add', '-A');
  await git(lib, 'commit', '-qm', 'lib');
  upstream = path.join(scratch, 'micropython.git');
  mkdirSync(path.join(upstream, 'ports', 'esp32'), { recursive: true });
  await git(upstream, 'init', '-q', '-b', 'master');
  writeFileSync(path.join(upstream, 'ports', 'esp32', 'Makefile'), PORT_MAKEFILE);
  await git(upstream, 'submodule', '-q', 'add', '../micropython-lib.git', 'lib/micropython-lib');
  await git(upstream, 'add', '-A');
  await git(upstream, 'commit', '-qm', 'tree');
});

afterAll(() => rm(scratch, { recursive: true, force: true }));

async function cloneTree(name: string): Promise<string> {
  const tree = path.join(scratch, name);
  await git(scratch, 'clone', '-q', upstream, tree);
  return tree;
}

describe("the port's make submodules, with the git that only names paths", () => {
  it('names what the port would update, runs every other git command, writes nothing in .git', async () => {
    const tree = await cloneTree('asked');
    const config = readFileSync(path.join(tree, '.git', 'config'), 'utf8');
    const result = await run(
      'bash',
      ['-c', SUBMODULES_SCRIPT, 'esp32-build', '-C', 'ports/esp32', 'BOARD=X'],
      {
        cwd: tree,
        env: clean
      }
    );
    expect(result.stdout).toContain('Updating submodules for X: lib/micropython-lib');
    // git itself answered what was not `git submodule`.
    expect(result.stdout).toMatch(/^true$/m);
    expect(result.stdout).toContain(`esp32-build-submodule\t${tree}\tlib/micropython-lib\n`);
    expect(readFileSync(path.join(tree, '.git', 'config'), 'utf8')).toBe(config);
    expect(existsSync(path.join(tree, '.git', 'modules'))).toBe(false);
    expect(readdirSync(path.join(tree, 'lib', 'micropython-lib'))).toEqual([]);

    // Only plain paths inside the tree are taken.
    expect(requestedSubmodules(result.stdout, tree)).toEqual({
      paths: ['lib/micropython-lib'],
      refused: ['../../../outside', 'lib/x/.git/hooks']
    });
  });
});

describe('updating them on this machine', () => {
  it('initialises them, without the fsmonitor or hooks the tree’s config names', async () => {
    const tree = await cloneTree('updated');
    const ran = path.join(scratch, 'fsmonitor-or-hook-ran');
    // As if something had planted them before this run.
    await git(tree, 'config', 'core.fsmonitor', `touch ${ran}; false`);
    mkdirSync(path.join(tree, 'hooks'));
    writeFileSync(path.join(tree, 'hooks', 'post-checkout'), `#!/bin/sh\ntouch ${ran}\n`, { mode: 0o755 });
    await git(tree, 'config', 'core.hooksPath', path.join(tree, 'hooks'));

    await updateSubmodules(tree, ['lib/micropython-lib'], { log });
    expect(readFileSync(path.join(tree, 'lib', 'micropython-lib', 'README.md'), 'utf8')).toContain(
      'micropython-lib'
    );
    expect(existsSync(path.join(tree, '.git', 'modules', 'lib', 'micropython-lib'))).toBe(true);
    expect(existsSync(ran)).toBe(false);
    // Nothing asked, nothing run.
    await expect(updateSubmodules(tree, [], { log })).resolves.toBeUndefined();
  });

  (process.getuid?.() === 0 ? it : it.skip)(
    'as the tree’s owner when this process is root: git trusts the tree, and what it writes is the owner’s',
    async () => {
      const tree = await cloneTree('owned');
      // Its submodule's upstream, beside where its origin says it came from, owned by that user too
      // (git refuses to clone from a local repository someone else owns).
      const theirs = path.join(scratch, 'theirs');
      mkdirSync(theirs);
      await run('cp', ['-a', path.join(scratch, 'micropython-lib.git'), theirs]);
      await git(tree, 'remote', 'set-url', 'origin', path.join(theirs, 'micropython.git'));
      await run('chown', ['-R', '1001:121', tree, theirs]);
      await run('chmod', ['a+rx', scratch]);
      // Root's git refuses a repository someone else owns; its owner's git does not.
      await expect(updateSubmodules(tree, ['lib/micropython-lib'], { log })).rejects.toThrow(
        /dubious ownership/
      );
      await updateSubmodules(tree, ['lib/micropython-lib'], { log, user: { uid: 1001, gid: 121 } });
      const readme = path.join(tree, 'lib', 'micropython-lib', 'README.md');
      expect(statSync(readme)).toMatchObject({ uid: 1001, gid: 121 });
      expect(statSync(path.join(tree, '.git', 'modules', 'lib', 'micropython-lib'))).toMatchObject({
        uid: 1001
      });
    }
  );

  it('refuses file:// submodules of a tree that came from elsewhere', async () => {
    const tree = await cloneTree('remote');
    await git(tree, 'remote', 'set-url', 'origin', 'https://example.invalid/micropython.git');
    // The tree's .gitmodules (a pull request's word) points at a path on this machine.
    await git(
      tree,
      'config',
      '-f',
      '.gitmodules',
      'submodule.lib/micropython-lib.url',
      path.join(scratch, 'micropython-lib.git')
    );
    await expect(updateSubmodules(tree, ['lib/micropython-lib'], { log })).rejects.toThrow(
      /make submodules needs lib\/micropython-lib, and updating them in .* failed: .*transport 'file' not allowed/s
    );
    expect(existsSync(path.join(tree, 'lib', 'micropython-lib', 'README.md'))).toBe(false);
  });

  it('refuses a submodule whose directory the build turned into a link', async () => {
    const tree = await cloneTree('linked');
    await rm(path.join(tree, 'lib'), { recursive: true, force: true });
    symlinkSync(path.join(scratch, 'lib-elsewhere'), path.join(tree, 'lib'));
    mkdirSync(path.join(scratch, 'lib-elsewhere', 'micropython-lib'), { recursive: true });
    await expect(updateSubmodules(tree, ['lib/micropython-lib'], { log })).rejects.toThrow(
      /names lib\/micropython-lib, but in .* that path goes through a symbolic link/
    );
    expect(readdirSync(path.join(scratch, 'lib-elsewhere', 'micropython-lib'))).toEqual([]);
  });

  it('a tree that is no git checkout cannot have its submodules updated: says so', async () => {
    const plain = path.join(scratch, 'plain');
    mkdirSync(plain);
    await expect(updateSubmodules(plain, ['lib/micropython-lib'], { log })).rejects.toThrow(
      /needs lib\/micropython-lib, and updating them in .*plain failed: .*not a git repository/s
    );
  });
});
