/**
 * The ESP-IDF v4.x image (docker/Dockerfile.idf4), for real: built on a local
 * Debian bullseye that stands in for Ubuntu 20.04 (no registry is reachable
 * here), and run the way the action runs it. The real installer of ESP-IDF
 * v4.0.2 and v4.4 (idf_tools.py install-python-env, copied from
 * shared/upstream at test time) gets through its virtualenv step in it, and
 * fails in the bookworm image (docker/Dockerfile) on PEP 668.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { run, type RunResult } from '../../src/exec.js';
import { CONTAINER } from '../../src/layout.js';
import { PROJECT } from '../support/project.js';
import {
  BULLSEYE_BASE,
  DOCKER_DIR,
  FOREIGN_USER,
  IDF4_TEST_BUILD_ARGS,
  IMAGE_BUILD_TIMEOUT_MS,
  bashInImage,
  buildArgFlags,
  buildIdf4TestImage,
  buildTestImage,
  declaredPython,
  makeSharedDir,
  removeSharedDir,
  requireDocker,
  userArgs
} from '../support/docker.js';

const UPSTREAM = path.join(PROJECT, '..', 'shared', 'upstream', 'esp-idf');
const asForeignUser = userArgs(FOREIGN_USER);
const python = IDF4_TEST_BUILD_ARGS.ESP32_DEVEL_PYTHON;
/** No package index can be reached here; without a network pip fails at once rather than after DNS retries. */
const offline = ['--network', 'none', '-e', 'PIP_RETRIES=0'];

let image: string;
let bookworm: string;
const dirs: string[] = [];

async function sharedDir(mode: 0o755 | 0o777 = 0o755): Promise<string> {
  const dir = await makeSharedDir('esp32-idf4-test-', mode);
  dirs.push(dir);
  return dir;
}

/**
 * A temporary ESP-IDF checkout holding the real installer scripts of `ref`
 * (install.sh, export.sh, requirements.txt, tools/, the version header), and
 * an empty IDF_TOOLS_PATH that any UID can write.
 */
async function realIdf(ref: string): Promise<{ idf: string; tools: string; mounts: string[] }> {
  const idf = await sharedDir();
  await fs.cp(path.join(UPSTREAM, ref), idf, { recursive: true });
  await run('chmod', ['-R', 'a+rX', idf]);
  const tools = await sharedDir(0o777);
  return {
    idf,
    tools,
    mounts: ['-v', `${idf}:${CONTAINER.idfPath}:ro`, '-v', `${tools}:${CONTAINER.idfToolsPath}`]
  };
}

/** How install.sh runs install-python-env at each ref. */
const INSTALL_PYTHON_ENV: Record<string, string> = {
  // install.sh runs the script itself: `#!/usr/bin/env python`.
  'v4.0.2': '"$IDF_PATH/tools/idf_tools.py" install-python-env',
  // install.sh runs it with the detected Python (`python` when it is 3).
  'v4.4': 'python "$IDF_PATH/tools/idf_tools.py" install-python-env'
};

async function installPythonEnv(target: string, ref: string, mounts: string[]): Promise<RunResult> {
  return bashInImage(target, INSTALL_PYTHON_ENV[ref], {
    args: [...asForeignUser, ...offline, ...mounts],
    timeoutMs: 300_000
  });
}

beforeAll(async () => {
  await requireDocker();
  image = await buildIdf4TestImage();
  bookworm = await buildTestImage();
}, 2 * IMAGE_BUILD_TIMEOUT_MS);

afterAll(async () => {
  for (const dir of dirs) await removeSharedDir(dir, image);
}, 120_000);

describe('the ESP-IDF v4 image', () => {
  test('builds from Ubuntu 20.04 with Python 3.8 unless told otherwise', async () => {
    const dockerfile = await fs.readFile(path.join(DOCKER_DIR, 'Dockerfile.idf4'), 'utf8');
    expect(dockerfile).toMatch(/^ARG BASE=ubuntu:20\.04@sha256:[0-9a-f]{64}$/m);
    expect(dockerfile).toMatch(/^FROM \$\{BASE\}$/m);
    expect(await declaredPython('Dockerfile.idf4')).toBe('3.8');
    expect(await declaredPython('Dockerfile')).toBe('3.11');
  });

  test('carries its labels, environment, entrypoint and default command', async () => {
    const inspect = await run('docker', ['image', 'inspect', '--format', '{{json .Config}}', image]);
    const config = JSON.parse(inspect.stdout) as {
      Labels: Record<string, string>;
      Entrypoint: string[];
      Cmd: string[];
      Env: string[];
    };
    expect(config.Labels['esp32-devel.test']).toBe('1');
    expect(config.Labels['org.opencontainers.image.title']).toBe('esp32-devel-idf4');
    expect(config.Labels['org.opencontainers.image.licenses']).toBe('MIT');
    expect(config.Entrypoint).toEqual(['/usr/local/bin/esp32-devel-entrypoint']);
    expect(config.Cmd).toEqual(['bash']);
    expect(config.Env).toEqual(
      expect.arrayContaining([
        `ESP32_DEVEL_PYTHON=${python}`,
        `IDF_PATH=${CONTAINER.idfPath}`,
        `IDF_TOOLS_PATH=${CONTAINER.idfToolsPath}`,
        'PIP_CONSTRAINT=/etc/esp32-devel/pip-constraints.txt'
      ])
    );
  });

  test('has the Python it declares, as python3 and as python', async () => {
    const result = await bashInImage(
      image,
      'python3 -c "import sys; print(\\"%d.%d\\" % sys.version_info[:2])"; echo "$ESP32_DEVEL_PYTHON"; python --version',
      { args: asForeignUser }
    );
    expect(result.code).toBe(0);
    const [actual, declared, versionLine] = result.stdout.trim().split('\n');
    expect([actual, declared]).toEqual([python, python]);
    expect(versionLine).toMatch(new RegExp(`^Python ${python.replace('.', '\\.')}\\.`));
  });

  test(
    'refuses to build when ESP32_DEVEL_PYTHON is not its python3',
    async () => {
      const result = await run(
        'docker',
        [
          'build',
          '--force-rm',
          '--label',
          'esp32-devel.test=1',
          ...buildArgFlags({ ...IDF4_TEST_BUILD_ARGS, ESP32_DEVEL_PYTHON: '3.8' }),
          '--file',
          path.join(DOCKER_DIR, 'Dockerfile.idf4'),
          DOCKER_DIR
        ],
        { allowFailure: true, timeoutMs: IMAGE_BUILD_TIMEOUT_MS }
      );
      expect(result.code).not.toBe(0);
      expect(result.stdout + result.stderr).toContain(
        `ESP32_DEVEL_PYTHON=3.8 but python3 in ${BULLSEYE_BASE} is ${python}`
      );
    },
    IMAGE_BUILD_TIMEOUT_MS
  );

  test('runs as a UID:GID with no passwd entry, with empty mount points anyone can use', async () => {
    const result = await bashInImage(
      image,
      [
        'id -u; id -g; echo "$HOME"; touch "$HOME/probe" && echo writable; echo "${USER:-}"',
        'for d in esp-idf espressif xtensa-esp32-elf ccache; do echo "$d $(stat -c %a /opt/esp32-devel/$d) $(ls -A /opt/esp32-devel/$d | wc -l)"; done'
      ].join('\n'),
      { args: asForeignUser }
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      String(FOREIGN_USER.uid),
      String(FOREIGN_USER.gid),
      CONTAINER.home,
      'writable',
      'esp32',
      'esp-idf 1777 0',
      'espressif 1777 0',
      'xtensa-esp32-elf 1777 0',
      'ccache 1777 0'
    ]);
  });

  test('has the host tools the v4 builds need, and the distribution virtualenv', async () => {
    const result = await bashInImage(
      image,
      [
        'set -e',
        'for t in git make gcc cmake ninja ccache python3 python; do command -v "$t" >/dev/null || { echo "missing $t"; exit 1; }; done',
        'for t in g++ dpkg-buildpackage flex bison gperf; do if command -v "$t"; then echo "needless $t"; fi; done',
        'python3 -c "import venv, ensurepip"',
        'python3 -m virtualenv --version'
      ].join('\n'),
      { args: asForeignUser }
    );
    expect(result.stdout + result.stderr).not.toMatch(/missing|needless|Error/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^virtualenv \d+\.\d+\S* from \/usr\/lib\/python3\/dist-packages\/virtualenv\//m
    );
  });

  test('has no EXTERNALLY-MANAGED marker (PEP 668), unlike the bookworm image', async () => {
    const probe =
      'python3 -c "import os, sysconfig; print(os.path.exists(os.path.join(sysconfig.get_path(\\"stdlib\\"), \\"EXTERNALLY-MANAGED\\")))"';
    const here = await bashInImage(image, probe, { args: asForeignUser });
    expect(here.stdout.trim()).toBe('False');
    const there = await bashInImage(bookworm, probe, { args: asForeignUser });
    expect(there.stdout.trim()).toBe('True');
  });

  test('PIP_CONSTRAINT keeps setuptools below 82 in a virtualenv, even offered a setuptools 82 wheel', async () => {
    // A valid (empty) setuptools 82.0.0 wheel, and pip pointed only at it.
    const makeWheel = [
      'import base64, hashlib, sys, zipfile',
      'name = "setuptools-82.0.0"',
      'files = {"setuptools/__init__.py": "__version__ = \\"82.0.0\\"\\n",',
      '         name + ".dist-info/METADATA": "Metadata-Version: 2.1\\nName: setuptools\\nVersion: 82.0.0\\n",',
      '         name + ".dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}',
      'record = [p + ",sha256=" + base64.urlsafe_b64encode(hashlib.sha256(c.encode()).digest()).rstrip(b"=").decode() + "," + str(len(c)) for p, c in files.items()]',
      'files[name + ".dist-info/RECORD"] = "\\n".join(record + [name + ".dist-info/RECORD,,"]) + "\\n"',
      'with zipfile.ZipFile(sys.argv[1] + "/setuptools-82.0.0-py3-none-any.whl", "w") as z:',
      '    for p, c in files.items(): z.writestr(p, c)'
    ].join('\n');
    const result = await bashInImage(
      image,
      [
        'set -u',
        'mkdir -p "$HOME/wheels"',
        `python3 -c '${makeWheel}' "$HOME/wheels"`,
        'python3 -m virtualenv -q "$HOME/v" || exit 10',
        'install() { "$HOME/v/bin/pip" install --disable-pip-version-check --no-index --find-links "$HOME/wheels" "setuptools>=82"; }',
        'install; echo "constrained exit $?"',
        '"$HOME/v/bin/python" -c "import setuptools; print(\\"setuptools\\", setuptools.__version__)"',
        '(unset PIP_CONSTRAINT; install >/dev/null 2>&1); echo "unconstrained exit $?"',
        '"$HOME/v/bin/python" -c "import setuptools; print(\\"setuptools\\", setuptools.__version__)"'
      ].join('\n'),
      { args: [...asForeignUser, ...offline] }
    );
    const output = result.stdout + result.stderr;
    expect(result.code).toBe(0);
    expect(output).toMatch(/constrained exit [1-9]/);
    expect(output).toContain('No matching distribution found for setuptools>=82');
    const versions = [...result.stdout.matchAll(/^setuptools (\S+)$/gm)].map((m) => m[1]);
    expect(versions).toHaveLength(2);
    expect(Number(versions[0].split('.')[0])).toBeLessThan(82);
    // The same install without the constraint takes the wheel: it was the constraint that refused it.
    expect(output).toContain('unconstrained exit 0');
    expect(versions[1]).toBe('82.0.0');
  });
});

describe("ESP-IDF's real install-python-env", () => {
  test.each(['v4.0.2', 'v4.4'])(
    '%s creates its venv with the distribution virtualenv, keeping setuptools below 82',
    async (ref) => {
      const { tools, mounts } = await realIdf(ref);
      const minor = ref.replace(/^v(\d+\.\d+).*/, '$1');
      const env = `${CONTAINER.idfToolsPath}/python_env/idf${minor}_py${python}_env`;

      const result = await installPythonEnv(image, ref, mounts);
      const output = result.stdout + result.stderr;
      expect(output).toContain(`Creating a new Python environment in ${env}`);
      expect(output).not.toContain('Installing virtualenv');
      expect(output).not.toMatch(/pip', 'install', '--user'|externally-managed/);
      expect(output).toMatch(new RegExp(`created virtual environment CPython${python.replace('.', '\\.')}`));
      if (ref === 'v4.4') expect(output).toMatch(/seeder PipInvoke/); // --seeder pip
      // Then it goes on to the requirements, which no index here can serve.
      expect(output).toContain(`Installing Python packages from ${CONTAINER.idfPath}/requirements.txt`);
      expect(output).toMatch(/Requirement already satisfied: setuptools/);
      expect(output).toMatch(/No matching distribution found for click/);
      expect(result.code).not.toBe(0);

      // The venv is virtualenv's (the distribution's version), with pip and
      // a setuptools that still has the pkg_resources export.sh's check imports.
      const pyvenv = await fs.readFile(
        path.join(tools, 'python_env', `idf${minor}_py${python}_env`, 'pyvenv.cfg'),
        'utf8'
      );
      const probe = await bashInImage(
        image,
        [
          'python3 -m virtualenv --version',
          `"${env}/bin/python" -m pip --version`,
          `"${env}/bin/python" -c "import pkg_resources, setuptools; print(\\"setuptools\\", setuptools.__version__)"`,
          `"${env}/bin/python" "$IDF_PATH/tools/check_python_dependencies.py"; echo "check exit $?"`
        ].join('\n'),
        { args: [...asForeignUser, ...offline, ...mounts] }
      );
      const system = /^virtualenv (\S+) from \/usr\/lib\/python3\/dist-packages\//m.exec(probe.stdout);
      expect(system).not.toBeNull();
      expect(pyvenv).toContain(`virtualenv = ${system![1]}`);
      expect(probe.stdout).toMatch(new RegExp(`^pip \\S+ from ${env}/`, 'm'));
      const setuptools = /^setuptools (\d+)\./m.exec(probe.stdout);
      expect(setuptools).not.toBeNull();
      expect(Number(setuptools![1])).toBeLessThan(82);
      // The real dependency check gets past `import pkg_resources` and finds
      // setuptools satisfied; only the packages no index could serve are missing.
      expect(probe.stdout).not.toContain('pkg_resources cannot be imported');
      const [, unsatisfied = ''] = probe.stdout.split(
        'The following Python requirements are not satisfied:\n'
      );
      expect(unsatisfied).not.toBe('');
      expect(unsatisfied).not.toMatch(/^setuptools/m);
      expect(unsatisfied).toMatch(/^click>=/m);
      expect(probe.stdout).toContain('check exit 1');
    },
    300_000
  );

  test('v4.4 fails in the bookworm image: it would pip install --user virtualenv, which has no pip and PEP 668', async () => {
    const { tools, mounts } = await realIdf('v4.4');
    const result = await installPythonEnv(bookworm, 'v4.4', mounts);
    const output = result.stdout + result.stderr;
    expect(result.code).not.toBe(0);
    expect(output).toContain('Installing virtualenv');
    // The bookworm image carries no system pip (v5 needs none); were it there, PEP 668 would refuse.
    expect(output).toMatch(/No module named pip|externally-managed-environment/);
    expect(output).toMatch(/'-m', 'pip', 'install', '--user', 'virtualenv'\]' returned non-zero exit status/);
    expect(output).not.toContain('created virtual environment');
    expect(await fs.readdir(tools)).toEqual([]);
  });
});
