/**
 * End to end with ESP-IDF's REAL install.sh, export.sh and tools/ (from
 * ../shared/upstream/esp-idf, copied into fixture repositories): the bundled
 * action, run as the runner runs it, builds MicroPython trees of each modern
 * era cold, air-gapped. Every download reaches a loopback server only through
 * the action's mirror inputs, as a user's mirror would: the tool archives and
 * the v5 constraints file (idf-tools-mirror, espressif-mirror) and the Python
 * packages (pip-index, idf-pip-wheels). The servers' request logs show that
 * each thing was fetched from them, and nothing twice.
 */
import { jest } from '@jest/globals';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../src/exec.js';
import { requireBullseyeBase, requireDocker } from '../support/docker.js';
import { createMicroPythonTree, type TreeShape } from '../support/micropython-tree.js';
import { startPackageIndex, type PackageIndex } from '../support/pypi.js';
import { startRegistry, type RegistryDouble } from '../support/registry.js';
import { createRealIdf, type RealIdfFixture } from '../support/real-idf.js';
import { makeRunner, runnerUser, runStep, type RunnerUser } from '../support/runner.js';

jest.setTimeout(20 * 60_000);

let user: RunnerUser;
let scratch: string;
let idf: RealIdfFixture;
let index: PackageIndex;
/** ESP-IDF v4.4's packages, for the Python of its image here (Debian bullseye's 3.9). */
let index4: PackageIndex;
/** ESP-IDF's component registry, for MicroPython v1.21 and later. */
let registry: RegistryDouble;

beforeAll(async () => {
  await requireDocker();
  user = runnerUser();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'e2e-real-idf-'));
  await run('chmod', ['a+rx', scratch]);
  registry = await startRegistry(path.join(scratch, 'registry'));
  [idf, index, index4] = await Promise.all([
    createRealIdf({ refs: ['v4.4', 'v5.2.2', 'v5.5.1'] }),
    startPackageIndex({ refs: ['v5.2.2', 'v5.5.1'] }),
    startPackageIndex({ refs: ['v4.4'], python: '3.9' }),
    requireBullseyeBase()
  ]);
  // The runner user owns its copy of the repositories (git refuses repositories owned by others).
  await run('chown', ['-R', `${user.uid}:${user.gid}`, idf.root]);
  for (let dir = idf.root; dir !== path.dirname(dir); dir = path.dirname(dir))
    await run('chmod', ['a+x', dir]);
});

afterAll(async () => {
  await Promise.all([idf?.close(), index?.close(), index4?.close(), registry?.close()]);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Every mirror input set: the only way anything is downloaded. */
function mirrorInputs(packages: PackageIndex): Record<string, string> {
  return {
    'idf-repo': idf.idfRepoUrl,
    'idf-tools-mirror': `${idf.http.url}/github`,
    'espressif-mirror': `${idf.http.url}/espressif`,
    'pip-index': packages.simpleUrl,
    'idf-pip-wheels': packages.simpleUrl,
    'component-registry-mirror': registry.url,
    network: 'host',
    cache: 'false'
  };
}

const cases: { ref: 'v5.2.2' | 'v5.5.1'; shape: TreeShape; pin: string }[] = [
  { ref: 'v5.2.2', shape: 'v1.24', pin: 'v5.2.2' },
  // v5.4 and later: export.sh runs activate.py (rich, click, psutil) and returns 0 whatever happens.
  { ref: 'v5.5.1', shape: 'v1.26.1', pin: '5.5.1' }
];

describe.each(cases)('the real ESP-IDF $ref installer, air-gapped', ({ ref, shape, pin }) => {
  it('builds cold with every download from the mirrors, each fetched once', async () => {
    const runner = makeRunner(path.join(scratch, ref), user);
    const tree = await createMicroPythonTree(path.join(runner.workspace, 'micropython'), {
      shape,
      idfPin: pin
    });
    await run('chown', ['-R', `${user.uid}:${user.gid}`, tree.root]);
    const mirrorBefore = idf.http.requests.length;
    const indexBefore = index.requests.length;

    const result = await runStep('main', runner, {
      'micropython-path': 'micropython',
      board: 'ESP32_GENERIC',
      ...mirrorInputs(index)
    });
    expect({ code: result.code, errors: result.output.match(/::error::.*/g) }).toEqual({
      code: 0,
      errors: null
    });
    expect(result.outputs['idf-version']).toBe(ref);
    expect(statSync(result.outputs.firmware).size).toBeGreaterThan(0);

    // The real installer's downloads: every tool archive of the release and the constraints file, from the mirror.
    const release = idf.releases[ref];
    const fetched = idf.http.requests.slice(mirrorBefore);
    for (const tool of release.tools) {
      expect(fetched.filter((p) => p === tool.mirrorPath)).toHaveLength(1);
    }
    expect(release.constraints).toBeDefined();
    expect(fetched).toContain(release.constraints!.mirrorPath);
    // pip found ESP-IDF's requirements in the loopback index alone, each wheel once.
    const asked = index.requests.slice(indexBefore);
    const wheels = asked.filter((p) => p.startsWith('/files/'));
    expect(wheels.length).toBeGreaterThan(5);
    expect(new Set(wheels).size).toBe(wheels.length);
    // The managed components from the registry mirror: metadata, then the locked archive, once.
    expect(registry.requests.filter((p) => p.endsWith('.tgz'))).toContain('/files/espressif__mdns_1.1.0.tgz');

    // The entry is complete: its tools and Python environment are where export.sh found them.
    const entries = path.join(runner.toolCache, 'esp32-micropython-build', 'idf');
    const [entry] = readdirSync(entries).filter((name) => name.startsWith(ref));
    expect(existsSync(path.join(entries, entry, 'complete.json'))).toBe(true);
    const envs = readdirSync(path.join(entries, entry, 'espressif', 'python_env'));
    expect(envs).toEqual([`idf${release.idfVersion}_py3.11_env`]);
  });
});

describe('the real ESP-IDF v4.4 installer, in the image of its era', () => {
  it('builds docker/Dockerfile.idf4 and installs: the venv by the distribution’s virtualenv, packages from the mirror', async () => {
    const runner = makeRunner(path.join(scratch, 'v4.4'), user);
    const tree = await createMicroPythonTree(path.join(runner.workspace, 'micropython'), {
      shape: 'v1.20',
      idfPin: 'v4.4',
      // The port's `make submodules` (v1.20) needs the tree to be a git checkout.
      git: true
    });
    await run('chown', ['-R', `${user.uid}:${user.gid}`, tree.root]);
    const mirrorBefore = idf.http.requests.length;

    const result = await runStep('main', runner, {
      'micropython-path': 'micropython',
      board: 'GENERIC',
      ...mirrorInputs(index4),
      // Ubuntu 20.04 (Python 3.8) cannot be pulled here: the same Dockerfile on a Debian bullseye base.
      'image-build-args': 'BASE=esp32-devel-base:bullseye\nESP32_DEVEL_PYTHON=3.9'
    });
    expect({ code: result.code, errors: result.output.match(/::error::.*/g) }).toEqual({
      code: 0,
      errors: null
    });
    expect(result.outputs.image).toMatch(/^esp32-devel:idf4-[0-9a-f]{16}$/);
    expect(statSync(result.outputs.firmware).size).toBeGreaterThan(0);
    // What fails on bookworm: virtualenv from the distribution, not `pip install --user virtualenv`.
    expect(result.output).not.toContain('externally-managed-environment');
    expect(result.output).toMatch(/created virtual environment CPython3\.9/);
    // Its extra index, dl.espressif.com/pypi, is built into idf_tools.py: pip tries it once a package, no more.
    expect(result.output).toContain(
      'Looking in indexes: ' + index4.simpleUrl + ', https://dl.espressif.com/pypi'
    );
    expect(result.output).not.toMatch(/Retrying \(Retry\(total=[1-9]/);

    const fetched = idf.http.requests.slice(mirrorBefore);
    for (const tool of idf.releases['v4.4'].tools) expect(fetched).toContain(tool.mirrorPath);
    const wheels = index4.requests.filter((p) => p.startsWith('/files/'));
    expect(wheels.length).toBeGreaterThan(5);

    const entries = path.join(runner.toolCache, 'esp32-micropython-build', 'idf');
    const [entry] = readdirSync(entries).filter((name) => name.startsWith('v4.4'));
    expect(readdirSync(path.join(entries, entry, 'espressif', 'python_env'))).toEqual(['idf4.4_py3.9_env']);
  });
});
