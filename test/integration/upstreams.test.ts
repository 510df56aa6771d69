/**
 * The fixture upstreams behave like the real ones where the action relies on
 * them: git transport and submodules, install.sh / export.sh / idf.py /
 * esptool.py, and the HTTP downloads. Needs git, python3, gcc, tar, xz.
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, type RunResult } from '../../src/exec.js';
import { createUpstreams, type FixtureUpstreams } from '../support/upstreams.js';

let upstreams: FixtureUpstreams;
let createMs: number;
let work: string;
/** A v5.2.2 checkout with submodules, and its tools dir after `install.sh esp32`. */
let idf52: string;
let toolsPath: string;
let project: string;

/** The environment every child gets: no ESP-IDF variables leaking in from the host. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(IDF_|ESP|https?_proxy|HTTPS?_PROXY)/.test(key)) env[key] = value;
  }
  return { ...env, HOME: path.join(work, 'home'), GIT_TERMINAL_PROMPT: '0', ...extra };
}

/** File transport for submodules is off by default since git 2.38. */
function git(args: string[], cwd?: string, allowFailure = false): Promise<RunResult> {
  return run('git', ['-c', 'protocol.file.allow=always', '-c', 'advice.detachedHead=false', ...args], {
    cwd,
    env: cleanEnv(),
    allowFailure
  });
}

/** Runs a fixed bash script; values reach it only as positional parameters. */
function bash(script: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<RunResult> {
  return run('bash', ['-c', script, 'bash', ...args], { env: cleanEnv(env), cwd, allowFailure: true });
}

/** Sources export.sh ($1 = IDF_PATH), then runs idf.py with the remaining arguments. */
const IDF_PY = '. "$1/export.sh" >/dev/null || exit 1; shift; idf.py "$@"';

async function cloneWithSubmodules(ref: string, dest: string): Promise<void> {
  await git(['clone', '--quiet', '--depth', '1', '--branch', ref, `file://${upstreams.idfRepoUrl}`, dest]);
  await git(['submodule', 'update', '--init', '--recursive', '--depth', '1'], dest);
}

async function readVersion(idfPath: string): Promise<string> {
  const header = await fs.readFile(
    path.join(idfPath, 'components/esp_common/include/esp_idf_version.h'),
    'utf8'
  );
  return ['MAJOR', 'MINOR', 'PATCH']
    .map((part) => new RegExp(`ESP_IDF_VERSION_${part} (\\d+)`).exec(header)![1])
    .join('.');
}

async function esptoolVersion(idfPath: string): Promise<string> {
  const { stdout } = await run('python3', [
    path.join(idfPath, 'components/esptool_py/esptool/esptool.py'),
    'version'
  ]);
  return stdout.trim().split('\n').at(-1)!;
}

async function installLog(): Promise<string[]> {
  return (await fs.readFile(path.join(toolsPath, 'fixture-install.log'), 'utf8')).trim().split('\n');
}

beforeAll(async () => {
  const started = Date.now();
  upstreams = await createUpstreams();
  createMs = Date.now() - started;
  work = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'upstreams-test-')));
  await fs.mkdir(path.join(work, 'home'));
  idf52 = path.join(work, 'idf52');
  toolsPath = path.join(work, 'espressif');
  await cloneWithSubmodules('v5.2.2', idf52);

  project = path.join(work, 'project');
  await fs.mkdir(path.join(project, 'boards', 'TEST_BOARD'), { recursive: true });
  await fs.mkdir(path.join(project, 'boards', 'TEST_C3'), { recursive: true });
  await fs.writeFile(
    path.join(project, 'main.c'),
    [
      '#include <stdio.h>',
      '#include "sdkconfig.h"',
      '#include "esp_idf_version.h"',
      '#include "mpconfigboard.h"',
      'void app_main(void) {',
      '    int unused_on_purpose;',
      '    printf("%s on %s, IDF %d\\n", BOARD_NAME, CONFIG_IDF_TARGET, ESP_IDF_VERSION_MAJOR);',
      '}',
      ''
    ].join('\n')
  );
  await fs.writeFile(path.join(project, 'boards/TEST_BOARD/mpconfigboard.cmake'), 'set(IDF_TARGET esp32)\n');
  await fs.writeFile(
    path.join(project, 'boards/TEST_BOARD/mpconfigvariant_S3.cmake'),
    'set(IDF_TARGET esp32s3)\n'
  );
  await fs.writeFile(
    path.join(project, 'boards/TEST_BOARD/mpconfigboard.h'),
    '#define BOARD_NAME "test board"\n'
  );
  await fs.writeFile(path.join(project, 'boards/TEST_C3/mpconfigboard.cmake'), 'set(IDF_TARGET esp32c3)\n');
  await fs.writeFile(path.join(project, 'boards/TEST_C3/mpconfigboard.h'), '#define BOARD_NAME "c3 board"\n');
});

afterAll(async () => {
  await upstreams?.close();
  if (work) await fs.rm(work, { recursive: true, force: true });
});

describe('the ESP-IDF git upstream', () => {
  test('is built quickly, with annotated tags and the branches', async () => {
    expect(createMs).toBeLessThan(5000);
    expect(upstreams.idfRepoUrl).toBe(path.join(upstreams.root, 'git/espressif/esp-idf.git'));
    const { stdout } = await git(['ls-remote', upstreams.idfRepoUrl]);
    const refs = new Map(
      stdout
        .trim()
        .split('\n')
        .map((line) => line.split('\t').reverse() as [string, string])
    );
    for (const [tag, sha] of Object.entries(upstreams.idfTags)) {
      expect(refs.get(`refs/tags/${tag}^{}`)).toBe(sha);
      expect(refs.get(`refs/tags/${tag}`)).not.toBe(sha);
    }
    expect(Object.keys(upstreams.idfTags).sort()).toEqual(['v3.3.2', 'v4.4.6', 'v5.0.4', 'v5.2.2', 'v5.4.2']);
    expect(refs.get('refs/heads/master')).toBe(upstreams.idfBranches.master);
    expect(refs.get('refs/heads/release/v5.2')).toBe(upstreams.idfBranches['release/v5.2']);
    const parent = await git(['--git-dir', upstreams.idfRepoUrl, 'rev-parse', 'release/v5.2^']);
    expect(parent.stdout.trim()).toBe(upstreams.idfTags['v5.2.2']);
  });

  test('a shallow clone at a tag gets the nested submodule with relative URLs', async () => {
    expect(await readVersion(idf52)).toBe('5.2.2');
    const gitmodules = await fs.readFile(path.join(idf52, '.gitmodules'), 'utf8');
    expect(gitmodules).toContain('url = ../../espressif/esptool.git');
    const stub = await fs.readFile(
      path.join(idf52, 'components/esptool_py/esptool/flasher_stub/stub.h'),
      'utf8'
    );
    expect(stub).toContain('ESPTOOL_FLASHER_STUB_REVISION 3');
    expect(await esptoolVersion(idf52)).toBe('4.7.0');
    const shallow = await git(['rev-parse', '--is-shallow-repository'], idf52);
    expect(shallow.stdout.trim()).toBe('true');
  });

  test('a shallow fetch of a commit works, and so does a partial clone like MicroPython CI', async () => {
    const byCommit = path.join(work, 'by-commit');
    await git(['init', '--quiet', byCommit]);
    // Relative submodule URLs resolve against remote.origin.url, so fetch through a named remote.
    await git(['remote', 'add', 'origin', `file://${upstreams.idfRepoUrl}`], byCommit);
    await git(['fetch', '--quiet', '--depth', '1', 'origin', upstreams.idfTags['v5.0.4']], byCommit);
    await git(['checkout', '--quiet', 'FETCH_HEAD'], byCommit);
    expect(await readVersion(byCommit)).toBe('5.0.4');
    await git(['submodule', 'update', '--init', '--recursive', '--filter=tree:0'], byCommit);
    expect(await esptoolVersion(byCommit)).toBe('4.5.1');
  });

  test('switching tags without `git submodule update` leaves the old submodule commit', async () => {
    const clone = path.join(work, 'switching');
    await git([
      'clone',
      '--quiet',
      '--recurse-submodules',
      '--branch',
      'v5.2.2',
      upstreams.idfRepoUrl,
      clone
    ]);
    await git(['checkout', '--quiet', 'v4.4.6'], clone);
    expect(await readVersion(clone)).toBe('4.4.6');
    const stale = await git(['submodule', 'status'], clone);
    expect(stale.stdout).toMatch(/^\+[0-9a-f]{40} components\/esptool_py\/esptool/);
    expect(await esptoolVersion(clone)).toBe('4.7.0');

    await git(['submodule', 'update', '--init', '--recursive'], clone);
    const fresh = await git(['submodule', 'status', '--recursive'], clone);
    expect(fresh.stdout).not.toMatch(/^[+-]/m);
    expect(await esptoolVersion(clone)).toBe('3.3.2');

    await git(['checkout', '--quiet', 'v3.3.2'], clone);
    await git(['submodule', 'update', '--init', '--recursive'], clone);
    expect(existsSync(path.join(clone, 'install.sh'))).toBe(false);
    expect(existsSync(path.join(clone, 'export.sh'))).toBe(false);
    expect(existsSync(path.join(clone, 'components/esptool_py/esptool/esptool.py'))).toBe(true);
    expect(await esptoolVersion(clone)).toBe('2.6');
  });

  test('advanceMaster adds a commit on master', async () => {
    const before = upstreams.idfBranches.master;
    const sha = await upstreams.advanceMaster();
    expect(sha).not.toBe(before);
    expect(upstreams.idfBranches.master).toBe(sha);
    const { stdout } = await git(['--git-dir', upstreams.idfRepoUrl, 'rev-parse', 'master', 'master^']);
    expect(stdout.trim().split('\n')).toEqual([sha, before]);
    expect(await upstreams.advanceMaster()).not.toBe(sha);
  });
});

describe('install.sh and export.sh', () => {
  test('install.sh esp32 downloads only the esp32 toolchain, from IDF_GITHUB_ASSETS', async () => {
    const env = { IDF_TOOLS_PATH: toolsPath, IDF_GITHUB_ASSETS: upstreams.assetsMirror };
    const first = await run(path.join(idf52, 'install.sh'), ['esp32'], { env: cleanEnv(env), cwd: idf52 });
    expect(first.stdout).toContain(`Downloading http://${upstreams.assetsMirror}/espressif/crosstool-NG/`);
    expect(await fs.readdir(path.join(toolsPath, 'tools'))).toEqual(['xtensa-esp-elf']);
    const envs = await fs.readdir(path.join(toolsPath, 'python_env'));
    expect(envs).toEqual([expect.stringMatching(/^idf5\.2_py3\.\d+_env$/)]);
    expect(
      existsSync(path.join(toolsPath, 'dist/xtensa-esp-elf-13.2.0_20230928-x86_64-linux-gnu.tar.xz'))
    ).toBe(true);
    expect(upstreams.http.requests).toContain(
      '/espressif/crosstool-NG/releases/download/esp-13.2.0_20230928/xtensa-esp-elf-13.2.0_20230928-x86_64-linux-gnu.tar.xz'
    );
    expect(upstreams.http.requests.some((r) => r.includes('riscv32'))).toBe(false);

    const requests = upstreams.http.requests.length;
    await run(path.join(idf52, 'install.sh'), ['esp32'], { env: cleanEnv(env) });
    expect(upstreams.http.requests.length).toBe(requests);
    expect(await installLog()).toEqual([
      `status=ok idf=5.2.2 targets=esp32 assets=${upstreams.assetsMirror} downloaded=xtensa-esp-elf from_dist=- already_installed=-`,
      `status=ok idf=5.2.2 targets=esp32 assets=${upstreams.assetsMirror} downloaded=- from_dist=- already_installed=xtensa-esp-elf`
    ]);
  });

  test('install.sh rejects an unknown target and lists the valid ones', async () => {
    const result = await run(path.join(idf52, 'install.sh'), ['esp32,esp99'], {
      env: cleanEnv({ IDF_TOOLS_PATH: path.join(work, 'unknown-target') }),
      allowFailure: true
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('"esp99" are not supported');
    expect(result.stderr).toMatch(/all, esp32, .*esp32s3/);
  });

  test('install.sh without a mirror goes to github.com (unreachable here) and names the URL', async () => {
    const result = await run(path.join(idf52, 'install.sh'), ['esp32'], {
      // A refused proxy makes the failure immediate whatever the network.
      env: cleanEnv({ IDF_TOOLS_PATH: path.join(work, 'no-mirror'), https_proxy: 'http://127.0.0.1:9' }),
      allowFailure: true
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'https://github.com/espressif/crosstool-NG/releases/download/esp-13.2.0_20230928/xtensa-esp-elf-13.2.0_20230928-x86_64-linux-gnu.tar.xz'
    );
  });

  test('install.sh fails when the mirror is down', async () => {
    upstreams.http.setDown(true);
    try {
      const result = await run(path.join(idf52, 'install.sh'), ['esp32c3'], {
        env: cleanEnv({
          IDF_TOOLS_PATH: path.join(work, 'mirror-down'),
          IDF_GITHUB_ASSETS: upstreams.assetsMirror
        }),
        allowFailure: true
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('503');
    } finally {
      upstreams.http.setDown(false);
    }
  });

  test('export.sh, sourced, puts the toolchain and idf.py on PATH', async () => {
    const result = await bash(
      '. "$1/export.sh" && command -v xtensa-esp32-elf-gcc idf.py && echo "IDF_PATH=$IDF_PATH" && echo "VENV=$IDF_PYTHON_ENV_PATH" && xtensa-esp32-elf-gcc --version',
      [idf52],
      { IDF_TOOLS_PATH: toolsPath }
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      path.join(toolsPath, 'tools/xtensa-esp-elf/esp-13.2.0_20230928/xtensa-esp-elf/bin/xtensa-esp32-elf-gcc')
    );
    expect(result.stdout).toContain(path.join(idf52, 'tools/idf.py'));
    expect(result.stdout).toContain(`IDF_PATH=${idf52}\n`);
    expect(result.stdout).toMatch(/VENV=.*python_env\/idf5\.2_py3\.\d+_env/);
    expect(result.stdout).toContain('xtensa-esp32-elf-gcc (crosstool-NG esp-13.2.0_20230928) 13.2.0');
  });

  test('export.sh refuses to be executed, and returns 1 when install.sh has not run', async () => {
    const executed = await run(path.join(idf52, 'export.sh'), [], { env: cleanEnv(), allowFailure: true });
    expect(executed.code).toBe(1);
    expect(executed.stderr).toContain('should be sourced');

    const missing = await bash('. "$1/export.sh"; echo "status=$?"', [idf52], {
      IDF_TOOLS_PATH: path.join(work, 'never-installed')
    });
    expect(missing.stdout).toContain('status=1');
    expect(missing.stderr).toMatch(
      /ERROR: ESP-IDF Python virtual environment ".*" not found\. Please run install\.sh/
    );
  });
});

describe('idf.py and esptool.py', () => {
  const buildDir = () => path.join(project, 'build-TEST_BOARD');

  test('idf.py build compiles the project and writes the images', async () => {
    const result = await bash(
      IDF_PY,
      [idf52, '-D', 'MICROPY_BOARD=TEST_BOARD', '-B', 'build-TEST_BOARD', 'build'],
      {
        IDF_TOOLS_PATH: toolsPath
      },
      project
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /main\.c:\d+:\d+: warning: unused variable .unused_on_purpose. \[-Wunused-variable\]/
    );
    const b = buildDir();
    for (const output of [
      'micropython.elf',
      'micropython.map',
      'micropython.bin',
      'bootloader/bootloader.bin',
      'partition_table/partition-table.bin',
      'firmware.bin',
      'flash_args'
    ]) {
      expect(existsSync(path.join(b, output))).toBe(true);
    }
    const firmware = await fs.readFile(path.join(b, 'firmware.bin'));
    const app = await fs.readFile(path.join(b, 'micropython.bin'));
    expect(firmware[0]).toBe(0xe9);
    expect(firmware.subarray(0x8000 - 0x1000, 0x8000 - 0x1000 + 2)).toEqual(Buffer.from([0xaa, 0x50]));
    expect(firmware.subarray(0x10000 - 0x1000)).toEqual(app);
    expect(await fs.readFile(path.join(b, 'flash_args'), 'utf8')).toContain(
      '0x1000 bootloader/bootloader.bin'
    );
    const ran = await run(path.join(b, 'micropython.elf'), []);
    expect(ran.stdout).toBe('test board on esp32, IDF 5\n');
  });

  test('idf.py picks the chip from the board variant and refuses a build dir made for another chip', async () => {
    const result = await bash(
      IDF_PY,
      [
        idf52,
        '-D',
        'MICROPY_BOARD=TEST_BOARD',
        '-D',
        'MICROPY_BOARD_VARIANT=S3',
        '-B',
        'build-TEST_BOARD',
        'build'
      ],
      { IDF_TOOLS_PATH: toolsPath },
      project
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("'esp32s3' requested");
    expect(result.stderr).toContain('fullclean');
  });

  test('idf.py fails like the real one when the chip has no installed toolchain', async () => {
    const result = await bash(
      IDF_PY,
      [idf52, '-D', 'MICROPY_BOARD=TEST_C3', '-B', 'build-c3', 'build'],
      {
        IDF_TOOLS_PATH: toolsPath
      },
      project
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('riscv32-esp-elf-gcc not found');
    expect(result.stderr).toContain('install.sh esp32c3');
  });

  test('idf.py lists MicroPython submodules (ECHO_SUBMODULES) and updates them (UPDATE_SUBMODULES)', async () => {
    const top = path.join(work, 'mp');
    const port = path.join(top, 'ports/esp32');
    await fs.mkdir(path.join(port, 'boards/B'), { recursive: true });
    await fs.writeFile(path.join(port, 'CMakeLists.txt'), 'list(APPEND GIT_SUBMODULES lib/stub)\n');
    await fs.writeFile(path.join(port, 'boards/B/mpconfigboard.cmake'), 'set(IDF_TARGET esp32)\n');
    await git(['init', '--quiet', top]);
    await git(
      [
        'submodule',
        'add',
        '--quiet',
        path.join(upstreams.root, 'git/espressif/esptool-stub.git'),
        'lib/stub'
      ],
      top
    );
    await git(
      ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', 'commit', '--quiet', '-m', 'Init'],
      top
    );
    await git(['submodule', 'deinit', '--quiet', '--force', 'lib/stub'], top);
    expect(existsSync(path.join(top, 'lib/stub/stub.h'))).toBe(false);

    const args = [idf52, '-D', 'MICROPY_BOARD=B', '-B', 'build-submodules'];
    const echo = await bash(
      IDF_PY,
      [...args, '-D', 'ECHO_SUBMODULES=1', 'build'],
      { IDF_TOOLS_PATH: toolsPath },
      port
    );
    expect(echo.code).toBe(0);
    expect(echo.stdout).toContain('GIT_SUBMODULES=lib/stub\n');
    expect(existsSync(path.join(port, 'build-submodules/micropython.elf'))).toBe(false);

    const update = await bash(
      IDF_PY,
      [...args, '-D', 'UPDATE_SUBMODULES=1', 'reconfigure'],
      // What `git -c protocol.file.allow=always` would pass on, for the git that idf.py runs.
      {
        IDF_TOOLS_PATH: toolsPath,
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: 'protocol.file.allow',
        GIT_CONFIG_VALUE_0: 'always'
      },
      port
    );
    expect(update.code).toBe(0);
    expect(existsSync(path.join(top, 'lib/stub/stub.h'))).toBe(true);
  });

  test('idf.py compiles through ccache when IDF_CCACHE_ENABLE=1', async () => {
    const bin = path.join(work, 'ccache-bin');
    const log = path.join(work, 'ccache.log');
    await fs.mkdir(bin, { recursive: true });
    await fs.writeFile(path.join(bin, 'ccache'), `#!/bin/sh\necho "$*" >> '${log}'\nexec "$@"\n`, {
      mode: 0o755
    });
    const result = await bash(
      IDF_PY,
      [idf52, '-D', 'MICROPY_BOARD=TEST_BOARD', '-B', 'build-ccache', 'build'],
      { IDF_TOOLS_PATH: toolsPath, IDF_CCACHE_ENABLE: '1', PATH: `${bin}:${process.env.PATH}` },
      project
    );
    expect(result.code).toBe(0);
    expect(await fs.readFile(log, 'utf8')).toMatch(/^\S*xtensa-esp32-elf-gcc .*main\.c/m);
  });

  test('a checkout without submodules does not compile', async () => {
    const bare = path.join(work, 'no-submodules');
    await git([
      'clone',
      '--quiet',
      '--depth',
      '1',
      '--branch',
      'v5.2.2',
      `file://${upstreams.idfRepoUrl}`,
      bare
    ]);
    const result = await bash(
      IDF_PY,
      [bare, '-D', 'MICROPY_BOARD=TEST_BOARD', '-B', 'build-nosub', 'build'],
      {
        IDF_TOOLS_PATH: toolsPath
      },
      project
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/stub\.h: No such file or directory/);
  });

  test('a checkout whose submodules were not updated after switching tags does not compile', async () => {
    const stale = path.join(work, 'stale-submodules');
    await git([
      'clone',
      '--quiet',
      '--recurse-submodules',
      '--branch',
      'v5.4.2',
      upstreams.idfRepoUrl,
      stale
    ]);
    await git(['checkout', '--quiet', 'v5.2.2'], stale);
    const args = [stale, '-D', 'MICROPY_BOARD=TEST_BOARD', '-B', 'build-stale', 'build'];
    const broken = await bash(IDF_PY, args, { IDF_TOOLS_PATH: toolsPath }, project);
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toContain('flasher stub revision mismatch');

    await git(['submodule', 'update', '--init', '--recursive'], stale);
    const fixed = await bash(IDF_PY, args, { IDF_TOOLS_PATH: toolsPath }, project);
    expect(fixed.code).toBe(0);
  });

  test('idf.py flash writes the firmware frame to the port; erase_flash its own frame', async () => {
    const port = path.join(work, 'ttyFAKE');
    await fs.writeFile(port, '');
    const flash = await bash(
      IDF_PY,
      [
        idf52,
        '-D',
        'MICROPY_BOARD=TEST_BOARD',
        '-B',
        'build-TEST_BOARD',
        '-p',
        port,
        '-b',
        '921600',
        'flash'
      ],
      { IDF_TOOLS_PATH: toolsPath },
      project
    );
    expect(flash.code).toBe(0);
    const firmware = await fs.readFile(path.join(buildDir(), 'firmware.bin'));
    const header = Buffer.from(`ESPTOOL-FIXTURE write_flash 0x1000 ${firmware.length}\n`);
    const written = await fs.readFile(port);
    expect(written.subarray(0, header.length).toString()).toBe(header.toString());
    expect(written.subarray(header.length)).toEqual(firmware);

    const erase = await bash(
      IDF_PY,
      [idf52, '-D', 'MICROPY_BOARD=TEST_BOARD', '-p', port, 'erase_flash'],
      {
        IDF_TOOLS_PATH: toolsPath
      },
      project
    );
    expect(erase.code).toBe(0);
    expect((await fs.readFile(port)).subarray(written.length).toString()).toBe(
      'ESPTOOL-FIXTURE erase_flash\n'
    );

    const noPort = await bash(
      IDF_PY,
      [idf52, '-D', 'MICROPY_BOARD=TEST_BOARD', '-B', 'build-TEST_BOARD', 'flash'],
      {
        IDF_TOOLS_PATH: toolsPath
      },
      project
    );
    expect(noPort.code).not.toBe(0);
    expect(noPort.stderr).toContain("use '-p PORT'");
  });

  test('esptool.py writes raw bytes to a pseudo-terminal', async () => {
    const esptool = path.join(idf52, 'components/esptool_py/esptool/esptool.py');
    const image = path.join(buildDir(), 'firmware.bin');
    const captured = path.join(work, 'pty-capture.bin');
    // Plays the board: opens a pty pair, runs esptool on the slave, records what reaches the master.
    const board = [
      'import os, pty, select, subprocess, sys',
      'esptool, image, out = sys.argv[1:4]',
      'master, slave = pty.openpty()',
      "child = subprocess.Popen([sys.executable, esptool, '-p', os.ttyname(slave), 'write_flash', '0x1000', image],",
      '                         stdout=subprocess.DEVNULL)',
      'data = bytearray()',
      'while True:',
      '    ready = select.select([master], [], [], 0.2)[0]',
      '    if ready:',
      '        data += os.read(master, 65536)',
      '    elif child.poll() is not None:',
      '        break',
      "open(out, 'wb').write(data)",
      'sys.exit(child.returncode)'
    ].join('\n');
    await run('python3', ['-c', board, esptool, image, captured], { env: cleanEnv() });
    const firmware = await fs.readFile(image);
    expect(await fs.readFile(captured)).toEqual(
      Buffer.concat([Buffer.from(`ESPTOOL-FIXTURE write_flash 0x1000 ${firmware.length}\n`), firmware])
    );
  });

  test('esptool.py names the port it cannot open (missing, or no permission)', async () => {
    const esptool = path.join(idf52, 'components/esptool_py/esptool/esptool.py');
    const missing = await run('python3', [esptool, '--chip', 'esp32', 'erase_flash'], {
      env: cleanEnv(),
      allowFailure: true
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Could not open /dev/ttyUSB0');

    const port = path.join(work, 'ttyLOCKED');
    await fs.writeFile(port, '', { mode: 0o600 });
    let denied: RunResult;
    if (process.getuid?.() === 0) {
      // root ignores file modes: drop to nobody, a user outside the dialout group. The system
      // python, because the one on PATH may live under /root.
      if (!existsSync('/usr/bin/python3') || !existsSync('/usr/bin/setpriv')) return;
      await fs.chmod(work, 0o755);
      denied = await run(
        'setpriv',
        [
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          '/usr/bin/python3',
          esptool,
          '-p',
          port,
          'erase_flash'
        ],
        { env: cleanEnv(), allowFailure: true }
      );
    } else {
      await fs.chmod(port, 0);
      denied = await run('python3', [esptool, '-p', port, 'erase_flash'], {
        env: cleanEnv(),
        allowFailure: true
      });
    }
    expect(denied.code).toBe(2);
    expect(denied.stderr).toContain(`Could not open ${port}`);
    expect(denied.stderr).toContain('Errno 13');
  });
});

describe('the HTTP upstream', () => {
  test('serves the legacy toolchain, whose checksum matches and whose gcc compiles', async () => {
    const { url, sha256, fileName, version } = upstreams.legacyToolchain;
    expect(fileName).toBe('xtensa-esp32-elf-linux64-1.22.0-80-g6c4433a-5.2.0.tar.gz');
    expect(version).toBe('1.22.0-80-g6c4433a-5.2.0');
    expect(url).toBe(`${upstreams.http.url}/dl/${fileName}`);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    const body = Buffer.from(await response.arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(sha256);
    expect(upstreams.http.requests).toContain(`/dl/${fileName}`);

    const dir = path.join(work, 'legacy');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, fileName), body);
    await run('tar', ['-xzf', fileName], { cwd: dir });
    const bin = path.join(dir, 'xtensa-esp32-elf/bin');
    for (const tool of ['gcc', 'ar', 'objcopy', 'size']) {
      expect(existsSync(path.join(bin, `xtensa-esp32-elf-${tool}`))).toBe(true);
    }
    const gcc = path.join(bin, 'xtensa-esp32-elf-gcc');
    expect((await run(gcc, ['--version'])).stdout).toContain(
      '(crosstool-NG crosstool-ng-1.22.0-80-g6c4433a) 5.2.0'
    );
    await fs.writeFile(path.join(dir, 'hello.c'), 'int main(void) { return 0; }\n');
    await run(gcc, ['-Wall', '-c', 'hello.c', '-o', 'hello.o'], { cwd: dir });
    await run(path.join(bin, 'xtensa-esp32-elf-ar'), ['rcs', 'libhello.a', 'hello.o'], { cwd: dir });
    const size = await run(path.join(bin, 'xtensa-esp32-elf-size'), ['hello.o'], { cwd: dir });
    expect(size.stdout).toContain('hello.o');
  });

  test('answers 503 while down, 404 for unknown paths', async () => {
    upstreams.http.setDown(true);
    try {
      expect((await fetch(upstreams.legacyToolchain.url)).status).toBe(503);
    } finally {
      upstreams.http.setDown(false);
    }
    expect((await fetch(upstreams.legacyToolchain.url)).status).toBe(200);
    expect((await fetch(`${upstreams.http.url}/dl/nothing.tar.gz`)).status).toBe(404);
    expect((await fetch(`${upstreams.http.url}/../../etc/passwd`)).status).toBe(404);
  });
});
