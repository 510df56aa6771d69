import { classifyDockerFailure } from '../../src/pipeline/docker.js';
import {
  DISK_PROBLEM_BYTES,
  doctorFindings,
  renderFindings,
  type DoctorFacts,
  type Finding
} from '../../src/cli/doctor.js';
import { painter } from '../../src/cli/format.js';
import type { PortFacts } from '../../src/cli/serial.js';

const GiB = 1024 ** 3;
const port: PortFacts = {
  path: '/dev/ttyUSB0',
  exists: true,
  realPath: '/dev/ttyUSB0',
  isCharDevice: true,
  major: 188,
  mode: 0o660,
  uid: 0,
  gid: 20,
  groupName: 'dialout',
  accessible: true,
  holders: []
};

function facts(overrides: Partial<DoctorFacts> = {}): DoctorFacts {
  return {
    platform: 'linux',
    user: { uid: 1000, name: 'alice', groups: [1000, 20, 998], listedGroups: [20, 998] },
    docker: {
      client: 'present',
      serverVersion: '27.3.1',
      socket: { path: '/var/run/docker.sock', gid: 998, group: 'docker', mode: 0o660 }
    },
    port: { chosen: '/dev/ttyUSB0', facts: port },
    store: {
      root: '/home/alice/esp32-devel',
      exists: true,
      freeBytes: 50 * GiB,
      idf: [],
      toolchains: [],
      micropython: [],
      partials: []
    },
    ...overrides
  };
}

const of = (findings: Finding[], section: Finding['section']) =>
  findings.filter((f) => f.section === section);
const problems = (findings: Finding[]) => findings.filter((f) => f.level === 'problem');

describe('classifyDockerFailure', () => {
  it('tells permission from an engine that is not there', () => {
    expect(
      classifyDockerFailure(
        'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock'
      )
    ).toBe('permission');
    expect(
      classifyDockerFailure(
        'Cannot connect to the Docker daemon at unix:///x.sock. Is the docker daemon running?'
      )
    ).toBe('unreachable');
    expect(
      classifyDockerFailure('error during connect: Get "http://%2F%2F.%2Fpipe%2Fdocker_engine/v1.24/version"')
    ).toBe('unreachable');
    expect(
      classifyDockerFailure('error: dial unix /var/run/docker.sock: connect: no such file or directory')
    ).toBe('unreachable');
    // A build's own missing file is not a missing engine.
    expect(classifyDockerFailure('open /x/Dockerfile: no such file or directory')).toBe('other');
    expect(classifyDockerFailure('something else')).toBe('other');
  });
});

describe('doctorFindings', () => {
  it('a healthy machine: no problems; the docker group earns its root-equivalence warning', () => {
    const findings = doctorFindings(facts());
    expect(problems(findings)).toEqual([]);
    const docker = of(findings, 'Docker');
    expect(docker[0]).toMatchObject({ level: 'ok', message: 'Docker engine 27.3.1, usable by alice' });
    expect(docker[1].level).toBe('warning');
    expect(docker[1].message).toContain('equivalent to root');
    expect(of(findings, 'Serial port')[0]).toMatchObject({ level: 'ok' });
    expect(of(findings, 'Serial port')[0].message).toContain(
      'passed to the container with --device with --group-add 20'
    );
  });

  it('root needs no docker group, so no warning', () => {
    const root = facts({ user: { uid: 0, name: 'root', groups: [0], listedGroups: [] } });
    expect(of(doctorFindings(root), 'Docker')).toHaveLength(1);
  });

  it('no docker client: how to install it on each distribution', () => {
    const [finding] = of(doctorFindings(facts({ docker: { client: 'missing' } })), 'Docker');
    expect(finding.level).toBe('problem');
    expect(finding.fix).toContain('sudo apt-get install docker.io');
    expect(finding.fix).toContain('sudo dnf install moby-engine');
    expect(finding.fix).toContain('sudo pacman -S docker');
    const mac = of(doctorFindings(facts({ platform: 'darwin', docker: { client: 'missing' } })), 'Docker');
    expect(mac[0].fix).toContain('Docker Desktop');
  });

  it('no engine: start it', () => {
    const [finding] = of(
      doctorFindings(
        facts({
          docker: {
            client: 'present',
            failure: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.'
          }
        })
      ),
      'Docker'
    );
    expect(finding).toMatchObject({ level: 'problem' });
    expect(finding.message).toContain('No Docker engine answers');
    expect(finding.fix).toContain('sudo systemctl enable --now docker');
  });

  it('no permission: join the docker group, knowing what that means', () => {
    const [finding] = of(
      doctorFindings(
        facts({ docker: { client: 'present', failure: 'permission denied while trying to connect' } })
      ),
      'Docker'
    );
    expect(finding.level).toBe('problem');
    expect(finding.message).toContain('This user (alice) may not use the Docker engine');
    expect(finding.fix).toContain('sudo usermod -aG docker $USER');
    expect(finding.fix).toContain('equivalent to root');
  });

  it('the port: missing (given), unreadable, busy', () => {
    const missing = doctorFindings(
      facts({
        port: {
          requested: '/dev/ttyUSB5',
          chosen: '/dev/ttyUSB5',
          facts: { path: '/dev/ttyUSB5', exists: false, holders: [] }
        }
      })
    );
    expect(of(missing, 'Serial port')[0]).toMatchObject({ level: 'problem' });
    expect(of(missing, 'Serial port')[0].message).toContain('does not exist');

    const denied = of(
      doctorFindings(
        facts({
          port: { chosen: '/dev/ttyUSB0', facts: { ...port, accessible: false } },
          user: { uid: 1000, name: 'alice', groups: [1000], listedGroups: [] }
        })
      ),
      'Serial port'
    )[0];
    // The container flasher gets the port's group; only the host flasher needs the user in it.
    expect(denied.level).toBe('ok');
    expect(denied.message).toContain('not read-write for this user (the container gets its group)');
    const forHost = of(
      doctorFindings(
        facts({
          port: { chosen: '/dev/ttyUSB0', facts: { ...port, accessible: false } },
          user: { uid: 1000, name: 'alice', groups: [1000], listedGroups: [] }
        })
      ),
      'Serial port'
    )[1];
    expect(forHost.level).toBe('warning');
    expect(forHost.message).toContain('(--flasher host) needs alice in group dialout');
    expect(forHost.fix).toContain('sudo usermod -aG dialout $USER');

    const busy = of(
      doctorFindings(
        facts({
          port: { chosen: '/dev/ttyUSB0', facts: { ...port, holders: [{ pid: 77, command: 'minicom' }] } }
        })
      ),
      'Serial port'
    )[0];
    expect(busy.level).toBe('problem');
    expect(busy.message).toContain('process 77 (minicom)');
  });

  it('no port found at all is a warning: building needs none', () => {
    const [finding] = of(doctorFindings(facts({ port: {} })), 'Serial port');
    expect(finding.level).toBe('warning');
    expect(finding.message).toContain('No serial port found');
  });

  it('a pseudo-terminal is reported as bind-mounted; a network port needs no checks', () => {
    const pty = { ...port, path: '/dev/pts/3', realPath: '/dev/pts/3', major: 136 };
    expect(
      of(doctorFindings(facts({ port: { chosen: '/dev/pts/3', facts: pty } })), 'Serial port')[0].message
    ).toContain('a pseudo-terminal, bind-mounted');
    expect(
      of(doctorFindings(facts({ port: { chosen: 'rfc2217://localhost:4000' } })), 'Serial port')[0]
    ).toMatchObject({
      level: 'ok'
    });
  });

  it('on macOS the port section explains the USB limitation instead', () => {
    const [finding] = of(
      doctorFindings(facts({ platform: 'darwin', port: { chosen: '/dev/cu.usbserial-1' } })),
      'Serial port'
    );
    expect(finding.level).toBe('warning');
    expect(finding.message).toContain('esp_rfc2217_server');
  });

  it('disk: a problem below what ESP-IDF needs, a warning when tight', () => {
    const low = of(
      doctorFindings(facts({ store: { ...facts().store, freeBytes: DISK_PROBLEM_BYTES - 1 } })),
      'Disk'
    )[0];
    expect(low.level).toBe('problem');
    expect(low.fix).toContain('docker system prune');
    expect(
      of(doctorFindings(facts({ store: { ...facts().store, freeBytes: 5 * GiB } })), 'Disk')[0].level
    ).toBe('warning');
    expect(of(doctorFindings(facts()), 'Disk')[0].message).toBe('50.00 GiB free for /home/alice/esp32-devel');
  });

  it('the store: complete and incomplete entries, partials of live and dead runs', () => {
    const findings = of(
      doctorFindings(
        facts({
          store: {
            ...facts().store,
            idf: [
              {
                name: 'v5.2.2-aaaa',
                dir: '/s/idf/v5.2.2-aaaa',
                complete: true,
                commit: '9531cd48feb60cfb2cf2',
                chips: ['esp32']
              },
              { name: 'v5.4.2-bbbb', dir: '/s/idf/v5.4.2-bbbb', complete: false }
            ],
            toolchains: [
              { version: '1.22.0-80-g6c4433a-5.2.0-sha3fe96c151d46', dir: '/s/tc/x/x64', complete: true },
              { version: '1.22.0-96', dir: '/s/tc/y/x64', complete: false }
            ],
            micropython: ['v1.26.1'],
            partials: [
              { path: '/s/idf/v5.5.1-cccc.partial-12', pid: 12, alive: true },
              { path: '/s/idf/v5.5.1-cccc.partial-13', pid: 13, alive: false }
            ]
          }
        })
      ),
      'esp32-devel'
    );
    expect(findings.map((f) => f.level)).toEqual(['ok', 'warning', 'ok', 'warning', 'ok', 'ok', 'warning']);
    expect(findings[0].message).toBe('ESP-IDF v5.2.2-aaaa: complete, commit 9531cd48feb6, tools for esp32');
    expect(findings[1].fix).toContain('rm -rf /s/idf/v5.4.2-bbbb');
    expect(findings[5].message).toContain('being written by the running process 12');
    expect(findings[6].message).toContain('process 13 is gone');
    expect(findings[6].fix).toBe('rm -rf /s/idf/v5.5.1-cccc.partial-13');
  });

  it('a store not created yet is fine', () => {
    const [finding] = of(
      doctorFindings(facts({ store: { ...facts().store, exists: false } })),
      'esp32-devel'
    );
    expect(finding).toMatchObject({ level: 'ok' });
    expect(finding.message).toContain('esp32-build setup creates it');
  });
});

describe('renderFindings', () => {
  it('groups by section, shows fixes, and counts problems and warnings', () => {
    const report = renderFindings(
      doctorFindings(facts({ docker: { client: 'missing' }, port: {} })),
      painter(false)
    );
    expect(report.problems).toBe(1);
    expect(report.warnings).toBe(1);
    expect(report.text.startsWith('Docker\n  ✗ The docker client is not installed')).toBe(true);
    expect(report.text).toContain('    fix: Debian/Ubuntu: sudo apt-get install docker.io');
    expect(report.text).toContain('\nSerial port\n  ! No serial port found');
    expect(report.text.trimEnd().split('\n').pop()).toBe('1 problem, 1 warning');
  });
  it('says so when all is well', () => {
    const healthy = facts({ user: { uid: 0, name: 'root', groups: [0], listedGroups: [] } });
    expect(renderFindings(doctorFindings(healthy), painter(false)).text.trimEnd().split('\n').pop()).toBe(
      'All good.'
    );
  });
});
