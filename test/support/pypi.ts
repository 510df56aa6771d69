/**
 * A loopback Python package index for the real ESP-IDF installers: a PEP 503
 * "simple" index over HTTP on 127.0.0.1, serving
 *   - stub wheels (a .dist-info and nothing else, no dependencies,
 *     py3-none-any) for every name in each ref's requirements, at a version
 *     that satisfies the requirement and, for v5, the constraints file;
 *   - real code where the real scripts import it, built from Debian's
 *     python3-* packages installed on this host: packaging (v5's
 *     check_python_dependencies.py), click (v5 export.sh and export_utils),
 *     rich and psutil (v5.4+'s export_utils), and their Python dependencies;
 *   - Debian's own pip, setuptools (< 82: v4's checker imports pkg_resources)
 *     and wheel, which `venv --upgrade-deps` and virtualenv ask for;
 *   - static files: the v5 constraints files `espidf.constraints.vX.Y.txt`,
 *     at /espressif/dl/esp-idf/<file> (the dl.espressif.com layout under the
 *     same prefix the tool mirror of ./real-idf.ts uses).
 * Every request path is logged in `requests`.
 *
 * The wheels are built by fixtures/pypi/make_wheels.py, run with Debian's
 * /usr/bin/python3: the host needs python3-packaging, python3-click,
 * python3-rich, python3-psutil (which bring python3-markdown-it,
 * python3-mdurl, python3-pygments), python3-pip-whl, python3-setuptools-whl
 * and python3-wheel-whl.
 *
 * pip refuses a plain-http index unless the host is trusted: containers need
 * PIP_TRUSTED_HOST=127.0.0.1 along with PIP_INDEX_URL (see realIdfEnv in
 * ./real-idf.ts).
 */
import { promises as fs } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../src/exec.js';
import { PROJECT } from './project.js';

/** The ESP-IDF refs whose scripts are in ../shared/upstream/esp-idf. */
export const UPSTREAM_IDF_REFS = ['v4.0.2', 'v4.4', 'v5.0.4', 'v5.2.2', 'v5.4.2', 'v5.5.1'] as const;
export type UpstreamIdfRef = (typeof UPSTREAM_IDF_REFS)[number];

/** Unchanged copies of ESP-IDF's installer scripts, one directory per ref. */
export const UPSTREAM_IDF_DIR = path.resolve(PROJECT, '..', 'shared', 'upstream', 'esp-idf');

const FIXTURES = path.join(PROJECT, 'test', 'support', 'fixtures');
const CONSTRAINTS_DIR = path.join(FIXTURES, 'esp-idf-constraints');
const MAKE_WHEELS = path.join(FIXTURES, 'pypi', 'make_wheels.py');
/** Debian's interpreter: it sees the python3-* packages the wheels are made from. */
const DEBIAN_PYTHON = '/usr/bin/python3';

/** Debian packages whose code is served as real wheels (with their Python dependencies). */
export const DEBIAN_PYTHON_PACKAGES = [
  'python3-packaging',
  'python3-click',
  'python3-rich',
  'python3-markdown-it',
  'python3-mdurl',
  'python3-pygments',
  'python3-psutil'
] as const;
/** Seed wheels, served as Debian ships them (python3-pip-whl, python3-setuptools-whl, python3-wheel-whl). */
const SEED_WHEELS = ['pip', 'setuptools', 'wheel'].map((name) => `/usr/share/python-wheels/${name}-*.whl`);

/** Where install.sh fetches the constraints file from (IDF_DL_URL in idf_tools.py). */
export const CONSTRAINTS_BASE_URL = 'https://dl.espressif.com/dl/esp-idf';
/** The constraints URL's path under a mirror prefix (`/espressif` stands for https://dl.espressif.com). */
export const CONSTRAINTS_MIRROR_DIR = '/espressif/dl/esp-idf';

export interface ServedDistribution {
  /** Project name as in its metadata. */
  name: string;
  /** PEP 503 normalized name: the /simple/<normalized>/ page. */
  normalized: string;
  version: string;
  /** Wheel file name; served at /files/<file>. */
  file: string;
  sha256: string;
  size: number;
  /** stub: metadata only; debian: code from a Debian package; seed: Debian's pip/setuptools/wheel wheel. */
  origin: 'stub' | 'debian' | 'seed';
  /** Refs whose requirements resolve to this distribution. */
  refs: string[];
}

export interface ResolvedRequirement {
  name: string;
  normalized: string;
  version: string;
  origin: ServedDistribution['origin'];
}

export interface PackageIndex {
  /** http://127.0.0.1:PORT */
  url: string;
  /** http://127.0.0.1:PORT/simple: PIP_INDEX_URL and IDF_PIP_WHEELS_URL. */
  simpleUrl: string;
  /** "127.0.0.1": PIP_TRUSTED_HOST. */
  trustedHost: string;
  /** Path (and query) of every request, in order. */
  requests: string[];
  distributions: ServedDistribution[];
  /** Ref -> what pip must end up installing for its requirements (and the real wheels' dependencies). */
  resolved: Record<string, ResolvedRequirement[]>;
  /** Constraints file name -> content, for the v5 refs asked for. */
  constraints: Map<string, string>;
  /** The /simple/<name>/ path of a project. */
  pagePath(name: string): string;
  /** The /files/<file> path of a served distribution. */
  filePath(dist: ServedDistribution): string;
  close(): Promise<void>;
}

export interface PackageIndexOptions {
  refs: readonly string[];
  /** The Python that will install (major.minor), for requirement markers. Default '3.11' (the image's). */
  python?: string;
  /** Address to bind; URLs always name 127.0.0.1. Default '127.0.0.1'. */
  host?: string;
  /**
   * More Debian python3-* packages (installed on the host) to serve as real
   * wheels, e.g. python3-virtualenv for v4's `pip install --user virtualenv`
   * on an image without PEP 668.
   */
  extraDebianPackages?: readonly string[];
}

/** PEP 503 normalization. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** The requirements files install.sh installs for a ref (v4: requirements.txt; v5: the core feature). */
export function requirementFiles(ref: string): string[] {
  const dir = path.join(UPSTREAM_IDF_DIR, ref);
  return ref.startsWith('v4.')
    ? [path.join(dir, 'requirements.txt')]
    : [path.join(dir, 'tools', 'requirements', 'requirements.core.txt')];
}

/** "5.2" for v5.2.2: the ESP-IDF version idf_tools.py names files after. */
export function idfMinorVersion(ref: string): string {
  const match = /^v(\d+)\.(\d+)/.exec(ref);
  if (!match) throw new Error(`Not an ESP-IDF release tag: ${ref}`);
  return `${match[1]}.${match[2]}`;
}

/**
 * The constraints file install.sh downloads for a ref (v5 on), written for
 * the tests in fixtures/esp-idf-constraints; undefined for v4 (none).
 */
export async function constraintsFile(
  ref: string
): Promise<{ fileName: string; content: string } | undefined> {
  if (ref.startsWith('v4.')) return undefined;
  const fileName = `espidf.constraints.v${idfMinorVersion(ref)}.txt`;
  const content = await fs.readFile(path.join(CONSTRAINTS_DIR, fileName), 'utf8').catch(() => {
    throw new Error(`No constraints file for ${ref}: write ${path.join(CONSTRAINTS_DIR, fileName)}`);
  });
  return { fileName, content };
}

interface WheelReport {
  distributions: ServedDistribution[];
  resolved: Record<string, ResolvedRequirement[]>;
}

async function buildWheels(
  root: string,
  refs: readonly string[],
  python: string,
  debian: readonly string[]
): Promise<WheelReport> {
  const specRefs = await Promise.all(
    refs.map(async (ref) => {
      const constraints = await constraintsFile(ref);
      return {
        ref,
        requirements: requirementFiles(ref),
        constraints: constraints ? path.join(CONSTRAINTS_DIR, constraints.fileName) : null
      };
    })
  );
  const spec = {
    out: path.join(root, 'files'),
    environment: {
      python_version: python,
      python_full_version: `${python}.0`,
      sys_platform: 'linux',
      platform_system: 'Linux',
      platform_machine: 'x86_64',
      os_name: 'posix',
      implementation_name: 'cpython',
      platform_python_implementation: 'CPython'
    },
    debian,
    seeds: SEED_WHEELS,
    refs: specRefs
  };
  const specFile = path.join(root, 'spec.json');
  await fs.writeFile(specFile, JSON.stringify(spec));
  const result = await run(DEBIAN_PYTHON, [MAKE_WHEELS, specFile], { allowFailure: true });
  if (result.code !== 0) {
    throw new Error(
      `${MAKE_WHEELS} failed (exit ${result.code}): ${result.stderr.trim()}\n` +
        `The loopback package index needs Debian's ${DEBIAN_PYTHON} and these packages: ` +
        `${[...debian, 'python3-pip-whl', 'python3-setuptools-whl', 'python3-wheel-whl'].join(' ')}`
    );
  }
  return JSON.parse(result.stdout) as WheelReport;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function projectPage(name: string, dists: ServedDistribution[]): string {
  const links = dists
    .map(
      (d) =>
        `    <a href="../../files/${escapeHtml(d.file)}#sha256=${d.sha256}">${escapeHtml(d.file)}</a><br/>`
    )
    .join('\n');
  return `<!DOCTYPE html>\n<html>\n  <head><meta name="pypi:repository-version" content="1.0"><title>Links for ${escapeHtml(name)}</title></head>\n  <body>\n    <h1>Links for ${escapeHtml(name)}</h1>\n${links}\n  </body>\n</html>\n`;
}

function rootPage(names: string[]): string {
  const links = names.map((n) => `    <a href="${n}/">${n}</a><br/>`).join('\n');
  return `<!DOCTYPE html>\n<html>\n  <head><meta name="pypi:repository-version" content="1.0"><title>Simple index</title></head>\n  <body>\n${links}\n  </body>\n</html>\n`;
}

/** Starts the index; close() stops it and deletes its files. */
export async function startPackageIndex(options: PackageIndexOptions): Promise<PackageIndex> {
  const refs = [...new Set(options.refs)];
  const root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'esp32-pypi-')));
  try {
    const debian = [...new Set([...DEBIAN_PYTHON_PACKAGES, ...(options.extraDebianPackages ?? [])])];
    const report = await buildWheels(root, refs, options.python ?? '3.11', debian);
    const byName = new Map<string, ServedDistribution[]>();
    for (const dist of report.distributions) {
      byName.set(dist.normalized, [...(byName.get(dist.normalized) ?? []), dist]);
    }
    const pages = new Map<string, string>();
    for (const [name, dists] of byName) pages.set(`/simple/${name}/`, projectPage(dists[0].name, dists));
    pages.set('/simple/', rootPage([...byName.keys()].sort()));
    const files = new Map(
      report.distributions.map((d) => [`/files/${d.file}`, path.join(root, 'files', d.file)])
    );

    const constraints = new Map<string, string>();
    for (const ref of refs) {
      const found = await constraintsFile(ref);
      if (found) constraints.set(found.fileName, found.content);
    }
    const statics = new Map(
      [...constraints].map(([name, text]) => [`${CONSTRAINTS_MIRROR_DIR}/${name}`, text])
    );

    const requests: string[] = [];
    const server = createServer((req, res) => {
      const target = req.url ?? '/';
      requests.push(target);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      let pathname: string;
      try {
        pathname = decodeURIComponent(new URL(target, 'http://index').pathname);
      } catch {
        res.writeHead(400).end();
        return;
      }
      const send = (type: string, body: Buffer) => {
        res.writeHead(200, { 'content-type': type, 'content-length': body.length });
        res.end(req.method === 'HEAD' ? undefined : body);
      };
      if (/^\/simple\/[^/]+$/.test(pathname)) {
        res.writeHead(301, { location: `${pathname}/` }).end();
        return;
      }
      const normalizedPage = pathname.replace(
        /^\/simple\/([^/]+)\/$/,
        (_, n: string) => `/simple/${normalizeName(n)}/`
      );
      const page = pages.get(normalizedPage);
      if (page !== undefined) return send('text/html; charset=utf-8', Buffer.from(page));
      const text = statics.get(pathname);
      if (text !== undefined) return send('text/plain; charset=utf-8', Buffer.from(text));
      const file = files.get(pathname);
      if (file === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('404 Not Found\n');
        return;
      }
      fs.readFile(file).then(
        (body) => send('application/octet-stream', body),
        () => res.writeHead(500).end()
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, options.host ?? '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}`;
    let closing: Promise<void> | undefined;
    return {
      url,
      simpleUrl: `${url}/simple`,
      trustedHost: '127.0.0.1',
      requests,
      distributions: report.distributions,
      resolved: report.resolved,
      constraints,
      pagePath: (name) => `/simple/${normalizeName(name)}/`,
      filePath: (dist) => `/files/${dist.file}`,
      close: () => {
        closing ??= (async () => {
          await new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          });
          await fs.rm(root, { recursive: true, force: true });
        })();
        return closing;
      }
    };
  } catch (error) {
    await fs.rm(root, { recursive: true, force: true });
    throw error;
  }
}
