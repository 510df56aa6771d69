import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { COMPILER_DIAGNOSTIC, DIAGNOSTIC_GROUPS } from '../diagnostics.js';

export const MATCHER_OWNER = 'esp32-micropython-build-gcc';

/**
 * A problem matcher for gcc diagnostics, so a compile error becomes an
 * annotation on its source line. The tree is mounted at its own path in the
 * container, so the file names gcc prints are the runner's.
 */
export function matcherDocument(): object {
  return {
    problemMatcher: [
      {
        owner: MATCHER_OWNER,
        pattern: [{ regexp: COMPILER_DIAGNOSTIC.source, ...DIAGNOSTIC_GROUPS }]
      }
    ]
  };
}

export async function writeMatcher(dir: string): Promise<string> {
  const file = path.join(dir, `${MATCHER_OWNER}.json`);
  await writeFile(file, JSON.stringify(matcherDocument(), null, 2));
  return file;
}
