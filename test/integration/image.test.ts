/**
 * The build image, for real: built from docker/ with the local Docker engine
 * and run the way the action runs it (a UID:GID with no passwd entry,
 * HOME=/tmp/esp32-home, caches bind-mounted under /opt/esp32-devel).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { run } from '../../src/exec.js';
import { CONTAINER } from '../../src/layout.js';
import {
  FOREIGN_USER,
  IMAGE_BUILD_TIMEOUT_MS,
  bashInImage,
  buildTestImage,
  declaredPython,
  hostUser,
  makeSharedDir,
  removeSharedDir,
  requireDocker,
  runInImage,
  userArgs
} from '../support/docker.js';

const asForeignUser = userArgs(FOREIGN_USER);
const ENTRYPOINT_NAME = 'esp32-devel-entrypoint';

let image: string;
const dirs: string[] = [];

async function sharedDir(mode: 0o755 | 0o777 = 0o755): Promise<string> {
  const dir = await makeSharedDir('esp32-image-test-', mode);
  dirs.push(dir);
  return dir;
}

/** A directory with an export.sh standing in for an ESP-IDF checkout's. */
/** An ESP-IDF directory with this export.sh, and a tools/idf.py for it to put on PATH. */
async function fakeIdf(exportScript: string): Promise<string> {
  const dir = await sharedDir();
  await fs.writeFile(path.join(dir, 'export.sh'), exportScript, { mode: 0o644 });
  await fs.mkdir(path.join(dir, 'tools'), { mode: 0o755 });
  await fs.writeFile(path.join(dir, 'tools', 'idf.py'), '#!/bin/sh\necho idf.py\n', { mode: 0o755 });
  return dir;
}

beforeAll(async () => {
  await requireDocker();
  image = await buildTestImage();
}, IMAGE_BUILD_TIMEOUT_MS);

afterAll(async () => {
  for (const dir of dirs) await removeSharedDir(dir, image);
}, 120_000);

describe('the image', () => {
  test('builds and carries its labels, entrypoint and default command', async () => {
    const inspect = await run('docker', ['image', 'inspect', '--format', '{{json .Config}}', image]);
    const config = JSON.parse(inspect.stdout) as {
      Labels: Record<string, string>;
      Entrypoint: string[];
      Cmd: string[];
      Env: string[];
    };
    expect(config.Labels['org.opencontainers.image.licenses']).toBe('MIT');
    expect(config.Labels['org.opencontainers.image.title']).toBeTruthy();
    expect(config.Labels['org.opencontainers.image.description']).toBeTruthy();
    expect(config.Entrypoint).toEqual([`/usr/local/bin/${ENTRYPOINT_NAME}`]);
    expect(config.Cmd).toEqual(['bash']);
  });

  test('declares in ESP32_DEVEL_PYTHON the Python it really has', async () => {
    const declared = await declaredPython();
    const result = await runInImage(image, [
      'python3',
      '-c',
      'import os, sys; print("%d.%d %s" % (sys.version_info[0], sys.version_info[1], os.environ["ESP32_DEVEL_PYTHON"]))'
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(`${declared} ${declared}`);
    const python = await runInImage(image, ['python', '--version']);
    expect(python.stdout.trim()).toMatch(new RegExp(`^Python ${declared.replace('.', '\\.')}\\.`));
  });

  test('has no Xtensa toolchain and no ESP-IDF inside', async () => {
    const result = await bashInImage(
      image,
      [
        'compgen -c | grep -i xtensa || true',
        'find / -xdev \\( -path /proc -o -path /sys \\) -prune -o -iname "*xtensa*" -print | grep -v "^/opt/esp32-devel/xtensa-esp32-elf$" || true',
        'echo "--- mount points"',
        'for d in esp-idf espressif xtensa-esp32-elf ccache; do printf "%s %s %s\\n" "$d" "$(stat -c %a /opt/esp32-devel/$d)" "$(ls -A /opt/esp32-devel/$d | wc -l)"; done'
      ].join('\n'),
      { args: asForeignUser }
    );
    expect(result.code).toBe(0);
    const [found, mounts] = result.stdout.split('--- mount points\n');
    expect(found.trim()).toBe('');
    // Each mount point exists, is empty, and can be read (and written, when
    // nothing is mounted over it) by any user.
    for (const line of mounts.trim().split('\n')) {
      const [, mode, entries] = line.split(' ');
      expect(Number.parseInt(mode, 8) & 0o005).toBe(0o005);
      expect(entries).toBe('0');
    }
    expect(mounts.trim().split('\n')).toHaveLength(4);
  });

  test('has the host tools the builds need', async () => {
    const result = await bashInImage(
      image,
      'set -e; for t in git make gcc cmake ninja ccache python3 python; do command -v "$t" >/dev/null || { echo "missing $t"; exit 1; }; done; python3 -c "import serial, pyparsing, venv, ensurepip, curses"',
      { args: asForeignUser }
    );
    expect(result.stderr + result.stdout).not.toMatch(/missing|Error/);
    expect(result.code).toBe(0);
  });

  test('compiles and links a C program the way mpy-cross is built', async () => {
    const result = await bashInImage(
      image,
      [
        'set -e',
        'cd "$(mktemp -d)"',
        `printf '%s\\n' '#include <math.h>' '#include <stdio.h>' 'int main(void) { printf("%.3f\\n", sqrt(2.0)); return 0; }' > probe.c`,
        'gcc -std=gnu99 -Os -Wall -Werror -ffunction-sections -fdata-sections -Wl,--gc-sections -o probe probe.c -lm',
        './probe'
      ].join('\n'),
      { args: asForeignUser }
    );
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('1.414');
  });

  test('holds only what the builds need', async () => {
    // build-essential's g++ and dpkg-dev, the kconfig C tools' flex/bison/gperf, the system pip, and the
    // downloaders and archivers that idf_tools.py does without; and no manuals or message catalogues.
    const result = await bashInImage(
      image,
      'for t in g++ dpkg-buildpackage flex bison gperf pip3 curl wget dfu-util file zstd unzip; do command -v "$t" || true; done; ls /usr/share/man/man1 /usr/share/locale/de/LC_MESSAGES 2>/dev/null | grep -E "^(git|gcc|cpp|cmake)" || true',
      { args: asForeignUser }
    );
    expect(result.stdout.trim()).toBe('');
  });
});

describe('as a UID:GID with no passwd entry', () => {
  test('gets a writable HOME, and a fallback when HOME is not usable', async () => {
    const result = await bashInImage(
      image,
      'id -u; id -g; echo "$HOME"; touch "$HOME/probe" && echo writable; echo "${USER:-}"',
      { args: asForeignUser }
    );
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      String(FOREIGN_USER.uid),
      String(FOREIGN_USER.gid),
      CONTAINER.home,
      'writable',
      'esp32'
    ]);

    // Docker gives such a user HOME=/ when none is passed: not writable.
    const fallback = await bashInImage(image, 'echo "$HOME"; touch "$HOME/probe" && echo writable', {
      args: ['--user', `${FOREIGN_USER.uid}:${FOREIGN_USER.gid}`]
    });
    expect(fallback.code).toBe(0);
    expect(fallback.stdout.trim().split('\n')).toEqual(['/tmp/esp32-home', 'writable']);
  });

  test('git works in a mounted repository owned by another UID (safe.directory)', async () => {
    expect(hostUser().uid).not.toBe(FOREIGN_USER.uid);
    const repo = await sharedDir();
    const git = (...args: string[]) => run('git', ['-C', repo, ...args]);
    await git('init', '-q');
    await fs.writeFile(path.join(repo, 'README'), 'hello\n');
    await git('add', 'README');
    await git('-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '-m', 'first');
    await run('chmod', ['-R', 'a+rX', repo]);
    const mount = ['-v', `${repo}:/work/repo`, '-w', '/work/repo'];

    // Without the entrypoint git refuses the tree: the test is meaningful.
    const bare = await runInImage(image, ['status'], {
      args: [...asForeignUser, ...mount, '--entrypoint', 'git']
    });
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toMatch(/dubious ownership/);

    const result = await runInImage(image, ['git', 'status', '--porcelain=v1', '--branch'], {
      args: [...asForeignUser, ...mount]
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^## /);

    // Only through the environment: no config file was written anywhere.
    const files = await bashInImage(
      image,
      'git config --show-origin --get-all safe.directory; ls -A "$HOME"; ls /etc/gitconfig 2>/dev/null || true',
      { args: asForeignUser }
    );
    expect(files.stdout.trim()).toBe('command line:\t*');
  });

  test('keeps git settings already passed through GIT_CONFIG_COUNT', async () => {
    const result = await bashInImage(
      image,
      'echo "$GIT_CONFIG_COUNT"; git config --get core.abbrev; git config --get safe.directory',
      {
        args: [
          ...asForeignUser,
          '-e',
          'GIT_CONFIG_COUNT=1',
          '-e',
          'GIT_CONFIG_KEY_0=core.abbrev',
          '-e',
          'GIT_CONFIG_VALUE_0=9'
        ]
      }
    );
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual(['2', '9', '*']);
  });

  test('creates a venv, compiles C and runs ccache in a writable mount; files belong to that UID', async () => {
    const work = await sharedDir(0o777);
    const result = await bashInImage(
      image,
      [
        'set -e',
        'python3 -m venv venv',
        'venv/bin/python -c "import sys; print(sys.prefix)"',
        'printf "#include <stdio.h>\\nint main(void) { puts(\\"compiled\\"); return 0; }\\n" > hello.c',
        'gcc -O2 -o hello hello.c',
        './hello',
        'ccache --version | head -n 1',
        'CCACHE_DIR=$PWD/ccache ccache gcc -c hello.c -o hello.o',
        'CCACHE_DIR=$PWD/ccache ccache gcc -c hello.c -o hello.o',
        'CCACHE_DIR=$PWD/ccache ccache --print-stats | grep -E "^(direct_cache_hit|cache_hit)" | head -n 1'
      ].join('\n'),
      { args: [...asForeignUser, '-v', `${work}:/work/out`, '-w', '/work/out'] }
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe('/work/out/venv');
    expect(lines[1]).toBe('compiled');
    expect(lines[2]).toMatch(/^ccache version \d+\.\d+/);
    expect(lines[3]).toMatch(/\t1$/);

    for (const name of ['venv', 'venv/bin/python3', 'hello', 'hello.c', 'ccache']) {
      const stat = await fs.lstat(path.join(work, name));
      expect({ name, uid: stat.uid, gid: stat.gid }).toEqual({
        name,
        uid: FOREIGN_USER.uid,
        gid: FOREIGN_USER.gid
      });
    }
  });
});

describe('ESP32_DEVEL_TOOLCHAIN (legacy builds)', () => {
  test('puts the mounted toolchain first on PATH', async () => {
    const toolchain = await sharedDir();
    await fs.mkdir(path.join(toolchain, 'bin'), { mode: 0o755 });
    await fs.writeFile(
      path.join(toolchain, 'bin', 'xtensa-esp32-elf-gcc'),
      '#!/bin/sh\necho "fake xtensa gcc $*"\n',
      {
        mode: 0o755
      }
    );
    const result = await bashInImage(
      image,
      'command -v xtensa-esp32-elf-gcc; xtensa-esp32-elf-gcc --version',
      {
        args: [
          ...asForeignUser,
          '-v',
          `${toolchain}:${CONTAINER.toolchain}:ro`,
          '-e',
          `ESP32_DEVEL_TOOLCHAIN=${CONTAINER.toolchain}`
        ]
      }
    );
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      `${CONTAINER.toolchain}/bin/xtensa-esp32-elf-gcc`,
      'fake xtensa gcc --version'
    ]);
  });

  test('fails clearly when its bin directory is missing', async () => {
    const result = await runInImage(image, ['echo', 'should not run'], {
      args: [...asForeignUser, '-e', `ESP32_DEVEL_TOOLCHAIN=${CONTAINER.toolchain}`]
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${ENTRYPOINT_NAME}: ESP32_DEVEL_TOOLCHAIN is ${CONTAINER.toolchain}`);
    expect(result.stderr).toContain(`${CONTAINER.toolchain}/bin does not exist`);
  });
});

describe('ESP32_DEVEL_EXPORT=1', () => {
  const exportArgs = (idf: string, ...extra: string[]) => [
    ...asForeignUser,
    '-v',
    `${idf}:${CONTAINER.idfPath}:ro`,
    '-e',
    `IDF_PATH=${CONTAINER.idfPath}`,
    '-e',
    'ESP32_DEVEL_EXPORT=1',
    ...extra
  ];

  // Like the real one: chatty, reads variables that may be unset, and must
  // not see the entrypoint's arguments.
  const goodExport = [
    'echo "Setting IDF_PATH to $IDF_PATH"',
    'echo "a warning" >&2',
    'if [ -n "$SOME_UNSET_VARIABLE" ]; then echo never; fi',
    'export FAKE_IDF_EXPORTED="yes, $# arguments"',
    'export PATH="$IDF_PATH/tools:$PATH"',
    'export IDF_PYTHON_ENV_PATH=/opt/esp32-devel/espressif/python_env/idf5.2_py3.11_env',
    'echo "Done! You can now compile ESP-IDF projects."',
    ''
  ].join('\n');

  test('sources export.sh quietly and runs the command with its environment', async () => {
    const idf = await fakeIdf(goodExport);
    const result = await runInImage(
      image,
      ['bash', '-c', 'echo "$FAKE_IDF_EXPORTED"; echo "${PATH%%:*}"; echo "$@"', 'sh', 'a', 'b c'],
      {
        args: exportArgs(idf)
      }
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      'yes, 0 arguments',
      `${CONTAINER.idfPath}/tools`,
      'a b c'
    ]);
  });

  test('shows the output of export.sh on stderr when ESP32_DEVEL_VERBOSE=1', async () => {
    const idf = await fakeIdf(goodExport);
    const result = await bashInImage(image, 'echo "$FAKE_IDF_EXPORTED"', {
      args: exportArgs(idf, '-e', 'ESP32_DEVEL_VERBOSE=1')
    });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('yes, 0 arguments');
    expect(result.stderr).toContain('Done! You can now compile ESP-IDF projects.');
    expect(result.stderr).toContain('a warning');
  });

  test('fails with the output and a clear message when export.sh returns 1', async () => {
    const idf = await fakeIdf(
      'echo "ERROR: tool xtensa-esp32-elf has no installed versions." >&2\nreturn 1\n'
    );
    const result = await runInImage(image, ['echo', 'should not run'], { args: exportArgs(idf) });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('ERROR: tool xtensa-esp32-elf has no installed versions.');
    expect(result.stderr).toContain(
      `sourcing ${CONTAINER.idfPath}/export.sh failed: the ESP-IDF tools are not installed for this checkout; run install.sh`
    );
  });

  test('fails the same way when export.sh calls exit', async () => {
    const idf = await fakeIdf('echo "cannot find the Python env"\nexit 0\n');
    const result = await runInImage(image, ['echo', 'should not run'], { args: exportArgs(idf) });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('cannot find the Python env');
    expect(result.stderr).toContain(`sourcing ${CONTAINER.idfPath}/export.sh failed`);
  });

  // ESP-IDF v5.4 and later: export.sh evals activate.py's output, then returns 0 whatever happened.
  test('fails, naming the entry to reset, when export.sh returned 0 without setting up the environment', async () => {
    const entry = [
      '-e',
      'ESP32_DEVEL_IDF_ENTRY=/cache/idf/v5.5.1-abc',
      '-e',
      'ESP32_DEVEL_IDF_KEY=esp32-idf-v1-key'
    ];
    const noIdfPy = await fakeIdf('echo "activate.py: broken environment" >&2\nreturn 0\n');
    const result = await runInImage(image, ['echo', 'should not run'], {
      args: [...exportArgs(noIdfPy), ...entry]
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('activate.py: broken environment');
    expect(result.stderr).toContain(`${CONTAINER.idfPath}/export.sh did not put idf.py on PATH`);
    expect(result.stderr).toContain(
      'The ESP-IDF entry /cache/idf/v5.5.1-abc is broken: remove it (rm -rf /cache/idf/v5.5.1-abc)'
    );
    expect(result.stderr).toContain('gh cache delete esp32-idf-v1-key');

    const noEnv = await fakeIdf('export PATH="$IDF_PATH/tools:$PATH"\nreturn 0\n');
    const second = await runInImage(image, ['echo', 'should not run'], { args: exportArgs(noEnv) });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('did not set IDF_PYTHON_ENV_PATH');
  });

  test('fails clearly when there is no export.sh', async () => {
    const result = await runInImage(image, ['echo', 'should not run'], {
      args: [...asForeignUser, '-e', 'ESP32_DEVEL_EXPORT=1']
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${CONTAINER.idfPath}/export.sh does not exist`);
  });
});
