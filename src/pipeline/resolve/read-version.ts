/** Reader: the MicroPython version of a tree, from its own files or `git describe`. */
import { TREE_FILES, type TreeSnapshot } from './model.js';

function versionFromHeader(text: string | undefined): string | null {
  if (!text) return null;
  const define = (name: string): string | undefined =>
    new RegExp(`^\\s*#define\\s+MICROPY_VERSION_${name}\\s+\\(?(\\d+)\\)?`, 'm').exec(text)?.[1];
  const major = define('MAJOR');
  const minor = define('MINOR');
  const micro = define('MICRO');
  if (major === undefined || minor === undefined || micro === undefined) return null;
  const pre = define('PRERELEASE');
  return `${major}.${minor}.${micro}${pre !== undefined && pre !== '0' ? '-preview' : ''}`;
}

function versionFromDocsConf(text: string | undefined): string | null {
  if (!text) return null;
  const m = /^\s*(?:version\s*=\s*)?release\s*=\s*['"]v?(\d+\.\d+(?:\.\d+)?)['"]/m.exec(text);
  return m ? threePart(m[1]) : null;
}

function versionFromDescribe(text: string | undefined): string | null {
  if (!text) return null;
  const m = /^v?(\d+\.\d+(?:\.\d+)?)(-preview)?/.exec(text.trim());
  return m ? `${threePart(m[1])}${m[2] ?? ''}` : null;
}

function threePart(version: string): string {
  return version.split('.').length === 2 ? `${version}.0` : version;
}

export function micropythonVersionOf(snapshot: TreeSnapshot): string | null {
  return (
    versionFromHeader(snapshot.files[TREE_FILES.mpconfig]) ??
    versionFromDocsConf(snapshot.files[TREE_FILES.docsConf]) ??
    versionFromDescribe(snapshot.gitDescribe)
  );
}
