/**
 * ESP-IDF's REAL install.sh and export.sh (v5.0.4, v5.2.2, v5.4.2, v5.5.1;
 * and v4.0.2, v4.4, which stop at PEP 668 on bookworm) in the project's
 * image, as a non-root UID with --network host, air-gapped:
 * tool archives and the constraints file come from the loopback tool mirror
 * through IDF_MIRROR_PREFIX_MAP, Python packages from the loopback index, and
 * a proxy that refuses everything catches any other request.
 *
 * Each ref gets its own fixture servers, so that their request logs show
 * exactly what that ref's installer asked for. Needs Docker, git, tar, xz and
 * the Debian packages listed in ../support/pypi.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import { run, type RunResult } from '../../src/exec.js';
import { CONTAINER } from '../../src/layout.js';
import {
  FOREIGN_USER,
  IMAGE_BUILD_TIMEOUT_MS,
  buildTestImage,
  makeSharedDir,
  removeSharedDir,
  runInImage
} from '../support/docker.js';
import { startPackageIndex, UPSTREAM_IDF_DIR, type PackageIndex } from '../support/pypi.js';
import {
  createRealIdf,
  realIdfDockerArgs,
  realIdfEnv,
  startEgressTrap,
  type EgressTrap,
  type RealIdfFixture
} from '../support/real-idf.js';

/** Installs and exports on the image's Python 3.11. */
const V5 = ['v5.0.4', 'v5.2.2', 'v5.4.2', 'v5.5.1'] as const;
/** Install their tools, then stop where DOMAIN.md says: `pip install --user virtualenv` meets PEP 668. */
const V4 = ['v4.0.2', 'v4.4'] as const;
const REFS = [...V5, ...V4] as const;
type Ref = (typeof REFS)[number];
/** Containers at once: the host has few CPUs, and pip is CPU-bound. */
const PARALLEL = 2;

interface Step extends RunResult {
  ms: number;
  /** Requests the step made, per server. */
  mirror: string[];
  index: string[];
}

interface RefRun {
  ref: Ref;
  idf: RealIdfFixture;
  index: PackageIndex;
  env: Record<string, string>;
  /** Holds idf/ (the clone, IDF_PATH) and espressif/ (IDF_TOOLS_PATH). */
  dir: string;
  clone: string;
  tools: string;
  fixtureMs: number;
  install?: Step;
  exported?: Step;
}

let image: string;
let trap: EgressTrap;
const runs = new Map<Ref, RefRun>();
let totalMs = 0;

function git(args: string[], cwd?: string): Promise<RunResult> {
  return run('git', ['-c', 'protocol.file.allow=always', '-c', 'advice.detachedHead=false', ...args], {
    cwd,
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }
  });
}

/** Runs a container on r's clone and tools, recording what it asked each server for. */
async function step(r: RefRun, extraArgs: string[], command: string[]): Promise<Step> {
  const [mirrorBefore, indexBefore] = [r.idf.http.requests.length, r.index.requests.length];
  const started = Date.now();
  const result = await runInImage(image, command, {
    args: [
      ...realIdfDockerArgs({ ...r.env, ...trap.env }, FOREIGN_USER),
      '-v',
      `${r.clone}:${CONTAINER.idfPath}`,
      '-v',
      `${r.tools}:${CONTAINER.idfToolsPath}`,
      ...extraArgs
    ],
    timeoutMs: 300_000
  });
  return {
    ...result,
    ms: Date.now() - started,
    mirror: r.idf.http.requests.slice(mirrorBefore),
    index: r.index.requests.slice(indexBefore)
  };
}

/** The commands run after export.sh: where things are, and a probe of the completion call. */
const AFTER_EXPORT = [
  'echo "IDF_PY=$(command -v idf.py)"',
  'echo "IDF_PYTHON_ENV_PATH=${IDF_PYTHON_ENV_PATH-}"',
  'echo "PYTHON=$(command -v python)"',
  'echo "GCC=$(xtensa-esp32-elf-gcc --version | head -n 1)"',
  'printf "int fixture(void) { return 42; }\\n" > /tmp/t.c',
  'xtensa-esp32-elf-gcc -c /tmp/t.c -o /tmp/t.o && echo COMPILED=yes',
  // export.sh (v4.4+) ends with eval "$(env _IDF.PY_COMPLETE=bash_source idf.py)": in a writable
  // directory, see whether idf.py took that for a build.
  'mkdir -p /tmp/probe && cd /tmp/probe && . "$IDF_PATH/export.sh" > /tmp/probe.log 2>&1',
  'echo "PROBE_BUILD=$(test -d /tmp/probe/build && echo yes || echo no)"'
].join('\n');

async function runRef(ref: Ref): Promise<RefRun> {
  const started = Date.now();
  const [idf, index] = await Promise.all([
    createRealIdf({ refs: [ref] }),
    startPackageIndex({ refs: [ref] })
  ]);
  const dir = await makeSharedDir(`esp32-real-idf-${ref}-`);
  const r: RefRun = {
    ref,
    idf,
    index,
    env: realIdfEnv(idf, index),
    dir,
    clone: path.join(dir, 'idf'),
    tools: path.join(dir, 'espressif'),
    fixtureMs: 0
  };
  runs.set(ref, r);
  await git([
    'clone',
    '--quiet',
    '--recurse-submodules',
    '--branch',
    ref,
    `file://${idf.idfRepoUrl}`,
    r.clone
  ]);
  await fs.mkdir(r.tools, { mode: 0o777 });
  await fs.chmod(r.tools, 0o777);
  r.fixtureMs = Date.now() - started;

  r.install = await step(r, [], [`${CONTAINER.idfPath}/install.sh`, 'esp32']);
  if (r.install.code !== 0 || ref.startsWith('v4.')) return r;
  r.exported = await step(r, ['-e', 'ESP32_DEVEL_EXPORT=1'], ['bash', '-c', AFTER_EXPORT]);
  return r;
}

/** Runs fn over items, at most `limit` at a time. */
async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<unknown>
): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
    })
  );
}

/** path -> how many times, for comparing request logs. */
function counts(paths: readonly string[]): Record<string, number> {
  const result: Record<string, number> = {};
  for (const p of paths) result[p] = (result[p] ?? 0) + 1;
  return result;
}

function tail(text: string, lines = 40): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** The output of a step, for failure messages. */
function described(s: Step | undefined): string {
  return s ? `exit ${s.code}\n--- stdout\n${tail(s.stdout)}\n--- stderr\n${tail(s.stderr)}` : '(did not run)';
}

function value(stdout: string, key: string): string | undefined {
  return new RegExp(`^${key}=(.*)$`, 'm').exec(stdout)?.[1];
}

beforeAll(async () => {
  const started = Date.now();
  [image, trap] = await Promise.all([buildTestImage(), startEgressTrap()]);
  await mapLimit(REFS, PARALLEL, runRef);
  totalMs = Date.now() - started;
}, IMAGE_BUILD_TIMEOUT_MS);

afterAll(async () => {
  const lines = [...runs.values()].map(
    (r) =>
      `${r.ref}: fixtures+clone ${r.fixtureMs} ms, install.sh ${r.install?.ms ?? '-'} ms, ` +
      `export.sh ${r.exported?.ms ?? '-'} ms`
  );
  console.log(`real ESP-IDF installs (${totalMs} ms in all, ${PARALLEL} at a time):\n${lines.join('\n')}`);
  await Promise.all(
    [...runs.values()].map(async (r) => {
      await Promise.all([r.idf.close(), r.index.close()]);
      await removeSharedDir(r.dir, image);
    })
  );
  await trap?.close();
}, 120_000);

test('the containers get exactly the mirror and index variables, and nothing left the machine', () => {
  for (const r of runs.values()) {
    const port = new URL(r.idf.http.url).port;
    const indexUrl = `${r.index.url}/simple`;
    expect(r.env).toEqual({
      IDF_MIRROR_PREFIX_MAP:
        `^https://github\\.com,http://127.0.0.1:${port}/github;` +
        `^https://dl\\.espressif\\.com,http://127.0.0.1:${port}/espressif`,
      PIP_INDEX_URL: indexUrl,
      PIP_TRUSTED_HOST: '127.0.0.1',
      IDF_PIP_WHEELS_URL: indexUrl,
      IDF_PATH: '/opt/esp32-devel/esp-idf',
      IDF_TOOLS_PATH: '/opt/esp32-devel/espressif',
      HOME: '/tmp/esp32-home'
    });
  }
  expect(runs.size).toBe(REFS.length);
  expect(trap.requests).toEqual([]);
});

test('the egress trap sees what is not for loopback: urllib, pip and plain http', async () => {
  const probe = await startEgressTrap();
  try {
    const script = [
      'import subprocess, sys, urllib.request',
      "for url in ('https://dl.espressif.com/dl/esp-idf/x.txt', 'http://example.invalid/y'):",
      '    try: urllib.request.urlopen(url, timeout=10)',
      '    except Exception as e: print(type(e).__name__)',
      // The image has no system pip: a venv's, as install.sh makes one (ensurepip needs no network).
      "subprocess.run([sys.executable, '-m', 'venv', '/tmp/venv'], check=True)",
      "subprocess.run(['/tmp/venv/bin/python', '-m', 'pip', 'download', '--no-deps', '--retries', '0', '--timeout', '5',",
      "                '--index-url', 'https://pypi.org/simple', '-d', '/tmp/dl', 'esptool'])"
    ].join('\n');
    const result = await runInImage(image, ['python3', '-c', script], {
      args: realIdfDockerArgs(probe.env, FOREIGN_USER)
    });
    expect(result.code).toBe(0);
    expect([...new Set(probe.requests)].sort()).toEqual([
      'CONNECT dl.espressif.com:443',
      'CONNECT pypi.org:443',
      'GET http://example.invalid/y'
    ]);
  } finally {
    await probe.close();
  }
});

describe.each(REFS)('the fixture repository at %s', (ref) => {
  const get = () => runs.get(ref)!;

  test('has the upstream scripts unchanged, but for tools.json sha256/size and our idf.py', async () => {
    const r = get();
    const upstream = path.join(UPSTREAM_IDF_DIR, ref);
    const { stdout } = await git(['ls-files'], r.clone);
    const tracked = new Set(stdout.trim().split('\n'));
    const upstreamFiles = (await fs.readdir(upstream, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.relative(upstream, path.join(e.parentPath, e.name)));
    const hash = async (file: string) =>
      createHash('sha256')
        .update(await fs.readFile(file))
        .digest('hex');
    for (const rel of upstreamFiles) {
      expect(tracked.has(rel)).toBe(true);
      if (rel === 'tools/idf.py' || rel === 'tools/tools.json') continue;
      expect([rel, await hash(path.join(r.clone, rel))]).toEqual([rel, await hash(path.join(upstream, rel))]);
    }
    // tools.json: the same document once each patched download gets its upstream sha256 and size back.
    const ours = JSON.parse(await fs.readFile(path.join(r.clone, 'tools/tools.json'), 'utf8'));
    const theirs = JSON.parse(await fs.readFile(path.join(upstream, 'tools/tools.json'), 'utf8'));
    const patched = new Map(r.idf.releases[ref].tools.map((t) => [t.url, t]));
    let restored = 0;
    for (const tool of ours.tools) {
      for (const version of tool.versions) {
        for (const download of Object.values(version) as Array<{
          url?: string;
          sha256: string;
          size: number;
        }>) {
          const mine = typeof download === 'object' && download.url ? patched.get(download.url) : undefined;
          if (!mine) continue;
          expect([download.sha256, download.size]).toEqual([mine.sha256, mine.size]);
          const original = theirs.tools
            .find((t: { name: string }) => t.name === tool.name)
            .versions.find((v: { name: string }) => v.name === version.name);
          const entry = Object.values(original).find(
            (d) => typeof d === 'object' && (d as { url?: string }).url === download.url
          ) as { sha256: string; size: number };
          download.sha256 = entry.sha256;
          download.size = entry.size;
          restored++;
        }
      }
    }
    expect(restored).toBeGreaterThanOrEqual(r.idf.releases[ref].tools.length);
    expect(isDeepStrictEqual(ours, theirs)).toBe(true);
  });
});

describe.each(V5)('the real ESP-IDF %s', (ref) => {
  const get = () => runs.get(ref)!;

  test('install.sh esp32 installs every tool from the loopback mirror, each archive once', () => {
    const r = get();
    expect(described(r.install)).toMatch(/^exit 0\n/);
    const release = r.idf.releases[ref];
    expect(release.tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['openocd-esp32', 'esp32ulp-elf', 'xtensa-esp-elf-gdb', 'esp-rom-elfs'])
    );
    for (const tool of release.tools) {
      expect(existsSync(path.join(r.tools, 'tools', tool.name, tool.version))).toBe(true);
      expect(existsSync(path.join(r.tools, 'dist', path.basename(tool.url)))).toBe(true);
    }
    // The constraints file too: from dl.espressif.com, through the same prefix map.
    expect(release.constraints).toBeDefined();
    expect(existsSync(path.join(r.tools, release.constraints!.fileName))).toBe(true);
    expect(counts(r.install!.mirror)).toEqual(
      counts([...release.tools.map((t) => t.mirrorPath), release.constraints!.mirrorPath])
    );
    expect(r.install!.stdout).toContain(
      `Changed download URL: ${release.constraints!.url.replace(/\/[^/]+$/, '')}`
    );
  });

  test('install.sh creates the venv with pip resolving only from the loopback index', async () => {
    const r = get();
    expect(described(r.install)).toMatch(/^exit 0\n/);
    const idfVersion = r.idf.releases[ref].idfVersion;
    const venv = path.join(r.tools, 'python_env', `idf${idfVersion}_py3.11_env`);
    expect(existsSync(path.join(venv, 'bin', 'python'))).toBe(true);
    // What pip installed: every requirement at the version the index resolved it to.
    const sitePackages = path.join(venv, 'lib', 'python3.11', 'site-packages');
    const installed = new Map(
      (await fs.readdir(sitePackages))
        .map((name) => /^(.+)-([^-]+)\.dist-info$/.exec(name))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1].replace(/[-_.]+/g, '-').toLowerCase(), m[2]])
    );
    const resolved = r.index.resolved[ref];
    for (const want of resolved)
      expect([want.normalized, installed.get(want.normalized)]).toEqual([want.normalized, want.version]);

    // venv --upgrade-deps asks for pip and setuptools (already there: Debian's ensurepip wheels); then the
    // requirements install asks once for each project's page, and fetches each wheel not yet installed once.
    const seeded = new Set(['pip', 'setuptools']);
    const expected = [
      ...[...seeded].map((name) => r.index.pagePath(name)),
      ...resolved.map((want) => r.index.pagePath(want.name)),
      ...resolved
        .filter((want) => !seeded.has(want.normalized))
        .map((want) =>
          r.index.filePath(
            r.index.distributions.find((d) => d.normalized === want.normalized && d.version === want.version)!
          )
        )
    ];
    expect(counts(r.install!.index)).toEqual(counts(expected));
    expect(r.install!.stdout).toContain(`Looking in indexes: ${r.env.PIP_INDEX_URL}`);
  });

  test('export.sh puts idf.py, the venv and the compiler on PATH, without a request', () => {
    const r = get();
    const out = r.exported;
    expect(described(out)).toMatch(/^exit 0\n/);
    const env = `${CONTAINER.idfToolsPath}/python_env/idf${r.idf.releases[ref].idfVersion}_py3.11_env`;
    expect(value(out!.stdout, 'IDF_PY')).toBe(`${CONTAINER.idfPath}/tools/idf.py`);
    expect(value(out!.stdout, 'IDF_PYTHON_ENV_PATH')).toBe(env);
    expect(value(out!.stdout, 'PYTHON')).toBe(`${env}/bin/python`);
    const xtensa = r.idf.releases[ref].tools.find((t) => /^xtensa-esp(32)?-elf$/.test(t.name))!;
    expect(value(out!.stdout, 'GCC')).toContain(`(crosstool-NG ${xtensa.version.replace(/-[\d.]+$/, '')})`);
    expect(value(out!.stdout, 'COMPILED')).toBe('yes');
    expect(value(out!.stdout, 'PROBE_BUILD')).toMatch(/^(yes|no)$/);
    expect(out!.mirror).toEqual([]);
    expect(out!.index).toEqual([]);
  });

  // export.sh ends with eval "$(env LANG=en _IDF.PY_COMPLETE=bash_source idf.py)" (v4.4–v5.3 in
  // export.sh, v5.4+ in the script activate.py writes): the idf.py double must not take it for a build.
  test('export.sh’s shell-completion call of idf.py does not start a build', () => {
    const out = get().exported;
    expect(described(out)).toMatch(/^exit 0\n/);
    expect(value(out!.stdout, 'PROBE_BUILD')).toBe('no');
  });
});

describe.each(V4)('the real ESP-IDF %s on bookworm', (ref) => {
  const get = () => runs.get(ref)!;

  test('installs every tool through the prefix map (dl.espressif.com too), then has no pip to get virtualenv with', () => {
    const r = get();
    const release = r.idf.releases[ref];
    expect(r.install?.code).not.toBe(0);
    // It would pip install --user virtualenv: the image has no system pip, and PEP 668 would refuse it.
    expect(`${r.install!.stdout}\n${r.install!.stderr}`).toMatch(
      /No module named pip|externally-managed-environment/
    );
    expect(r.install!.stdout).toContain('Installing virtualenv');
    for (const tool of release.tools) {
      expect(existsSync(path.join(r.tools, 'tools', tool.name, tool.version))).toBe(true);
    }
    expect(release.constraints).toBeUndefined();
    // v4.0.2 fetches its toolchain from dl.espressif.com and ignores IDF_GITHUB_ASSETS: the prefix map covers it.
    const fromDl = release.tools.filter((t) => t.url.startsWith('https://dl.espressif.com/'));
    expect(fromDl.map((t) => t.name)).toEqual(ref === 'v4.0.2' ? ['xtensa-esp32-elf', 'esp32ulp-elf'] : []);
    expect(counts(r.install!.mirror)).toEqual(counts(release.tools.map((t) => t.mirrorPath)));
    // Without a pip to run, nothing asks the index.
    expect(r.install!.index).toEqual([]);
  });
});
