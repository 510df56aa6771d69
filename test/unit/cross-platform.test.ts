/**
 * macOS and Windows, decided here with the platform passed in: paths in the
 * container, the user the containers run as, the store, and the board's port.
 */
import { buildContainer, installContainer, treeMounts, type BuildPlan } from '../../src/pipeline/build.js';
import { dockerRunArgs } from '../../src/pipeline/docker.js';
import { containerPath, HostPathError, hostPathsOf } from '../../src/pipeline/host-paths.js';
import { requestedSubmodules, SUBMODULE_MARK } from '../../src/pipeline/submodules.js';
import { callerUser, containerUsers } from '../../src/pipeline/users.js';
import { develRoot } from '../../src/cli/store.js';
import { startsGroup } from '../../src/exec.js';
import { platformConfig } from '../../src/git.js';

describe('host paths in the container', () => {
  it('Linux and macOS: a path is mounted at itself', () => {
    expect(hostPathsOf('linux')).toBeUndefined();
    expect(hostPathsOf('darwin')).toBeUndefined();
    expect(containerPath('/Users/me/src/micropython', hostPathsOf('darwin'))).toBe(
      '/Users/me/src/micropython'
    );
    expect(containerPath('/home/me/a:b', undefined)).toBe('/home/me/a:b');
  });

  it('Windows: a drive path at /<drive>/…, the drive in lower case, slashes either way', () => {
    const win = hostPathsOf('win32');
    expect(win).toBe('windows');
    expect(containerPath('C:\\Users\\me\\src\\micropython', win)).toBe('/c/Users/me/src/micropython');
    expect(containerPath('d:/work/mp/', win)).toBe('/d/work/mp');
    expect(containerPath('C:\\Users\\me\\src\\..\\mp', win)).toBe('/c/Users/me/mp');
    expect(containerPath('C:\\', win)).toBe('/c');
  });

  it('Windows: a network share or a relative path is refused with what to do', () => {
    for (const bad of ['\\\\server\\share\\mp', 'src\\mp', 'C:mp']) {
      expect(() => containerPath(bad, 'windows')).toThrow(HostPathError);
    }
    expect(() => containerPath('\\\\server\\share\\mp', 'windows')).toThrow(/Move it to a local drive/);
  });
});

describe('docker argv on Windows', () => {
  const base = { image: 'i', name: 'n', env: {}, command: [] };

  it('mounts go as --mount, whose source keeps its drive ":"', () => {
    const args = dockerRunArgs({
      ...base,
      hostPaths: 'windows',
      mounts: [
        { host: 'C:\\Users\\me\\mp', container: '/c/Users/me/mp' },
        { host: 'C:\\Users\\me\\esp32-devel\\idf', container: '/opt/esp32-devel/esp-idf', readonly: true }
      ]
    });
    expect(args).toContain('type=bind,source=C:\\Users\\me\\mp,target=/c/Users/me/mp');
    expect(args).toContain(
      'type=bind,source=C:\\Users\\me\\esp32-devel\\idf,target=/opt/esp32-devel/esp-idf,readonly'
    );
    expect(args.filter((a) => a === '--mount')).toHaveLength(2);
    expect(args).not.toContain('-v');
  });

  it('a source with "," or \'"\', or not on a drive, is refused; the container side as everywhere', () => {
    const mount = (host: string, container = '/c/x') =>
      dockerRunArgs({ ...base, hostPaths: 'windows', mounts: [{ host, container }] });
    expect(() => mount('C:\\a,b')).toThrow(/without ',' or '"'/);
    expect(() => mount('C:\\a"b')).toThrow(/without ',' or '"'/);
    expect(() => mount('\\\\server\\share')).toThrow(/only a path on a drive/);
    expect(() => mount('C:\\a:b')).toThrow(/only a path on a drive/);
    expect(() => mount('C:\\a', '/c/a:b')).toThrow(/contains ':'/);
  });

  it('Linux is unchanged: -v host:container, and a ":" refused', () => {
    const args = dockerRunArgs({ ...base, mounts: [{ host: '/a', container: '/a', readonly: true }] });
    expect(args).toContain('-v');
    expect(args).toContain('/a:/a:ro');
    expect(() => dockerRunArgs({ ...base, mounts: [{ host: 'C:\\a', container: '/c/a' }] })).toThrow(
      /contains ':'/
    );
  });
});

describe('the build containers of a Windows host', () => {
  const tree = 'C:\\Users\\me\\src\\micropython';
  const plan: BuildPlan = {
    tree,
    gitEntries: [`${tree}\\.git`, `${tree}\\lib\\berkeley-db-1.xx\\.git`],
    resolution: { buildSystem: 'cmake', board: 'ESP32_GENERIC', portSubmodules: true },
    jobs: 4,
    makeArgs: [],
    targets: ['all'],
    image: 'esp32-devel:abc',
    idfPath: 'C:\\Users\\me\\esp32-devel\\idf\\v5.2.2\\esp-idf',
    toolsPath: 'C:\\Users\\me\\esp32-devel\\idf\\v5.2.2\\espressif',
    idfEntry: { dir: 'C:\\Users\\me\\esp32-devel\\idf\\v5.2.2', key: 'k' },
    hostPaths: 'windows'
  };

  it('the tree and its .git entries at their /c/… names, the workdir too, no --user', () => {
    const spec = buildContainer(plan, 'esp32-build-make-1');
    expect(spec.workdir).toBe('/c/Users/me/src/micropython');
    expect(spec.hostPaths).toBe('windows');
    expect(treeMounts(plan)).toEqual([
      { host: tree, container: '/c/Users/me/src/micropython' },
      { host: `${tree}\\.git`, container: '/c/Users/me/src/micropython/.git', readonly: true },
      {
        host: `${tree}\\lib\\berkeley-db-1.xx\\.git`,
        container: '/c/Users/me/src/micropython/lib/berkeley-db-1.xx/.git',
        readonly: true
      }
    ]);
    const args = dockerRunArgs(spec);
    expect(args).not.toContain('--user');
    expect(args).toContain(`type=bind,source=${plan.idfPath},target=/opt/esp32-devel/esp-idf,readonly`);
    expect(args.slice(args.indexOf('--workdir'), args.indexOf('--workdir') + 2)).toEqual([
      '--workdir',
      '/c/Users/me/src/micropython'
    ]);
    // What to remove is said as this machine names it.
    expect(spec.env.ESP32_DEVEL_IDF_ENTRY).toBe(plan.idfEntry!.dir);
  });

  it('install.sh mounts ESP-IDF and its tools with --mount', () => {
    const spec = installContainer(
      {
        image: 'i',
        idfPath: plan.idfPath,
        toolsPath: plan.toolsPath,
        chips: ['esp32'],
        hostPaths: 'windows'
      },
      'n'
    );
    const args = dockerRunArgs(spec);
    expect(args).toContain(`type=bind,source=${plan.toolsPath},target=/opt/esp32-devel/espressif`);
    expect(args).not.toContain('--user');
  });

  it('the submodules the port names are read against the tree as the container names it', () => {
    const output = `${SUBMODULE_MARK}\t/c/Users/me/src/micropython\tlib/berkeley-db-1.xx\n`;
    expect(requestedSubmodules(output, containerPath(tree, 'windows'))).toEqual({
      paths: ['lib/berkeley-db-1.xx'],
      refused: []
    });
  });

  it('Linux: the same plan without hostPaths keeps the tree at its own path and no hostPaths field', () => {
    const linux: BuildPlan = { ...plan, tree: '/home/me/mp', gitEntries: [], hostPaths: undefined };
    const spec = buildContainer({ ...linux, user: { uid: 1000, gid: 1000 } }, 'n');
    expect(spec.workdir).toBe('/home/me/mp');
    expect('hostPaths' in spec).toBe(false);
    expect(treeMounts(linux)).toEqual([{ host: '/home/me/mp', container: '/home/me/mp' }]);
  });
});

describe('who the containers run as, per platform', () => {
  it('Linux and macOS: this process’s uid and gid (1000 when unknown, as before)', () => {
    expect(callerUser('linux', { uid: 1001, gid: 118 })).toEqual({ uid: 1001, gid: 118 });
    expect(callerUser('darwin', { uid: 501, gid: 20 })).toEqual({ uid: 501, gid: 20 });
    expect(callerUser('linux', {})).toEqual({ uid: 1000, gid: 1000 });
  });

  it('Windows: none, so the image’s own user; nothing handed over, nothing said', () => {
    expect(callerUser('win32', { uid: undefined, gid: undefined })).toBeUndefined();
    expect(containerUsers(undefined, { uid: 0, gid: 0 })).toEqual({});
  });
});

describe('the store and processes, per platform', () => {
  it('$HOME/esp32-devel, or %USERPROFILE%\\esp32-devel on Windows', () => {
    expect(develRoot('/home/me', 'linux')).toBe('/home/me/esp32-devel');
    expect(develRoot('/Users/me', 'darwin')).toBe('/Users/me/esp32-devel');
    expect(develRoot('C:\\Users\\me', 'win32')).toBe('C:\\Users\\me\\esp32-devel');
  });

  it('git checks files out as committed on Windows (a container runs them), as it always has elsewhere', () => {
    expect(platformConfig('win32')).toEqual(['-c', 'core.autocrlf=false', '-c', 'core.eol=lf']);
    expect(platformConfig('linux')).toEqual([]);
    expect(platformConfig('darwin')).toEqual([]);
  });

  it('a cancellable command leads a process group, except on Windows, which has none', () => {
    expect(startsGroup(true, 'linux')).toBe(true);
    expect(startsGroup(true, 'darwin')).toBe(true);
    expect(startsGroup(true, 'win32')).toBe(false);
    expect(startsGroup(false, 'linux')).toBe(false);
  });
});
