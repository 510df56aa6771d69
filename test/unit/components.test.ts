import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  cachedPath,
  covers,
  parseLock,
  registryHosts,
  UNREACHABLE_STORAGE
} from '../../src/pipeline/component-locks.js';
import { keepComponents, offlineIfCovered, readyComponents } from '../../src/pipeline/component-cache.js';
import { componentFailureHint } from '../../src/pipeline/mirrors.js';
import type { Log } from '../../src/ports.js';

const HASH = 'a'.repeat(64);
/** A lock as idf-component-manager 2.x writes it (MicroPython v1.26.1's shape). */
const LOCK = `dependencies:
  espressif/mdns:
    component_hash: ${HASH}
    dependencies:
    - name: idf
      require: private
      version: '>=5.0'
    source:
      registry_url: https://components.espressif.com/
      type: service
    version: 1.1.0
  espressif/tinyusb:
    component_hash: null
    source:
      git: https://github.com/hathach/tinyusb.git
      path: .
      type: git
    version: 5b2b1e6
  idf:
    source:
      type: idf
    version: 5.5.1
direct_dependencies:
- espressif/mdns
- idf
manifest_hash: ${'0'.repeat(64)}
target: esp32s3
version: 2.0.0
`;

function quietLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(m),
    warning: (m) => lines.push(`warning: ${m}`),
    debug: () => {},
    output: () => {}
  };
}

describe('a dependencies.lock', () => {
  const lock = parseLock(LOCK);

  it('names each component with its version, hash, source type and registry', () => {
    expect(lock.target).toBe('esp32s3');
    expect(lock.components).toEqual([
      {
        name: 'espressif/mdns',
        version: '1.1.0',
        hash: HASH,
        type: 'service',
        registryUrl: 'https://components.espressif.com/'
      },
      { name: 'espressif/tinyusb', version: '5b2b1e6', hash: '', type: 'git' },
      { name: 'idf', version: '5.5.1', hash: '', type: 'idf' }
    ]);
  });

  it("places a registry component where the manager caches it (service_d92d8f1e for Espressif's registry)", () => {
    expect(cachedPath(lock.components[0])).toBe(`service_d92d8f1e/espressif__mdns_1.1.0_${HASH.slice(0, 8)}`);
  });

  it('is covered only when every downloaded component is in the cache', () => {
    const mdns = cachedPath(lock.components[0]);
    expect(covers([lock], { paths: new Set([mdns]), gitMirrors: true })).toBe(true);
    expect(covers([lock], { paths: new Set([mdns]), gitMirrors: false })).toBe(false);
    expect(covers([lock], { paths: new Set(), gitMirrors: true })).toBe(false);
    expect(covers([], { paths: new Set([mdns]), gitMirrors: true })).toBe(false);
  });

  it("keeps a covered build away from every host of Espressif's registry and of a named mirror, not from IP literals", () => {
    expect(registryHosts([lock], 'https://mirror.example/components')).toEqual([
      'api.components.espressif.com',
      'components-file.espressif.com',
      'components.espressif.com',
      'mirror.example'
    ]);
    expect(
      registryHosts([parseLock(LOCK.replace('https://components.espressif.com/', 'http://127.0.0.1:8080/'))])
    ).toEqual([]);
  });
});

describe('the component cache around a build', () => {
  let root: string;
  let tree: string;
  let cache: string;
  const component = `service_d92d8f1e/espressif__mdns_1.1.0_${HASH.slice(0, 8)}`;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'components-'));
    tree = path.join(root, 'micropython');
    cache = path.join(root, 'cache');
    await mkdir(path.join(tree, 'ports/esp32'), { recursive: true });
    await mkdir(path.join(cache, component), { recursive: true });
    await writeFile(path.join(cache, component, 'mdns.c'), 'int mdns;\n');
    await mkdir(path.join(cache, 'service_d92d8f1e/espressif__mdns_1.0.9_bbbbbbbb'), { recursive: true });
    await writeFile(path.join(cache, 'service_d92d8f1e/espressif__mdns_1.0.9_bbbbbbbb/mdns.c'), 'old\n');
    await writeFile(
      path.join(tree, 'ports/esp32/dependencies.lock'),
      LOCK.replace(/ {2}espressif\/tinyusb:[\s\S]*?(?= {2}idf:)/, '')
    );
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('after a build: prunes what the lock does not name, keeps the lock, records the rest', async () => {
    await keepComponents(cache, tree, ['esp32s3'], quietLog());
    await expect(
      readFile(path.join(cache, 'service_d92d8f1e/espressif__mdns_1.0.9_bbbbbbbb/mdns.c'))
    ).rejects.toThrow();
    await expect(readFile(path.join(cache, component, 'mdns.c'), 'utf8')).resolves.toBe('int mdns;\n');
    expect(await offlineIfCovered(cache, tree, ['esp32s3'], undefined)).toEqual({
      storage: UNREACHABLE_STORAGE,
      hosts: ['api.components.espressif.com', 'components-file.espressif.com', 'components.espressif.com']
    });
    // Another chip's build does not count this lock.
    expect(await offlineIfCovered(cache, tree, ['esp32'], undefined)).toBeUndefined();
  });

  it('on a fresh tree: puts the kept lock back; a corrupt component is evicted and the build asks the registry', async () => {
    await keepComponents(cache, tree, ['esp32s3'], quietLog());
    const fresh = path.join(root, 'fresh');
    await mkdir(path.join(fresh, 'ports/esp32'), { recursive: true });
    const log = quietLog();
    expect(await readyComponents(cache, fresh, ['esp32s3'], undefined, log)).toBeDefined();
    await expect(readFile(path.join(fresh, 'ports/esp32/dependencies.lock'), 'utf8')).resolves.toContain(
      'espressif/mdns:'
    );

    await writeFile(path.join(cache, component, 'mdns.c'), 'int evil;\n');
    const again = quietLog();
    expect(await readyComponents(cache, fresh, ['esp32s3'], undefined, again)).toBeUndefined();
    expect(again.lines.join('\n')).toMatch(
      /warning: The cached component .*espressif__mdns_1\.1\.0.* removed/
    );
    await expect(readFile(path.join(cache, component, 'mdns.c'))).rejects.toThrow();
  });

  it("a git dependency's restored mirror is dated ahead, so the manager does not fetch it during the build", async () => {
    await writeFile(path.join(tree, 'ports/esp32/dependencies.lock'), LOCK);
    await mkdir(path.join(cache, 'b_git_0123abcd'), { recursive: true });
    await writeFile(path.join(cache, 'b_git_0123abcd', 'FETCH_HEAD'), '');
    await utimes(path.join(cache, 'b_git_0123abcd', 'FETCH_HEAD'), new Date(0), new Date(0));
    await keepComponents(cache, tree, ['esp32s3'], quietLog());
    expect(await readyComponents(cache, tree, ['esp32s3'], undefined, quietLog())).toBeDefined();
    expect((await stat(path.join(cache, 'b_git_0123abcd', 'FETCH_HEAD'))).mtimeMs).toBeGreaterThan(
      Date.now() + 3600_000
    );
  });

  it('a cache with no record of this tool is not trusted to build without the registry, and not evicted', async () => {
    expect(await readyComponents(cache, tree, ['esp32s3'], undefined, quietLog())).toBeUndefined();
    await expect(readFile(path.join(cache, component, 'mdns.c'), 'utf8')).resolves.toBe('int mdns;\n');
  });
});

describe('a build that could not reach the registry', () => {
  it('names the component, the host and the mirror input', () => {
    const output = [
      'NOTICE: Processing 2 dependencies:',
      "ERROR: HTTPSConnectionPool(host='components-file.espressif.com', port=443): Max retries exceeded with url: /components/espressif/mdns.json (Caused by NameResolutionError)",
      "CMake Error: Failed to resolve component 'espressif/mdns'"
    ].join('\n');
    expect(componentFailureHint(output)).toMatch(
      /could not reach components-file\.espressif\.com \(port 443\) to fetch espressif\/mdns.*component-registry-mirror/
    );
    expect(componentFailureHint('main.c:3: error: expected ;')).toBeUndefined();
  });
});
