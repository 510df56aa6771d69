/**
 * End to end: the bundled CLI (dist/cli/index.js; run `npm run build` first)
 * as a developer would run it: a non-root user in the docker group (and, for
 * the board, the dialout group), a fresh $HOME per scenario, a real Docker
 * engine, the fixture upstreams on loopback, and a pseudo-terminal standing in
 * for the board on a USB serial adapter.
 */
import { jest } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../src/exec.js';
import { hostName } from '../../src/pipeline/partials.js';
import {
  BOOKWORM_TEST_BUILD_ARGS,
  buildArgOptions,
  requireBullseyeBase,
  requireDocker
} from '../support/docker.js';
import { createMicroPythonTree, type FixtureTree } from '../support/micropython-tree.js';
import { dockerGid, PROJECT } from '../support/runner.js';
import { startFakeEsp32 } from '../support/fake-esp32.js';
import { killTree, until } from '../support/faults.js';
import { groupId, openPseudoTerminal, type PseudoTerminal } from '../support/serial.js';
import { createUpstreams, type FixtureUpstreams } from '../support/upstreams.js';

jest.setTimeout(15 * 60_000);

const CLI = path.join(PROJECT, 'dist', 'cli', 'index.js');

interface Who {
  uid: number;
  gid: number;
  groups: number[];
}

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let upstreams: FixtureUpstreams;
let scratch: string;
let dialout: number;
/** A developer: in the docker group and the dialout group. */
let developer: Who;
/** The same developer before being added to dialout. */
let noDialout: Who;

interface CliOptions {
  home: string;
  cwd?: string;
  user?: Who;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** A pipe to type into (the monitor); otherwise stdin is closed. */
  stdin?: boolean;
}

function startCli(args: string[], options: CliOptions): { child: ChildProcess; done: Promise<CliResult> } {
  const user = options.user ?? developer;
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: options.home,
    LANG: 'C.UTF-8',
    ...options.env
  };
  const child = spawn(
    'setpriv',
    [
      `--reuid=${user.uid}`,
      `--regid=${user.gid}`,
      `--groups=${user.groups.join(',')}`,
      process.execPath,
      CLI,
      ...args
    ],
    { cwd: options.cwd ?? options.home, env, stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] }
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 10 * 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

function cli(args: string[], options: CliOptions): Promise<CliResult> {
  return startCli(args, options).done;
}

/** Fails with the whole output, which says what went wrong. */
function expectSuccess(result: CliResult): void {
  if (result.code !== 0)
    throw new Error(`exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
}

async function chown(dir: string, who: Who = developer): Promise<void> {
  await run('chown', ['-R', `${who.uid}:${who.gid}`, dir]);
}

/** A fresh $HOME owned by the developer. */
async function newHome(name: string): Promise<string> {
  const home = path.join(scratch, name);
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  await chown(home);
  return home;
}

async function newTree(
  home: string,
  shape: Parameters<typeof createMicroPythonTree>[1]['shape'],
  idfPin?: string,
  git = true
): Promise<FixtureTree> {
  const tree = await createMicroPythonTree(path.join(home, 'src', 'micropython'), { shape, idfPin, git });
  await chown(home);
  return tree;
}

/** Everything under dir, relative, for "nothing was left behind" checks. */
function listAll(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  const walk = (d: string, prefix: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      found.push(prefix + entry.name);
      if (entry.isDirectory()) walk(path.join(d, entry.name), `${prefix}${entry.name}/`);
    }
  };
  walk(dir, '');
  return found;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  await requireDocker();
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first.`);
  scratch = await mkdtemp(path.join(os.tmpdir(), 'e2e-cli-'));
  dialout = groupId('dialout');
  developer = { uid: 1001, gid: 1001, groups: [dockerGid(), dialout] };
  noDialout = { uid: 1001, gid: 1001, groups: [dockerGid()] };
  upstreams = await createUpstreams();
  await chown(upstreams.root);
  for (let dir = upstreams.root; dir !== path.dirname(dir); dir = path.dirname(dir))
    await run('chmod', ['a+x', dir]);
  await run('chmod', ['a+rx', scratch]);
});

afterAll(async () => {
  await upstreams?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** The options that point every upstream at the fixtures. */
const modernOptions = () => [
  '--idf-repo',
  `file://${upstreams.idfRepoUrl}`,
  '--idf-tools-mirror',
  upstreams.assetsMirror,
  '--component-registry-mirror',
  upstreams.registry.url,
  '--network',
  'host',
  ...buildArgOptions(BOOKWORM_TEST_BUILD_ARGS)
];

describe('the command line itself', () => {
  it('prints help for every command, and refuses unknown commands and options with exit 2', async () => {
    const home = await newHome('usage');
    const help = await cli(['--help'], { home });
    expect(help.code).toBe(0);
    for (const command of ['resolve', 'setup', 'image', 'build', 'deploy', 'erase', 'make', 'doctor']) {
      expect(help.stdout).toContain(command);
      const own = await cli([command, '--help'], { home });
      expect(own.code).toBe(0);
      expect(own.stdout).toContain(`Usage: esp32-build ${command}`);
    }
    const unknown = await cli(['flash'], { home });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown command 'flash'");
    expect(unknown.stderr).toContain('Usage: esp32-build <command>');
    const option = await cli(['build', '--bord', 'X'], { home });
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('Unknown option --bord');
    expect(option.stderr).toContain('Usage: esp32-build build');
  });

  it('resolve --json describes a tree without Docker or network', async () => {
    const home = await newHome('resolve');
    const tree = await newTree(home, 'v1.12');
    const result = await cli(['resolve', '--json'], { home, cwd: path.join(tree.root, 'ports', 'esp32') });
    expectSuccess(result);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({
      micropythonVersion: '1.12.0',
      buildSystem: 'make',
      idf: { ref: '6ccb4cf5b7d1fdddb8c2492f9cbc926abaf230df' },
      toolchain: { version: '1.22.0-80-g6c4433a-5.2.0' },
      board: 'GENERIC',
      chips: ['esp32'],
      buildDir: 'ports/esp32/build-GENERIC'
    });
  });
});

describe('the image of an ESP-IDF era', () => {
  it('image --idf-version v4.4 builds (or finds) docker/Dockerfile.idf4 and prints its reference last', async () => {
    await requireBullseyeBase();
    const home = await newHome('image-v4');
    // Ubuntu 20.04 cannot be pulled here: the same Dockerfile on the Debian bullseye stand-in.
    const standIn = [
      '--image-build-args',
      'BASE=esp32-devel-base:bullseye',
      '--image-build-args',
      'ESP32_DEVEL_PYTHON=3.9'
    ];
    const plan = await cli(['image', '--idf-version', 'v4.4', ...standIn, '--dry-run', '--json'], { home });
    expectSuccess(plan);
    const planned = JSON.parse(plan.stdout) as { ref: string; era: string; python: string };
    expect(planned).toMatchObject({ era: 'idf4', python: '3.9' });
    expect(planned.ref).toMatch(/^esp32-devel:idf4-[0-9a-f]{16}$/);

    const result = await cli(['image', '--idf-version', 'v4.4', ...standIn], { home });
    expectSuccess(result);
    expect(result.stdout.trim().split('\n').at(-1)).toBe(planned.ref);
    const inspect = await run('docker', [
      'image',
      'inspect',
      '--format',
      '{{json .Config.Env}}',
      planned.ref
    ]);
    expect(inspect.stdout).toContain('ESP32_DEVEL_PYTHON=3.9');

    // A v5 ESP-IDF gets the bookworm image instead.
    const v5 = await cli(['image', '--idf-version', 'v5.2.2', '--dry-run', '--json'], { home });
    expect(JSON.parse(v5.stdout)).toMatchObject({ era: 'bookworm', python: '3.11' });
  });
});

describe('a developer with a board (modern tree, ESP-IDF v5.2.2)', () => {
  let home: string;
  let tree: FixtureTree;
  let pty: PseudoTerminal | undefined;

  beforeAll(async () => {
    home = await newHome('developer');
    tree = await newTree(home, 'v1.24', 'v5.2.2');
  });
  afterEach(async () => {
    await pty?.close();
    pty = undefined;
  });

  it('setup populates ~/esp32-devel: ESP-IDF with its tools for esp32, one line per phase', async () => {
    const result = await cli(['setup', ...modernOptions()], { home, cwd: tree.root });
    expectSuccess(result);
    expect(result.stderr).toMatch(/✓ ESP-IDF \(\d+\.\d s\)/);
    expect(result.stderr).toMatch(/✓ ESP-IDF tools for esp32 \(\d+\.\d s\)/);
    const idf = path.join(home, 'esp32-devel', 'idf');
    const entries = readdirSync(idf);
    expect(entries).toHaveLength(1);
    const marker = JSON.parse(readFileSync(path.join(idf, entries[0], 'complete.json'), 'utf8'));
    expect(marker.chips).toEqual(['esp32']);
    expect(marker.commit).toBe(upstreams.idfTags['v5.2.2']);
    expect(statSync(path.join(idf, entries[0])).uid).toBe(developer.uid);
    expect(listAll(path.join(home, 'esp32-devel', 'tmp'))).toEqual([]);
  });

  it('build uses what setup prepared and writes the firmware into the tree', async () => {
    const result = await cli(['build', ...modernOptions()], { home, cwd: tree.root });
    expectSuccess(result);
    expect(result.stderr).not.toMatch(/Cloning/);
    const firmware = path.join(tree.buildDir('ESP32_GENERIC'), 'firmware.bin');
    expect(statSync(firmware).size).toBeGreaterThan(0);
    expect(statSync(firmware).uid).toBe(developer.uid);
    expect(result.stdout).toContain('firmware.bin');
    expect(result.stdout).not.toMatch(/::debug::|\[command\]/);
  });

  it('build refuses an artifact the tree’s build made a link, naming it', async () => {
    const hostile = await createMicroPythonTree(path.join(home, 'src', 'hostile'), {
      shape: 'v1.24',
      idfPin: 'v5.2.2',
      afterBuild: 'ln -sf /proc/self/environ "$1/firmware.bin"'
    });
    await chown(home);
    const result = await cli(['build', ...modernOptions()], { home, cwd: hostile.root });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${hostile.buildDir('ESP32_GENERIC')}/firmware.bin is a symbolic link to "/proc/self/environ"`
    );
    expect(result.stdout).toBe('');
  });

  it('builds again without the registry; a corrupt cached component is evicted and downloaded again', async () => {
    const asked = upstreams.registry.requests.length;
    const again = await cli(['build', ...modernOptions()], { home, cwd: tree.root });
    expectSuccess(again);
    expect(upstreams.registry.requests.slice(asked)).toEqual([]);

    const [cache] = readdirSync(path.join(home, 'esp32-devel', 'components'));
    const [service] = readdirSync(path.join(home, 'esp32-devel', 'components', cache)).filter((n) =>
      n.startsWith('service_')
    );
    const dir = path.join(home, 'esp32-devel', 'components', cache, service);
    const [mdns] = readdirSync(dir);
    const source = path.join(dir, mdns, 'mdns.c');
    const good = readFileSync(source, 'utf8');
    writeFileSync(source, 'int planted = 1;\n');
    rmSync(path.join(tree.root, 'ports', 'esp32', 'managed_components'), { recursive: true, force: true });
    const repaired = await cli(['build', ...modernOptions()], { home, cwd: tree.root });
    expectSuccess(repaired);
    expect(repaired.stderr).toMatch(
      /cached component .*espressif__mdns_1\.1\.0.* removed, to be downloaded again/
    );
    expect(upstreams.registry.requests.slice(asked)).toContain('/files/espressif__mdns_1.1.0.tgz');
    expect(readFileSync(source, 'utf8')).toBe(good);
    expect(
      readFileSync(path.join(tree.root, 'ports/esp32/managed_components/espressif__mdns/mdns.c'), 'utf8')
    ).toBe(good);
  });

  it('an ESP-IDF file modified in ~/esp32-devel: the entry is set aside and cloned again, then the build works', async () => {
    const idf = path.join(home, 'esp32-devel', 'idf');
    const [entry] = readdirSync(idf);
    const file = path.join(idf, entry, 'esp-idf', 'tools', 'idf.py');
    const good = readFileSync(file, 'utf8');
    appendFileSync(file, '\nimport os\n');
    const result = await cli(['build', ...modernOptions()], { home, cwd: tree.root });
    expectSuccess(result);
    expect(result.stderr).toMatch(
      /fails verification: it differs from its commit: M tools\/idf\.py\. It is set aside and ESP-IDF fetched again/
    );
    expect(result.stderr).toMatch(/✓ ESP-IDF tools for esp32 \(\d+\.\d s\)/);
    expect(readFileSync(file, 'utf8')).toBe(good);
    expect(readdirSync(idf)).toEqual([entry]);
    const again = await cli(['build', ...modernOptions()], { home, cwd: tree.root });
    expectSuccess(again);
    expect(again.stderr).not.toMatch(/fails verification|ESP-IDF tools for/);
  });

  it('a token in --idf-repo shows nowhere: the plan names the URL without it', async () => {
    const token = `tok${randomBytes(8).toString('hex')}`;
    const repo = `http://x-access-token:${token}@127.0.0.1:9/espressif/esp-idf.git`;
    const result = await cli(['build', '--dry-run', '--json', '--idf-repo', repo, '--network', 'host'], {
      home,
      cwd: tree.root
    });
    expect(result.code).toBe(0);
    expect(`${result.stdout}${result.stderr}`).not.toContain(token);
    const plan = JSON.parse(result.stdout);
    expect(plan.idf.repo).toBe('http://127.0.0.1:9/espressif/esp-idf.git');
    expect(plan.idf.credentials).toBe('*** (credentials for http://127.0.0.1:9/)');
    expect(plan.idf.offline).toMatch(/Failed to connect|Connection refused|unable to access/);
  });

  it('make -- ARGS runs make in the current directory inside the container', async () => {
    const result = await cli(['make', ...modernOptions(), '--', 'size'], {
      home,
      cwd: path.join(tree.root, 'ports', 'esp32')
    });
    expectSuccess(result);
    expect(result.stderr).toContain('Total image size');
  });

  it('deploy writes the firmware to the board on a pseudo-terminal (group dialout, 0660)', async () => {
    pty = await openPseudoTerminal({ group: 'dialout', mode: 0o660 });
    const result = await cli(['deploy', ...modernOptions(), '--port', pty.path], { home, cwd: tree.root });
    expectSuccess(result);
    const firmware = readFileSync(path.join(tree.buildDir('ESP32_GENERIC'), 'firmware.bin'));
    const header = Buffer.from(`ESPTOOL-FIXTURE write_flash 0x1000 ${firmware.length}\n`);
    const received = await pty.waitFor((data) => data.length >= header.length + firmware.length);
    expect(received.subarray(0, header.length).toString()).toBe(header.toString());
    expect(received.subarray(header.length, header.length + firmware.length).equals(firmware)).toBe(true);
  });

  it('deploy --flasher host: esptool-js writes each image of flasher_args.json at its offset on the board', async () => {
    const board = await startFakeEsp32();
    try {
      const result = await cli(['deploy', ...modernOptions(), '--flasher', 'host', '--port', board.path], {
        home,
        cwd: tree.root
      });
      expectSuccess(result);
      const build = tree.buildDir('ESP32_GENERIC');
      const args = JSON.parse(readFileSync(path.join(build, 'flasher_args.json'), 'utf8')) as {
        flash_files: Record<string, string>;
      };
      for (const [offset, file] of Object.entries(args.flash_files)) {
        const image = readFileSync(path.join(build, file));
        expect(board.device.readFlash(Number(offset), image.length).equals(image)).toBe(true);
      }
      expect(result.stderr).toContain('cannot carry DTR/RTS');
      // The container flasher's make deploy never ran.
      expect(result.stderr).not.toContain(`Deploy to ${board.path}`);
    } finally {
      await board.stop();
    }
  });

  it('erase --flasher host: no build, no container, the flash erased', async () => {
    const board = await startFakeEsp32();
    try {
      board.device.flash.fill(0x5a, 0, 0x10000);
      const result = await cli(['erase', '--flasher', 'host', '--port', board.path], {
        home,
        cwd: tree.root
      });
      expectSuccess(result);
      expect(board.device.readFlash(0, 0x10000).every((b) => b === 0xff)).toBe(true);
      expect(result.stderr).not.toContain('Resolve the MicroPython tree');
    } finally {
      await board.stop();
    }
  });

  it('monitor: the board’s output on stdout, typed keys to the board, Ctrl-] ends it with 0', async () => {
    pty = await openPseudoTerminal({ group: 'dialout', mode: 0o660, relay: true });
    const typed: Buffer[] = [];
    pty.onData((chunk) => typed.push(chunk));
    const started = startCli(['monitor', '--port', pty.path], { home, stdin: true });
    for (const end = Date.now() + 30_000; !typed.length && Date.now() < end;) {
      started.child.stdin!.write('x');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    pty.write(Buffer.from('MicroPython v1.24.0\r\n>>> '));
    started.child.stdin!.write('print(42)\n');
    for (
      const end = Date.now() + 10_000;
      !Buffer.concat(typed).includes('print(42)\r') && Date.now() < end;
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    started.child.stdin!.write(Buffer.from([0x1d]));
    const result = await started.done;
    expectSuccess(result);
    expect(result.stderr).toContain(`--- Monitor on ${pty.path} at 115200 baud. Exit: Ctrl-] ---`);
    expect(result.stdout).toContain('MicroPython v1.24.0\r\n>>> ');
    expect(Buffer.concat(typed).toString()).toContain('print(42)\r');
  });

  it('the esp32 alias: `esp32 make deploy` in ports/esp32, the port from $ESPPORT', async () => {
    pty = await openPseudoTerminal({ group: 'dialout', mode: 0o660 });
    const script = [
      'set -e',
      'shopt -s expand_aliases',
      `source ${path.join(PROJECT, 'docker', 'alias.sh')}`,
      `cd ${path.join(tree.root, 'ports', 'esp32')}`,
      `esp32 make ${modernOptions().join(' ')} deploy`,
      ''
    ].join('\n');
    const scriptFile = path.join(home, 'alias-test.sh');
    writeFileSync(scriptFile, script);
    const child = spawn(
      'setpriv',
      [
        `--reuid=${developer.uid}`,
        `--regid=${developer.gid}`,
        `--groups=${developer.groups.join(',')}`,
        'bash',
        scriptFile
      ],
      { env: { PATH: process.env.PATH, HOME: home, ESPPORT: pty.path }, stdio: ['ignore', 'pipe', 'pipe'] }
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`alias exited ${code}:\n${output}`);
    const received = await pty.waitFor((data) => data.includes('ESPTOOL-FIXTURE write_flash 0x1000 '));
    expect(received.toString('latin1')).toMatch(/^ESPTOOL-FIXTURE write_flash 0x1000 \d+\n/);
  });

  it('erase erases the board: make erase in the container', async () => {
    pty = await openPseudoTerminal({ group: 'dialout', mode: 0o660 });
    const result = await cli(['erase', ...modernOptions(), '--port', pty.path], { home, cwd: tree.root });
    expectSuccess(result);
    expect(result.stderr).toContain('Chip erase completed successfully');
    const received = await pty.waitFor((data) => data.includes('ESPTOOL-FIXTURE erase_flash\n'));
    expect(received.toString('latin1')).toBe('ESPTOOL-FIXTURE erase_flash\n');
  });

  it('`make -j2` (no --) from ports/esp32 builds there, as the old alias did', async () => {
    const result = await cli(['make', ...modernOptions(), '-j2'], {
      home,
      cwd: path.join(tree.root, 'ports', 'esp32')
    });
    expectSuccess(result);
    expect(result.stderr).toContain('✓ make -j2');
    expect(result.stderr).toContain('Project build complete');
  });

  it('npm run local-deploy -- --port PORT', async () => {
    pty = await openPseudoTerminal({ group: 'dialout', mode: 0o660 });
    const child = spawn(
      'setpriv',
      [
        `--reuid=${developer.uid}`,
        `--regid=${developer.gid}`,
        `--groups=${developer.groups.join(',')}`,
        'npm',
        'run',
        'local-deploy',
        '--',
        '--port',
        pty.path,
        '--micropython',
        tree.root,
        ...modernOptions()
      ],
      { cwd: PROJECT, env: { PATH: process.env.PATH, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] }
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`npm run local-deploy exited ${code}:\n${output}`);
    await pty.waitFor((data) => data.includes('ESPTOOL-FIXTURE write_flash 0x1000 '));
  });

  it('Ctrl-C while make runs in the container: the container is removed, exit 130', async () => {
    const started = startCli(
      ['make', ...modernOptions(), '--', '--eval=wait: ; @echo waiting; sleep 600', 'wait'],
      {
        home,
        cwd: path.join(tree.root, 'ports', 'esp32')
      }
    );
    const filter = `name=esp32-build-make-${started.child.pid}-`;
    const listed = async () =>
      (await run('docker', ['ps', '--all', '--quiet', '--filter', filter])).stdout.trim();
    for (let i = 0; i < 600 && !(await listed()); i++) await sleep(100);
    expect(await listed()).not.toBe('');
    started.child.kill('SIGINT');
    const result = await started.done;
    // With the output, so that a failure says why.
    expect({ code: result.code, signal: result.signal, stderr: result.stderr }).toMatchObject({ code: 130 });
    expect(await listed()).toBe('');
  });

  it('docker/build.sh and docker/setup.sh still work, as wrappers over the CLI', async () => {
    const user = [
      `--reuid=${developer.uid}`,
      `--regid=${developer.gid}`,
      `--groups=${developer.groups.join(',')}`
    ];
    const env = { PATH: process.env.PATH ?? '', HOME: home };
    const buildSh = [path.join(PROJECT, 'docker', 'build.sh'), ...buildArgOptions(BOOKWORM_TEST_BUILD_ARGS)];
    const image = await run('setpriv', [...user, ...buildSh], {
      env,
      allowFailure: true
    });
    expect(image.stderr).toMatch(/✓ Build image/);
    expect(image.stdout.trim()).toMatch(/^esp32-devel:[0-9a-f]{16}$/);
    const setup = await run(
      'setpriv',
      [...user, path.join(PROJECT, 'docker', 'setup.sh'), '--micropython', tree.root, ...modernOptions()],
      {
        env,
        allowFailure: true
      }
    );
    if (setup.code !== 0) throw new Error(setup.stderr);
    expect(setup.stdout).toContain('ESP-IDF dir');
  });

  it('a user outside dialout deploys: the container gets the port group, as the old scripts did', async () => {
    pty = await openPseudoTerminal({ group: 'dialout', mode: 0o660 });
    const result = await cli(['deploy', ...modernOptions(), '--port', pty.path], {
      home,
      cwd: tree.root,
      user: noDialout
    });
    expectSuccess(result);
    expect(result.stderr).toContain(
      `is not in group dialout: the container gets the port's group (--group-add ${dialout}), as the old scripts did`
    );
    const firmware = readFileSync(path.join(tree.buildDir('ESP32_GENERIC'), 'firmware.bin'));
    const received = await pty.waitFor((data) => data.length >= firmware.length);
    expect(received.includes(firmware)).toBe(true);
  });

  it('deploy is refused, before anything runs, for a port only its owner may open: the group would not help', async () => {
    pty = await openPseudoTerminal({ group: 'dialout', mode: 0o600 });
    const result = await cli(['deploy', ...modernOptions(), '--port', pty.path], {
      home,
      cwd: tree.root,
      user: noDialout
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cannot open ${pty.path} (rw-------`);
    expect(result.stderr).toContain('only its owner may read and write it');
    expect(result.stderr).not.toContain('Resolve the MicroPython tree');
    expect(pty.received().length).toBe(0);
  });

  it('deploy is refused for a port of group root: the container never gets group root', async () => {
    pty = await openPseudoTerminal({ group: 0, mode: 0o666 });
    const result = await cli(['deploy', ...modernOptions(), '--port', pty.path], { home, cwd: tree.root });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Serial port ${pty.path} belongs to group root (GID 0)`);
    expect(result.stderr).toContain(`sudo chgrp dialout ${pty.path}`);
    expect(result.stderr).not.toContain('Resolve the MicroPython tree');
    expect(pty.received().length).toBe(0);
  });

  it('deploy refuses a device that is no serial port', async () => {
    const result = await cli(['deploy', ...modernOptions(), '--port', '/dev/null'], { home, cwd: tree.root });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('/dev/null is not a serial port, device 1:3');
  });

  it('deploy to a busy port names the process that has it open', async () => {
    pty = await openPseudoTerminal({ group: 'dialout', mode: 0o660, hold: true, user: developer });
    const result = await cli(['deploy', ...modernOptions(), '--port', pty.path], { home, cwd: tree.root });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`is busy: process ${pty.pid} (python3)`);
  });

  it('--dry-run prints the docker commands, with the pty bind-mounted and its group added', async () => {
    pty = await openPseudoTerminal({ group: 'dialout', mode: 0o660 });
    const result = await cli(['deploy', '--dry-run', ...modernOptions(), '--port', pty.path], {
      home,
      cwd: tree.root
    });
    expectSuccess(result);
    const lines = result.stdout.trim().split('\n');
    const runs = lines.filter((line) => line.startsWith('docker run '));
    // The port's make submodules (answered in a container, done on the host), the build, the deploy.
    expect(runs).toHaveLength(3);
    expect(result.stdout).toContain('#    then: git submodule sync and update --init of the paths it names');
    expect(runs[2]).toContain(`-v ${pty.path}:/dev/ttyUSB0`);
    expect(runs[2]).toContain(`--group-add ${dialout}`);
    expect(runs[2]).toContain('PORT=/dev/ttyUSB0');
    expect(runs[2]).not.toContain('--device');
    for (const run of runs)
      expect(run).toContain('--cap-drop ALL --security-opt no-new-privileges --pids-limit 4096');
    expect(result.stdout).toContain('# esp-idf: v5.2.2 (tag at ');
    expect(result.stdout).toMatch(/^# Plan: build, then Deploy to /m);

    // The same plan as data: the machine is set up, so nothing is to be fetched.
    const json = await cli(['deploy', '--dry-run', '--json', ...modernOptions(), '--port', pty.path], {
      home,
      cwd: tree.root
    });
    expectSuccess(json);
    const plan = JSON.parse(json.stdout) as {
      resources: { name: string; presence: string }[];
      containers: { role: string; argv: string[]; spec: { groupAdd: number[] } }[];
    };
    expect(plan.resources.find((r) => r.name === 'esp-idf')?.presence).toBe('present');
    expect(plan.containers.map((c) => c.role)).toEqual(['submodules', 'build', 'make']);
    expect(plan.containers[2].spec.groupAdd).toEqual([dialout]);
    expect(plan.containers[2].argv.slice(-2)).toEqual(['PORT=/dev/ttyUSB0', 'deploy']);
    expect(pty.received().length).toBe(0);
  });
});

/**
 * The legacy toolchain served from a server that sends half of it and then
 * stalls: a download that is reliably in the middle when the test interrupts.
 */
async function stallingServer(): Promise<{ url: string; close(): Promise<void> }> {
  const bytes = Buffer.from(await (await fetch(upstreams.legacyToolchain.url)).arrayBuffer());
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/dl/${upstreams.legacyToolchain.fileName}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}

/** A git that sleeps before updating submodules: a clone reliably in the middle. */
function slowGit(dir: string, mark: string): string {
  mkdirSync(dir, { recursive: true });
  const realGit = ['/usr/bin/git', '/bin/git', '/usr/local/bin/git'].find((p) => existsSync(p))!;
  writeFileSync(
    path.join(dir, 'git'),
    `#!/bin/sh\nfor a in "$@"; do\n  if [ "$a" = submodule ]; then touch '${mark}'; sleep 600; fi\ndone\nexec ${realGit} "$@"\n`,
    { mode: 0o755 }
  );
  return dir;
}

describe('an interrupted setup (legacy tree: toolchain download and ESP-IDF clone)', () => {
  let home: string;
  let tree: FixtureTree;
  let devel: string;
  const legacyOptions = (url = upstreams.legacyToolchain.url) => [
    '--toolchain-url',
    url,
    '--toolchain-sha256',
    upstreams.legacyToolchain.sha256,
    '--idf-repo',
    `file://${upstreams.idfRepoUrl}`,
    '--network',
    'host',
    ...buildArgOptions(BOOKWORM_TEST_BUILD_ARGS)
  ];
  const partials = () =>
    [...listAll(path.join(devel, 'idf')), ...listAll(path.join(devel, 'tmp'))].filter(
      (f) => /\.partial-/.test(f) || !f.includes('/')
    );
  const toolchains = () => listAll(path.join(devel, 'toolcache'));

  beforeAll(async () => {
    home = await newHome('interrupted');
    devel = path.join(home, 'esp32-devel');
    tree = await newTree(home, 'v1.12', upstreams.idfTags['v3.3.2']);
  });

  it('Ctrl-C in the middle of the toolchain download: exit 130, no partial download, no toolchain entry', async () => {
    const stalling = await stallingServer();
    try {
      const started = startCli(['setup', ...legacyOptions(stalling.url)], { home, cwd: tree.root });
      const scratchDir = path.join(devel, 'tmp', String(started.child.pid));
      await until('the download to be under way', () =>
        listAll(scratchDir).some(
          (f) => /\.partial-\S+-\d+$/.test(f) && statSync(path.join(scratchDir, f)).size > 0
        )
      );
      started.child.kill('SIGINT');
      const result = await started.done;
      // With the output, so that a failure says why.
      expect({ code: result.code, signal: result.signal, stderr: result.stderr }).toMatchObject({
        code: 130
      });
      expect(result.stderr).toContain('Interrupted (SIGINT)');
      expect(listAll(path.join(devel, 'tmp'))).toEqual([]);
      expect(toolchains().filter((f) => f.includes('xtensa-esp32-elf/'))).toEqual([]);
      expect(listAll(path.join(devel, 'idf')).filter((f) => /\.partial-/.test(f))).toEqual([]);
    } finally {
      await stalling.close();
    }
  });

  it('Ctrl-C in the middle of the ESP-IDF clone: exit 130, the staging clone removed', async () => {
    const mark = path.join(home, 'clone-paused');
    const shim = slowGit(path.join(scratch, 'slow-git-int'), mark);
    const started = startCli(['setup', ...legacyOptions()], {
      home,
      cwd: tree.root,
      env: { PATH: `${shim}:${process.env.PATH}` }
    });
    await until('the clone to pause before its submodules', () => existsSync(mark));
    expect(
      listAll(path.join(devel, 'idf')).some((f) => f.endsWith(`.partial-${hostName()}-${started.child.pid}`))
    ).toBe(true);
    started.child.kill('SIGINT');
    const result = await started.done;
    // With the output, so that a failure says why.
    expect({ code: result.code, signal: result.signal, stderr: result.stderr }).toMatchObject({ code: 130 });
    expect(listAll(path.join(devel, 'idf')).filter((f) => /\.partial-/.test(f))).toEqual([]);
    expect(listAll(path.join(devel, 'tmp'))).toEqual([]);
    rmSync(mark, { force: true });
  });

  it('killed outright (SIGKILL) mid-clone, then a setup that removes the leftovers and completes', async () => {
    const mark = path.join(home, 'clone-paused-kill');
    const shim = slowGit(path.join(scratch, 'slow-git-kill'), mark);
    const started = startCli(['setup', ...legacyOptions()], {
      home,
      cwd: tree.root,
      env: { PATH: `${shim}:${process.env.PATH}` }
    });
    await until('the clone to pause before its submodules', () => existsSync(mark));
    // Killed with its git and sleep, which would outlive it.
    killTree(started.child.pid!);
    await started.done;
    const left = listAll(path.join(devel, 'idf')).filter((f) =>
      f.endsWith(`.partial-${hostName()}-${started.child.pid}`)
    );
    expect(left).toHaveLength(1);

    const result = await cli(['setup', ...legacyOptions()], { home, cwd: tree.root });
    expectSuccess(result);
    expect(result.stderr).toContain('left half-written by an interrupted run');
    expect(partials().filter((f) => /\.partial-/.test(f))).toEqual([]);
    const entries = readdirSync(path.join(devel, 'idf'));
    expect(entries).toHaveLength(1);
    const marker = JSON.parse(readFileSync(path.join(devel, 'idf', entries[0], 'complete.json'), 'utf8'));
    expect(marker.commit).toBe(upstreams.idfTags['v3.3.2']);
    expect(toolchains().some((f) => f.endsWith('x64.complete'))).toBe(true);
    expect(listAll(path.join(devel, 'tmp'))).toEqual([]);
  });

  it('a legacy build then works from what setup left', async () => {
    const result = await cli(['build', ...legacyOptions()], { home, cwd: tree.root });
    expectSuccess(result);
    expect(statSync(path.join(tree.buildDir('GENERIC'), 'firmware.bin')).size).toBeGreaterThan(0);
  });

  it('and a legacy deploy writes it with the legacy Makefile’s esptool call', async () => {
    const pty = await openPseudoTerminal({ group: 'dialout', mode: 0o660 });
    try {
      const result = await cli(['deploy', ...legacyOptions(), '--port', pty.path, '--baud', '115200'], {
        home,
        cwd: tree.root
      });
      expectSuccess(result);
      const firmware = readFileSync(path.join(tree.buildDir('GENERIC'), 'firmware.bin'));
      const header = `ESPTOOL-FIXTURE write_flash 0x1000 ${firmware.length}\n`;
      const received = await pty.waitFor((data) => data.length >= header.length + firmware.length);
      expect(received.subarray(0, header.length).toString()).toBe(header);
      expect(received.subarray(header.length).equals(firmware)).toBe(true);
    } finally {
      await pty.close();
    }
  });
});

describe('doctor', () => {
  let home: string;
  let pty: PseudoTerminal | undefined;

  beforeAll(async () => {
    home = await newHome('doctor');
  });
  afterEach(async () => {
    await pty?.close();
    pty = undefined;
  });

  it('all good: Docker usable (with the docker-group warning), the port usable, the store described', async () => {
    pty = await openPseudoTerminal({ group: 'dialout', mode: 0o660 });
    const result = await cli(['doctor', '--port', pty.path], { home });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/✓ Docker engine \S+, usable by/);
    expect(result.stdout).toContain('equivalent to root');
    expect(result.stdout).toContain(
      `✓ ${pty.path}: group dialout, read-write for this user, not in use; a pseudo-terminal`
    );
    expect(result.stdout).toMatch(/✓ [\d.]+ [KMGT]iB free for /);
    expect(result.stdout).toContain('does not exist yet: esp32-build setup creates it');
  });

  it('no docker client', async () => {
    const result = await cli(['doctor'], { home, env: { ESP32_BUILD_DOCKER: '/nonexistent/docker' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('✗ The docker client is not installed');
    expect(result.stdout).toContain('sudo apt-get install docker.io');
  });

  it('no Docker engine answering', async () => {
    const result = await cli(['doctor'], {
      home,
      env: { DOCKER_HOST: `unix://${path.join(scratch, 'no-such.sock')}` }
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('✗ No Docker engine answers');
    expect(result.stdout).toContain('sudo systemctl enable --now docker');
  });

  it('Docker without permission', async () => {
    const result = await cli(['doctor'], { home, user: { uid: 1001, gid: 1001, groups: [dialout] } });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('may not use the Docker engine');
    expect(result.stdout).toContain('sudo usermod -aG docker $USER');
    expect(result.stdout).toContain('equivalent to root');
  });

  it('a port this user may not open: fine for the container flasher, and the group fix for the host flasher', async () => {
    pty = await openPseudoTerminal({ group: 'dialout', mode: 0o660 });
    const result = await cli(['doctor', '--port', pty.path], { home, user: noDialout });
    expect(result.stdout).toContain(
      `✓ ${pty.path}: group dialout, not read-write for this user (the container gets its group)`
    );
    expect(result.stdout).toContain('(--flasher host) needs');
    expect(result.stdout).toContain('fix: sudo usermod -aG dialout $USER');
  });

  it('a busy port names the process holding it', async () => {
    pty = await openPseudoTerminal({ group: 'dialout', mode: 0o660, hold: true, user: developer });
    const result = await cli(['doctor', '--port', pty.path], { home });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`is busy: process ${pty.pid} (python3)`);
  });

  it('a port that does not exist; and none found at all is only a warning', async () => {
    const missing = await cli(['doctor', '--port', '/dev/ttyUSB97'], { home });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('✗ Serial port /dev/ttyUSB97 does not exist');
    const none = await cli(['doctor'], { home });
    if (!readdirSync('/dev').some((name) => /^tty(USB|ACM)\d+$/.test(name))) {
      expect(none.code).toBe(0);
      expect(none.stdout).toContain('! No serial port found');
    }
  });

  it('half-written entries in ~/esp32-devel are reported with what to do', async () => {
    const devel = path.join(home, 'esp32-devel');
    mkdirSync(path.join(devel, 'idf', 'v5.2.2-0123456789', 'esp-idf'), { recursive: true });
    mkdirSync(path.join(devel, 'idf', 'v5.2.2-0123456789.partial-999999'), { recursive: true });
    await chown(devel);
    const result = await cli(['doctor'], { home });
    expect(result.stdout).toContain('! ESP-IDF v5.2.2-0123456789: incomplete');
    expect(result.stdout).toContain('left half-written by an interrupted run (process 999999 is gone)');
    expect(result.stdout).toContain(
      `fix: rm -rf ${path.join(devel, 'idf', 'v5.2.2-0123456789.partial-999999')}`
    );
  });
});

describe('a newcomer with no MicroPython tree', () => {
  let upstream: FixtureTree;
  beforeAll(async () => {
    upstream = await createMicroPythonTree(path.join(scratch, 'micropython-upstream'), {
      shape: 'v1.24',
      idfPin: 'v5.2.2',
      git: true
    });
    await chown(upstream.root);
  });

  it('a dry run prints the whole plan, the clone of the latest release first, and clones nothing', async () => {
    const home = await newHome('newcomer-dry');
    const result = await cli(
      ['build', '--dry-run', '--micropython-repo', upstream.root, ...modernOptions()],
      {
        home
      }
    );
    expectSuccess(result);
    const clone = path.join(home, 'esp32-devel', 'micropython', 'v1.24.0');
    expect(result.stdout).toContain(`# micropython: v1.24.0, the latest release of ${upstream.root}`);
    expect(result.stdout).toContain('# esp-idf: v5.2.2 (tag at ');
    const runs = result.stdout.split('\n').filter((line) => line.startsWith('docker run '));
    // install.sh (ESP-IDF is not here yet), the port's make submodules, then the build in the tree the run would clone.
    expect(runs).toHaveLength(3);
    expect(runs[1]).toContain(`--workdir ${clone}`);
    expect(runs[2]).toContain(`--workdir ${clone}`);
    // The build script spans lines (quoted); its arguments follow it.
    const build = result.stdout.slice(result.stdout.indexOf(runs[2]));
    expect(build).toMatch(/' esp32-build \d+ 1 BOARD=ESP32_GENERIC$/m);
    expect(existsSync(path.join(home, 'esp32-devel', 'micropython'))).toBe(false);
  });

  it('build clones the latest release into ~/esp32-devel/micropython and builds it', async () => {
    const home = await newHome('newcomer');
    const result = await cli(['build', '--micropython-repo', upstream.root, ...modernOptions()], { home });
    expectSuccess(result);
    const clone = path.join(home, 'esp32-devel', 'micropython', 'v1.24.0');
    expect(result.stderr).toContain(`building v1.24.0, the latest release, in ${clone}`);
    expect(
      statSync(path.join(clone, 'ports', 'esp32', 'build-ESP32_GENERIC', 'firmware.bin')).size
    ).toBeGreaterThan(0);
    expect(readdirSync(path.join(home, 'esp32-devel', 'micropython'))).toEqual(['v1.24.0']);
  });
});

describe('run by root (sudo)', () => {
  const root: Who = { uid: 0, gid: 0, groups: [0] };
  let home: string;
  /** The fixture repositories belong to the developer, and root's git refuses to clone them: root gets a copy of its own. */
  let rootOptions: () => string[];
  beforeAll(async () => {
    home = await newHome('as-root');
    const git = path.join(scratch, 'root-git');
    await run('cp', ['-r', path.join(upstreams.root, 'git'), git]);
    const repo = `file://${path.join(git, path.relative(path.join(upstreams.root, 'git'), upstreams.idfRepoUrl))}`;
    rootOptions = () =>
      modernOptions().map((option, i, all) => (all[i - 1] === '--idf-repo' ? repo : option));
  });

  it('on a developer’s tree: the build runs as the developer, and writes the developer’s files', async () => {
    const tree = await newTree(home, 'v1.24', 'v5.2.2', false);
    const result = await cli(['build', ...rootOptions()], { home, cwd: tree.root, user: root });
    expectSuccess(result);
    expect(result.stderr).toContain(
      `the build runs as ${developer.uid}:${developer.gid}, the owner of the MicroPython tree, not as root`
    );
    const firmware = path.join(tree.buildDir('ESP32_GENERIC'), 'firmware.bin');
    expect(statSync(firmware).uid).toBe(developer.uid);
    // ccache, written by the build, is the developer's too.
    const ccache = path.join(home, 'esp32-devel', 'ccache');
    for (const entry of readdirSync(ccache))
      expect(statSync(path.join(ccache, entry)).uid).toBe(developer.uid);
  });

  it('on a tree root owns: as root with every capability dropped, and it says so', async () => {
    const tree = await createMicroPythonTree(path.join(home, 'src', 'root-owned'), {
      shape: 'v1.24',
      idfPin: 'v5.2.2'
    });
    const result = await cli(['build', ...rootOptions()], { home, cwd: tree.root, user: root });
    expectSuccess(result);
    expect(result.stderr).toContain('The containers run as root');
    expect(result.stderr).toContain('every capability dropped (--cap-drop ALL)');
    expect(statSync(path.join(tree.buildDir('ESP32_GENERIC'), 'firmware.bin')).uid).toBe(0);
  });
});
