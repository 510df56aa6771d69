/**
 * A build's artifacts on a real file system: regular files are copied into a
 * fresh directory of the run, and links, FIFOs, devices and symlinked
 * directories in their place are refused by name, before anything is read or
 * copied.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../src/exec.js';
import { ArtifactError, planArtifacts, type ArtifactsPlan } from '../../src/pipeline/artifacts.js';
import { collectArtifacts, openArtifact } from '../../src/pipeline/collect-artifacts.js';

const BUILD = 'ports/esp32/build-ESP32_GENERIC';

let scratch: string;
let count = 0;

beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'artifacts-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A tree whose build left the usual files; a runner's secret beside it; where copies go. */
function built(): { plan: ArtifactsPlan; dir: string; secret: string; copyTo: string } {
  const root = path.join(scratch, `case-${++count}`);
  const tree = path.join(root, 'micropython');
  const dir = path.join(tree, BUILD);
  mkdirSync(path.join(dir, 'bootloader'), { recursive: true });
  mkdirSync(path.join(dir, 'partition_table'), { recursive: true });
  for (const f of [
    'firmware.bin',
    'micropython.bin',
    'bootloader/bootloader.bin',
    'partition_table/partition-table.bin',
    'flash_args',
    'micropython.elf',
    'micropython.map'
  ]) {
    writeFileSync(path.join(dir, f), `contents of ${f}\n`, { mode: 0o755 });
  }
  const secret = path.join(root, 'runner-home', '.docker', 'config.json');
  mkdirSync(path.dirname(secret), { recursive: true });
  writeFileSync(secret, '{"auths":{"ghcr.io":{"auth":"SECRET-TOKEN"}}}\n');
  const copyTo = path.join(root, 'runner-temp', 'esp32-micropython-build');
  return { plan: planArtifacts(tree, BUILD, 'cmake', copyTo), dir, secret, copyTo };
}

async function refusal(plan: ArtifactsPlan): Promise<ArtifactError> {
  try {
    await collectArtifacts(plan);
  } catch (error) {
    expect(error).toBeInstanceOf(ArtifactError);
    return error as ArtifactError;
  }
  throw new Error('expected an ArtifactError');
}

/** Every file under dir, for "nothing was copied" checks. */
function everything(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

describe('regular files', () => {
  it('are copied into a fresh directory with their layout; the outputs name the copies', async () => {
    const { plan, dir, copyTo } = built();
    const found = await collectArtifacts(plan);
    expect(found.copiedTo).toMatch(new RegExp(`^${copyTo}/artifacts-`));
    expect(found.buildDir).toBe(dir);
    const copied = found.files.map((f) => path.relative(found.copiedTo!, f));
    expect(copied).toEqual([
      'firmware.bin',
      'micropython.bin',
      'bootloader/bootloader.bin',
      'partition_table/partition-table.bin',
      'flash_args',
      'micropython.elf',
      'micropython.map'
    ]);
    for (const [i, file] of found.files.entries()) {
      expect(readFileSync(file, 'utf8')).toBe(readFileSync(path.join(dir, copied[i]), 'utf8'));
      expect(lstatSync(file).isFile()).toBe(true);
      // Copies are plain data, whatever mode the build gave its files.
      expect(lstatSync(file).mode & 0o777).toBe(0o644);
    }
    expect(found.firmware).toBe(path.join(found.copiedTo!, 'firmware.bin'));
    expect(found.firmwareSize).toBe(statSync(path.join(dir, 'firmware.bin')).size);
    expect(statSync(found.copiedTo!).mode & 0o777).toBe(0o755);

    const again = await collectArtifacts(plan);
    expect(again.copiedTo).not.toBe(found.copiedTo);
  });

  it('are named where they are when nothing is to be copied (the CLI)', async () => {
    const { plan, dir } = built();
    const found = await collectArtifacts({ ...plan, copyTo: undefined });
    expect(found.copiedTo).toBeUndefined();
    expect(found.firmware).toBe(path.join(dir, 'firmware.bin'));
    expect(found.files).toContain(path.join(dir, 'bootloader/bootloader.bin'));
  });
});

describe('anything else is refused, naming the path, and nothing is copied', () => {
  it('firmware.bin a link to a file of the runner', async () => {
    const { plan, dir, secret, copyTo } = built();
    rmSync(path.join(dir, 'firmware.bin'));
    symlinkSync(secret, path.join(dir, 'firmware.bin'));
    const error = await refusal(plan);
    expect(error.problems).toEqual([
      { path: path.join(dir, 'firmware.bin'), what: `a symbolic link to "${secret}"` }
    ]);
    expect(error.message).toContain(`${path.join(dir, 'firmware.bin')} is a symbolic link to "${secret}"`);
    expect(everything(copyTo)).toEqual([]);
  });

  it('in place too (the CLI)', async () => {
    const { plan, dir, secret } = built();
    rmSync(path.join(dir, 'micropython.elf'));
    symlinkSync(secret, path.join(dir, 'micropython.elf'));
    const error = await refusal({ ...plan, copyTo: undefined });
    expect(error.problems.map((p) => p.path)).toEqual([path.join(dir, 'micropython.elf')]);
  });

  it('a link to /proc/self/environ, a FIFO and a character device, all named at once', async () => {
    const { plan, dir, copyTo } = built();
    rmSync(path.join(dir, 'micropython.bin'));
    symlinkSync('/proc/self/environ', path.join(dir, 'micropython.bin'));
    rmSync(path.join(dir, 'flash_args'));
    await run('mkfifo', [path.join(dir, 'flash_args')]);
    rmSync(path.join(dir, 'micropython.map'));
    await run('mknod', [path.join(dir, 'micropython.map'), 'c', '1', '3']);
    const error = await refusal(plan);
    expect(error.problems).toEqual([
      { path: path.join(dir, 'micropython.bin'), what: 'a symbolic link to "/proc/self/environ"' },
      { path: path.join(dir, 'flash_args'), what: 'a FIFO' },
      { path: path.join(dir, 'micropython.map'), what: 'a character device' }
    ]);
    expect(everything(copyTo)).toEqual([]);
  });

  it('a directory on the way that is a link (out of the build directory, or the build directory itself)', async () => {
    const { plan, dir, secret } = built();
    rmSync(path.join(dir, 'bootloader'), { recursive: true });
    writeFileSync(path.join(path.dirname(secret), 'bootloader.bin'), 'not the bootloader');
    symlinkSync(path.dirname(secret), path.join(dir, 'bootloader'));
    const error = await refusal(plan);
    expect(error.problems).toEqual([
      {
        path: path.join(dir, 'bootloader'),
        what: `a symbolic link to "${path.dirname(secret)}", not a directory`
      }
    ]);

    const other = built();
    renameSync(other.dir, `${other.dir}.real`);
    symlinkSync(`${other.dir}.real`, other.dir);
    const whole = await refusal(other.plan);
    // One problem, not one per artifact.
    expect(whole.problems.map((p) => p.path)).toEqual([other.dir]);
  });

  it('a directory on the way that is something else', async () => {
    const { plan, dir } = built();
    rmSync(path.join(dir, 'partition_table'), { recursive: true });
    await run('mkfifo', [path.join(dir, 'partition_table')]);
    const error = await refusal(plan);
    expect(error.problems).toEqual([
      { path: path.join(dir, 'partition_table'), what: 'a FIFO, not a directory' }
    ]);
  });
});

describe('opening an artifact', () => {
  it('never follows a link, even one that was not there when it was looked at', async () => {
    const { dir, secret } = built();
    symlinkSync(secret, path.join(dir, 'link.bin'));
    await expect(openArtifact(path.join(dir, 'link.bin'), dir)).rejects.toThrow(
      /link\.bin is a symbolic link/
    );
  });

  it('never blocks on a FIFO', async () => {
    const { dir } = built();
    await run('mkfifo', [path.join(dir, 'fifo.bin')]);
    await expect(openArtifact(path.join(dir, 'fifo.bin'), dir)).rejects.toThrow(/fifo\.bin is a FIFO/);
  });

  it('refuses a file swapped in after it was looked at', async () => {
    const { dir, secret } = built();
    const file = path.join(dir, 'firmware.bin');
    const seen = lstatSync(file);
    // The swap a racing build would make: another file renamed over the one looked at.
    writeFileSync(`${file}.other`, readFileSync(secret));
    renameSync(`${file}.other`, file);
    await expect(openArtifact(file, dir, seen)).rejects.toThrow(/firmware\.bin is a file that changed/);
  });
});
