/** --flasher and the host flashing options: parsing, their errors, and the default per platform. */
import { parseCommandLine, UsageError, type ParsedArgs } from '../../src/cli/args.js';
import {
  containerConflict,
  defaultFlasher,
  flashOverrides,
  hostPortNote,
  hostPortProblem,
  noPortMessage,
  requestedFlasher
} from '../../src/cli/flasher.js';
import { goalFor } from '../../src/cli/goals.js';
import { hostErasePlan, hostFlashText } from '../../src/cli/host-flash.js';
import { commandHelp } from '../../src/cli/help.js';

const parsed = (argv: string[]) => parseCommandLine(argv) as ParsedArgs;

function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('no usage error');
}

describe('the command line', () => {
  it('deploy takes --flasher and every host flashing option', () => {
    const args = parsed([
      'deploy',
      '--flasher',
      'host',
      '--port',
      'COM3',
      '--flash-mode=dout',
      '--flash-size',
      '8MB',
      '--before',
      'usb_reset',
      '--after',
      'no_reset',
      '--app-only'
    ]);
    expect(requestedFlasher(args.options, 'deploy')).toBe('host');
    expect(flashOverrides(args.options, 'deploy')).toEqual({
      flashMode: 'dout',
      flashSize: '8MB',
      before: 'usb_reset',
      after: 'no_reset',
      appOnly: true
    });
  });

  it('erase takes --flasher, --before and --after, but nothing about images', () => {
    expect(parsed(['erase', '--flasher', 'host', '--before', 'no_reset']).options).toEqual({
      flasher: 'host',
      before: 'no_reset'
    });
    expect(usageError(() => parseCommandLine(['erase', '--app-only'])).message).toBe(
      "'erase' has no option --app-only."
    );
    expect(usageError(() => parseCommandLine(['build', '--flasher', 'host'])).message).toBe(
      "'build' has no option --flasher."
    );
  });

  it.each([
    [['deploy', '--flasher', 'usb'], "--flasher must be host or container (got 'usb')."],
    [
      ['deploy', '--flash-mode', 'fast'],
      "--flash-mode must be one of qio, qout, dio, dout, keep (got 'fast')."
    ],
    [['deploy', '--flash-size', '3MB'], /--flash-size must be one of detect, keep, 1MB.*\(got '3MB'\)/],
    [
      ['deploy', '--before', 'no_reset_no_sync'],
      /--before must be one of default_reset, usb_reset, no_reset/
    ],
    [['deploy', '--after', 'soft_reset'], "--after must be one of hard_reset, no_reset (got 'soft_reset')."]
  ])('%j is refused, naming what is allowed', (argv, message) => {
    const args = parsed(argv as string[]);
    const error = usageError(() => {
      requestedFlasher(args.options, 'deploy');
      flashOverrides(args.options, 'deploy');
    });
    expect(error.message).toMatch(message);
    expect(error.command).toBe('deploy');
  });

  it('host options with the container flasher say to add --flasher host', () => {
    expect(
      containerConflict(parsed(['deploy', '--app-only', '--after', 'no_reset']).options, 'container')
    ).toBe(
      "--after, --app-only apply to flashing from this machine: add --flasher host (the container runs the port's own make deploy or erase)."
    );
    expect(containerConflict(parsed(['deploy', '--app-only']).options, 'host')).toBeUndefined();
    expect(containerConflict(parsed(['deploy']).options, 'container')).toBeUndefined();
  });

  it('the help names the flags and their defaults', () => {
    const help = commandHelp('deploy');
    for (const flag of [
      '--flasher WHERE',
      '--flash-mode MODE',
      '--flash-size SIZE',
      '--before RESET',
      '--after RESET',
      '--app-only'
    ]) {
      expect(help).toContain(flag);
    }
    expect(help.replace(/\s+/g, ' ')).toContain(
      'default: container on Linux when the port can be passed in, host on macOS and Windows'
    );
  });
});

describe('the default flasher', () => {
  it('Linux: the container, which the port is passed into', () => {
    expect(defaultFlasher('linux', '/dev/ttyUSB0')).toEqual({ flasher: 'container' });
  });
  it.each([
    ['darwin', '/dev/cu.usbserial-0001', 'macOS'],
    ['win32', 'COM3', 'Windows']
  ] as const)('%s: this machine (Docker cannot pass USB devices)', (platform, port, name) => {
    expect(defaultFlasher(platform, port)).toEqual({
      flasher: 'host',
      why: `Docker on ${name} cannot pass a USB serial port into a container: flashing from this machine`
    });
  });
  it('an RFC2217 port: the container, everywhere', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      expect(defaultFlasher(platform, 'rfc2217://host.docker.internal:4000').flasher).toBe('container');
    }
  });
});

describe('port names for host flashing', () => {
  it('Windows ports are COM<n>', () => {
    expect(hostPortProblem('win32', 'COM3')).toBeUndefined();
    expect(hostPortProblem('win32', '\\\\.\\COM12')).toBeUndefined();
    expect(hostPortProblem('win32', '/dev/ttyUSB0')).toMatch(/On Windows a serial port is named COM1, COM3/);
  });
  it('macOS: /dev/cu.* is suggested over /dev/tty.*', () => {
    expect(hostPortNote('darwin', '/dev/tty.usbserial-0001')).toMatch(/\/dev\/cu.usbserial-0001/);
    expect(hostPortNote('darwin', '/dev/cu.usbserial-0001')).toBeUndefined();
    expect(hostPortNote('linux', '/dev/tty.x')).toBeUndefined();
  });
  it('host flashing reaches RFC 2217 ports, checked; other network ports are refused with what to use', () => {
    expect(hostPortProblem('linux', 'rfc2217://h:4000?ign_set_control')).toBeUndefined();
    expect(hostPortProblem('win32', 'rfc2217://h:4000')).toBeUndefined();
    expect(hostPortProblem('linux', 'rfc2217://h')).toMatch(/with a host and a port/);
    expect(hostPortProblem('linux', 'socket://h:4000')).toMatch(
      /RFC 2217 only .*not socket:\/\/h:4000.*--flasher container/
    );
  });
  it('no port: what to name, per platform', () => {
    expect(noPortMessage('darwin')).toMatch(/\/dev\/cu\.usbserial/);
    expect(noPortMessage('win32')).toMatch(/COM3/);
    expect(noPortMessage('linux')).toMatch(/\/dev\/ttyUSB\*/);
  });
});

describe('goals and the host step', () => {
  it('deploy with the host flasher builds only: the board is written after, from this machine', () => {
    expect(goalFor('deploy', { tree: '/t', cwd: '/t' }, [], undefined, undefined, 'host')).toEqual({
      kind: 'build'
    });
    expect(
      goalFor(
        'deploy',
        { tree: '/t', cwd: '/t' },
        [],
        { port: '/dev/ttyUSB0', name: '/dev/ttyUSB0' },
        undefined
      )
    ).toMatchObject({
      kind: 'build',
      then: { title: 'Deploy to /dev/ttyUSB0' }
    });
  });

  it('erase with the host flasher: its dry run shows the step', () => {
    const plan = hostErasePlan({ port: '/dev/pts/3', pty: true, overrides: {} }, undefined);
    expect(plan).toMatchObject({ kind: 'erase', baud: 460800, romBaud: 115200, before: 'default_reset' });
    const text = hostFlashText(plan, true);
    expect(text).toContain(
      '# Erase the whole flash from this machine (esptool-js over serialport), no container'
    );
    expect(text).toContain('#   reset before: no_reset, after: no_reset');
    expect(text).toMatch(/note: \/dev\/pts\/3 is a pseudo-terminal/);
  });
});
