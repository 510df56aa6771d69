import { existsSync } from 'node:fs';
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
