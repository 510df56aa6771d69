/**
 * `esp32-build doctor`: what stands between this machine and a flashed board.
 * The checks are pure functions of gathered facts; each problem names the
 * command that fixes it on the common distributions.
 */
import { stat } from 'node:fs/promises';
import { classifyDockerFailure, Docker, DockerError } from '../pipeline/docker.js';
import { formatBytes, type Paint } from './format.js';
import { currentUser, devNames, groups, portFacts, processAlive } from './host.js';
import {
  choosePort,
  groupFix,
  isNetworkPort,
  isPseudoTerminal,
  platformProblem,
  groupGrantNote,
  portProblem,
  type PortFacts,
  type UserFacts
} from './serial.js';
import { storeState, type StoreState } from './store.js';

export type Level = 'ok' | 'warning' | 'problem';

export interface Finding {
  section: 'Docker' | 'Serial port' | 'Disk' | 'esp32-devel';
  level: Level;
  message: string;
  fix?: string;
}

export interface DockerFacts {
  client: 'missing' | 'present';
  /** The engine's version, when this user can talk to it. */
  serverVersion?: string;
  /** What the client said when it could not. */
  failure?: string;
  socket?: { path: string; gid: number; group?: string; mode: number };
}

export interface DoctorFacts {
  platform: NodeJS.Platform;
  user: UserFacts;
  docker: DockerFacts;
  port: { requested?: string; chosen?: string; facts?: PortFacts };
  store: StoreState;
}

/** The free space below which a build cannot fit (ESP-IDF with its tools is 2–3 GiB). */
export const DISK_PROBLEM_BYTES = 3 * 1024 ** 3;
export const DISK_WARNING_BYTES = 10 * 1024 ** 3;

const ROOT_EQUIVALENT =
  'membership of the docker group is equivalent to root on this machine (a container can mount / and write anywhere): only give it to people who may use sudo; rootless Docker (dockerd-rootless-setuptool.sh install) avoids that';

function dockerFindings(facts: DoctorFacts): Finding[] {
  const { docker, user } = facts;
  const section = 'Docker';
  const mac = facts.platform === 'darwin' || facts.platform === 'win32';
  if (docker.client === 'missing') {
    return [
      {
        section,
        level: 'problem',
        message: 'The docker client is not installed (or not on PATH).',
        fix: mac
          ? 'install Docker Desktop (https://docs.docker.com/desktop/)'
          : 'Debian/Ubuntu: sudo apt-get install docker.io; Fedora: sudo dnf install moby-engine; Arch: sudo pacman -S docker; then sudo systemctl enable --now docker'
      }
    ];
  }
  if (!docker.serverVersion) {
    const failure = classifyDockerFailure(docker.failure ?? '');
    const detail = (docker.failure ?? '').trim().split('\n').slice(-1)[0];
    if (failure === 'permission') {
      return [
        {
          section,
          level: 'problem',
          message: `This user (${user.name ?? `uid ${user.uid}`}) may not use the Docker engine: ${detail}`,
          fix: `sudo usermod -aG docker $USER, then log out and back in. Beware: ${ROOT_EQUIVALENT}.`
        }
      ];
    }
    if (failure === 'unreachable') {
      return [
        {
          section,
          level: 'problem',
          message: `No Docker engine answers: ${detail}`,
          fix: mac
            ? 'start Docker Desktop'
            : 'sudo systemctl enable --now docker (without systemd, e.g. WSL: sudo service docker start); check DOCKER_HOST if you set it'
        }
      ];
    }
    return [
      {
        section,
        level: 'problem',
        message: `docker version failed: ${detail}`,
        fix: 'run docker info to see what is wrong'
      }
    ];
  }
  const findings: Finding[] = [
    {
      section,
      level: 'ok',
      message: `Docker engine ${docker.serverVersion}, usable by ${user.name ?? `uid ${user.uid}`}`
    }
  ];
  const socket = docker.socket;
  if (user.uid !== 0 && socket && user.groups.includes(socket.gid) && (socket.mode & 0o060) === 0o060) {
    findings.push({
      section,
      level: 'warning',
      message: `${user.name ?? `uid ${user.uid}`} reaches Docker through group ${socket.group ?? socket.gid}: ${ROOT_EQUIVALENT}.`
    });
  }
  return findings;
}

function portFindings(facts: DoctorFacts): Finding[] {
  const section = 'Serial port';
  const { requested, chosen } = facts.port;
  const platform = platformProblem(facts.platform, chosen ?? requested);
  if (platform) return [{ section, level: 'warning', message: platform }];
  if (!chosen) {
    return [
      {
        section,
        level: 'warning',
        message:
          'No serial port found (no /dev/ttyUSB* or /dev/ttyACM*): building works, deploy and erase need the board plugged in.',
        fix: 'plug the board in (dmesg | tail names its port), or give one with --port'
      }
    ];
  }
  if (isNetworkPort(chosen))
    return [{ section, level: 'ok', message: `${chosen}: a network port, reached from the container` }];
  const port = facts.port.facts ?? { path: chosen, exists: false, holders: [] };
  const problem = portProblem(port, facts.user, 'container');
  if (problem) {
    const group = port.groupName ?? (port.gid !== undefined ? String(port.gid) : undefined);
    const needsGroup =
      port.exists && port.accessible === false && group !== undefined && ((port.mode ?? 0) & 0o060) === 0o060;
    return [{ section, level: 'problem', message: problem, fix: needsGroup ? groupFix(group) : undefined }];
  }
  const pty = isPseudoTerminal(port.realPath ?? chosen, port.major);
  const via = pty
    ? 'a pseudo-terminal, bind-mounted into the container'
    : 'passed to the container with --device';
  const group = port.groupName ?? port.gid;
  const granted = groupGrantNote(port, facts.user, 'container');
  const access = granted
    ? 'not read-write for this user (the container gets its group)'
    : 'read-write for this user';
  const found: Finding[] = [
    {
      section,
      level: 'ok',
      message: `${chosen}${port.realPath && port.realPath !== chosen ? ` (${port.realPath})` : ''}: group ${group}, ${access}, not in use; ${via} with --group-add ${port.gid}`
    }
  ];
  if (granted) {
    found.push({
      section,
      level: 'warning',
      message: `Flashing from this machine (--flasher host) needs ${facts.user.name ?? 'this user'} in group ${group}; the container flasher does not.`,
      fix: groupFix(String(group))
    });
  }
  return found;
}

function diskFindings(facts: DoctorFacts): Finding[] {
  const section = 'Disk';
  const free = facts.store.freeBytes;
  if (free === undefined)
    return [{ section, level: 'warning', message: `Cannot tell the free space for ${facts.store.root}.` }];
  const message = `${formatBytes(free)} free for ${facts.store.root}`;
  const fix = `free space on that file system (docker system prune removes unused images; old entries under ${facts.store.root}/idf can go)`;
  if (free < DISK_PROBLEM_BYTES) {
    return [
      {
        section,
        level: 'problem',
        message: `${message}: ESP-IDF and its tools need about ${formatBytes(DISK_PROBLEM_BYTES)}.`,
        fix
      }
    ];
  }
  if (free < DISK_WARNING_BYTES)
    return [{ section, level: 'warning', message: `${message}: room for few ESP-IDF versions.`, fix }];
  return [{ section, level: 'ok', message }];
}

function storeFindings(facts: DoctorFacts): Finding[] {
  const section = 'esp32-devel';
  const { store } = facts;
  if (!store.exists)
    return [
      { section, level: 'ok', message: `${store.root} does not exist yet: esp32-build setup creates it.` }
    ];
  const findings: Finding[] = [];
  for (const entry of store.idf) {
    findings.push(
      entry.complete
        ? {
            section,
            level: 'ok',
            message: `ESP-IDF ${entry.name}: complete${entry.commit ? `, commit ${entry.commit.slice(0, 12)}` : ''}${entry.chips?.length ? `, tools for ${entry.chips.join(', ')}` : ''}`
          }
        : {
            section,
            level: 'warning',
            message: `ESP-IDF ${entry.name}: incomplete (a clone or tool install was interrupted); the next setup or build redoes it.`,
            fix: `esp32-build setup, or remove it: rm -rf ${entry.dir}`
          }
    );
  }
  for (const tool of store.toolchains) {
    findings.push(
      tool.complete
        ? { section, level: 'ok', message: `Toolchain xtensa-esp32-elf ${tool.version}: complete` }
        : {
            section,
            level: 'warning',
            message: `Toolchain xtensa-esp32-elf ${tool.version}: incomplete (interrupted while being unpacked); the next setup redoes it.`,
            fix: `esp32-build setup, or remove it: rm -rf ${tool.dir}`
          }
    );
  }
  for (const tag of store.micropython)
    findings.push({ section, level: 'ok', message: `MicroPython ${tag} (cloned release)` });
  for (const partial of store.partials) {
    findings.push(
      partial.alive
        ? {
            section,
            level: 'ok',
            message: `${partial.path}: being written by the running process ${partial.pid}${partial.host ? ` on ${partial.host}` : ''}`
          }
        : {
            section,
            level: 'warning',
            message: `${partial.path}: left half-written by an interrupted run (process ${partial.pid} is gone); the next run removes it.`,
            fix: `rm -rf ${partial.path}`
          }
    );
  }
  if (findings.length === 0)
    findings.push({
      section,
      level: 'ok',
      message: `${store.root} is empty: esp32-build setup populates it.`
    });
  return findings;
}

/** Every finding, in the order a person fixes things. Pure. */
export function doctorFindings(facts: DoctorFacts): Finding[] {
  return [...dockerFindings(facts), ...portFindings(facts), ...diskFindings(facts), ...storeFindings(facts)];
}

/** The report, and whether anything is a problem. Pure. */
export function renderFindings(
  findings: Finding[],
  paint: Paint
): { text: string; problems: number; warnings: number } {
  const mark: Record<Level, string> = {
    ok: paint('green', '✓'),
    warning: paint('yellow', '!'),
    problem: paint('red', '✗')
  };
  const lines: string[] = [];
  let section: string | undefined;
  for (const finding of findings) {
    if (finding.section !== section) {
      section = finding.section;
      lines.push(paint('bold', section));
    }
    const [first, ...more] = finding.message.split('\n');
    lines.push(`  ${mark[finding.level]} ${first}`, ...more.map((line) => `    ${line}`));
    if (finding.fix) lines.push(`    ${paint('dim', 'fix:')} ${finding.fix}`);
  }
  const problems = findings.filter((f) => f.level === 'problem').length;
  const warnings = findings.filter((f) => f.level === 'warning').length;
  lines.push(
    '',
    problems
      ? paint(
          'red',
          `${problems} problem${problems > 1 ? 's' : ''}${warnings ? `, ${warnings} warning${warnings > 1 ? 's' : ''}` : ''}`
        )
      : warnings
        ? paint('yellow', `No problems, ${warnings} warning${warnings > 1 ? 's' : ''}.`)
        : paint('green', 'All good.')
  );
  return { text: lines.join('\n'), problems, warnings };
}

function dockerSocketPath(env: NodeJS.ProcessEnv): string | undefined {
  const host = env.DOCKER_HOST;
  if (!host) return '/var/run/docker.sock';
  return host.startsWith('unix://') ? host.slice('unix://'.length) : undefined;
}

/** Ask the machine. */
export async function gatherFacts(options: {
  port?: string;
  root: string;
  docker: Docker;
}): Promise<DoctorFacts> {
  const user = currentUser();
  const docker: DockerFacts = { client: 'present' };
  try {
    const result = await options.docker.run(['version', '--format', '{{.Server.Version}}'], {
      allowFailure: true,
      timeoutMs: 30_000
    });
    if (result.code === 0 && result.stdout.trim()) docker.serverVersion = result.stdout.trim();
    else docker.failure = result.stderr || result.stdout;
  } catch (error) {
    if (error instanceof DockerError && /not installed/.test(error.message)) docker.client = 'missing';
    else docker.failure = (error as Error).message;
  }
  const socketPath = dockerSocketPath(process.env);
  if (socketPath) {
    const info = await stat(socketPath).catch(() => undefined);
    if (info) {
      docker.socket = {
        path: socketPath,
        gid: info.gid,
        group: groups().find((g) => g.gid === info.gid)?.name,
        mode: info.mode & 0o777
      };
    }
  }
  const chosen = choosePort(options.port, devNames());
  const port: DoctorFacts['port'] = { requested: options.port, chosen };
  if (chosen && !isNetworkPort(chosen) && process.platform === 'linux') port.facts = await portFacts(chosen);
  return {
    platform: process.platform,
    user,
    docker,
    port,
    store: await storeState(options.root, processAlive)
  };
}
