/**
 * The committed dist/ is what GitHub runs: it must be exactly what the
 * sources build to. Builds a fresh copy with the project's own build script in
 * a scratch directory and compares every file.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../src/exec.js';
import { PROJECT } from '../support/runner.js';

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]
  );
}

describe('dist/', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'dist-check-'));
    for (const entry of ['src', 'package.json', 'tsconfig.json']) {
      cpSync(path.join(PROJECT, entry), path.join(scratch, entry), { recursive: true });
    }
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('matches a fresh build of the sources', async () => {
    // A real node_modules beside the sources (hard links, so it is quick): through a symlink the
    // bundler would see other module paths and number the modules differently.
    await run('cp', ['-al', path.join(PROJECT, 'node_modules'), path.join(scratch, 'node_modules')]).catch(
      () => run('cp', ['-a', path.join(PROJECT, 'node_modules'), path.join(scratch, 'node_modules')])
    );
    await run('npm', ['run', 'build'], { cwd: scratch, timeoutMs: 240_000 });
    const fresh = path.join(scratch, 'dist');
    const committed = path.join(PROJECT, 'dist');
    expect(listFiles(committed).sort()).toEqual(listFiles(fresh).sort());
    const differing = listFiles(fresh).filter(
      (f) => !readFileSync(path.join(fresh, f)).equals(readFileSync(path.join(committed, f)))
    );
    expect(differing).toEqual([]);
  }, 300_000);
});

describe('dist/cli', () => {
  it('loads esptool-js and serialport only when flashing from the host runs, never at start', () => {
    // A static import of an optional package would make every command fail where it is not installed.
    const bundle = readFileSync(path.join(PROJECT, 'dist', 'cli', 'index.js'), 'utf8');
    for (const name of ['esptool-js', 'serialport']) {
      expect(bundle).not.toMatch(new RegExp(`^import .* from ["']${name}["'];?$`, 'm'));
      expect(bundle).toContain(`import(/* webpackIgnore: true */ '${name}')`);
    }
    // Nor are they in the bundles of the action.
    for (const step of ['main', 'post']) {
      const action = readFileSync(path.join(PROJECT, 'dist', step, 'index.js'), 'utf8');
      expect(action).not.toContain('esptool-js');
    }
  });
});
