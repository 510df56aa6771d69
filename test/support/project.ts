import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project root (the directory with action.yml), found from this file
 * whether it runs from the sources (jest) or from a compiled copy (the bench).
 */
export const PROJECT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'action.yml')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();

/**
 * A scratch copy of the action in `dir`: the committed dist/ (or, given
 * E2E_DIST_DIR, its main/ and post/ over it: bundles built from a working
 * tree), docker/ and action.yml. The bundles find docker/ beside them, so a
 * test can write the copy's docker/published.json as a release would.
 */
export function copyAction(dir: string): string {
  cpSync(path.join(PROJECT, 'dist'), path.join(dir, 'dist'), { recursive: true });
  const given = process.env.E2E_DIST_DIR;
  if (given) {
    for (const phase of ['main', 'post'])
      cpSync(path.join(given, phase), path.join(dir, 'dist', phase), { recursive: true, force: true });
  }
  cpSync(path.join(PROJECT, 'docker'), path.join(dir, 'docker'), { recursive: true });
  cpSync(path.join(PROJECT, 'action.yml'), path.join(dir, 'action.yml'));
  return dir;
}
