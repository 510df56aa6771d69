import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** A cheap identity of a directory's contents: file count, total size, newest change. */
export async function fingerprint(dir: string): Promise<{ id: string; files: number }> {
  let files = 0;
  let bytes = 0;
  let newest = 0;
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        const s = await stat(p);
        files += 1;
        bytes += s.size;
        newest = Math.max(newest, s.mtimeMs);
      }
    }
  };
  await walk(dir);
  return { id: `${files}:${bytes}:${Math.round(newest)}`, files };
}

/** Whether a directory holds any file at all; stops at the first one found. */
export async function hasAnyFile(dir: string): Promise<boolean> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const e of entries) {
    if (e.isFile()) return true;
    if (e.isDirectory() && (await hasAnyFile(path.join(dir, e.name)))) return true;
  }
  return false;
}
