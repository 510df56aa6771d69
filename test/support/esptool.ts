/**
 * Espressif's esptool.py as an independent client of the fake ESP32 loader.
 *
 * It comes from Debian's `esptool` package, which Debian bookworm does not
 * have: .ci/run fetches trixie's (architecture "all", pure Python) with apt
 * and unpacks it under ESPTOOL_DEBIAN_DIR; its dependencies are bookworm's
 * python3-* packages. An esptool importable by the system python3 (another
 * install) is used when that directory is absent.
 *
 * Debian's package ships no flasher stub for the Xtensa chips (its
 * README.Debian: no Xtensa compiler in Debian), so each run points esptool
 * at a stub JSON the test writes: the fake only checks and records the
 * upload, it runs nothing, so the stub's bytes are the test's own.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const ESPTOOL_DEBIAN_DIR = '/opt/esptool-debian/usr/lib/python3/dist-packages';
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export interface Esptool {
  version: string;
  /** PYTHONPATH to import it with (empty: the system's). */
  pythonPath: string;
}

export interface EsptoolRun {
  code: number | null;
  output: string;
}

function pythonEnv(pythonPath: string): NodeJS.ProcessEnv {
  return { ...process.env, PYTHONPATH: pythonPath, PYTHONUNBUFFERED: '1' };
}

/** The esptool to test with, or an error that says how to install it. */
export function findEsptool(): Esptool {
  for (const pythonPath of [ESPTOOL_DEBIAN_DIR, '']) {
    if (pythonPath && !existsSync(path.join(pythonPath, 'esptool'))) continue;
    try {
      const version = execFileSync(PYTHON, ['-c', 'import esptool; print(esptool.__version__)'], {
        env: pythonEnv(pythonPath),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe']
      }).trim();
      return { version, pythonPath };
    } catch {
      // Not importable there (or a dependency is missing): try the next.
    }
  }
  throw new Error(
    `esptool (Espressif's esptool.py) is not installed: the fake ESP32 loader's tests use it as their client. ` +
      `Install it as .ci/run does (Debian's esptool package unpacked under ${ESPTOOL_DEBIAN_DIR}, with ` +
      `apt-get install python3-serial python3-bitstring python3-cryptography python3-ecdsa python3-intelhex python3-yaml), ` +
      `or make "import esptool" work for ${PYTHON}.`
  );
}

/** Where the fake stub's code and data go: ESP32 IRAM and DRAM, clear of what clients load. */
export const FAKE_STUB = { textStart: 0x400be000, dataStart: 0x3ffeb800, bssStart: 0x3ffeb000 };

/** Writes stub_flasher_32.json (ESP32) with the given bytes into `dir`; returns `dir`. */
export function writeFakeStub(dir: string, text: Buffer, data: Buffer): string {
  mkdirSync(dir, { recursive: true });
  const stub = {
    entry: FAKE_STUB.textStart + 4,
    text: text.toString('base64'),
    text_start: FAKE_STUB.textStart,
    data: data.toString('base64'),
    data_start: FAKE_STUB.dataStart,
    bss_start: FAKE_STUB.bssStart
  };
  writeFileSync(path.join(dir, 'stub_flasher_32.json'), JSON.stringify(stub));
  return dir;
}

// esptool's own entry point, with its stub directory pointed at the test's.
const RUN = `
import sys, esptool, esptool.loader
esptool.loader.STUBS_DIR = sys.argv.pop(1)
sys.argv[0] = 'esptool.py'
esptool._main()
`;

/** Runs esptool with `args` (asynchronously: the fake answers from this same process). */
export function runEsptool(
  tool: Esptool,
  stubDir: string,
  args: string[],
  timeoutMs = 120_000
): Promise<EsptoolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-c', RUN, stubDir, ...args], {
      env: pythonEnv(tool.pythonPath),
      stdio: ['ignore', 'pipe', 'pipe']
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`esptool ${args.join(' ')} did not finish in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
