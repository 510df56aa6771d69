import {
  checkBaud,
  groupGrantNote,
  choosePort,
  groupFix,
  isNetworkPort,
  isPseudoTerminal,
  needsSerial,
  platformProblem,
  portKind,
  portProblem,
  SerialError,
  serialAttachment,
  serialMakeArgs,
  type PortFacts,
  type UserFacts
} from '../../src/cli/serial.js';

const DIALOUT = 20;
const alice: UserFacts = { uid: 1000, name: 'alice', groups: [1000, 27], listedGroups: [27] };
const usb: PortFacts = {
  path: '/dev/ttyUSB0',
  exists: true,
  realPath: '/dev/ttyUSB0',
  isCharDevice: true,
  major: 188,
  minor: 0,
  mode: 0o660,
  uid: 0,
  gid: DIALOUT,
  ownerName: 'root',
  groupName: 'dialout',
  accessible: true,
  holders: []
};

describe('choosePort', () => {
  it('takes the port given', () => {
    expect(choosePort('/dev/ttyS3', ['ttyUSB0'])).toBe('/dev/ttyS3');
  });
  it('else the lowest /dev/ttyUSB*, then /dev/ttyACM*', () => {
    expect(choosePort(undefined, ['ttyACM0', 'ttyUSB10', 'ttyUSB2', 'tty0'])).toBe('/dev/ttyUSB2');
    expect(choosePort(undefined, ['ttyACM1', 'ttyACM0', 'ttyS0'])).toBe('/dev/ttyACM0');
    expect(choosePort(undefined, ['ttyS0', 'ttyUSB', 'pts'])).toBeUndefined();
  });
});

describe('isPseudoTerminal', () => {
  it('knows /dev/pts/N and the Unix98 pty major numbers', () => {
    expect(isPseudoTerminal('/dev/pts/7')).toBe(true);
    expect(isPseudoTerminal('/dev/ttyV0', 136)).toBe(true);
    expect(isPseudoTerminal('/dev/ttyUSB0', 188)).toBe(false);
    expect(isPseudoTerminal('/dev/ttyACM0', 166)).toBe(false);
  });
});

describe('isNetworkPort', () => {
  it('rfc2217:// and socket:// are reached over the network', () => {
    expect(isNetworkPort('rfc2217://host.docker.internal:4000?ign_set_control')).toBe(true);
    expect(isNetworkPort('socket://10.0.0.2:3333')).toBe(true);
    expect(isNetworkPort('/dev/ttyUSB0')).toBe(false);
  });
});

describe('platformProblem', () => {
  it('Linux passes devices through', () => {
    expect(platformProblem('linux', '/dev/ttyUSB0')).toBeUndefined();
  });
  it('macOS and Windows cannot: say so, and offer host flashing and the RFC2217 bridge', () => {
    for (const platform of ['darwin', 'win32'] as const) {
      const text = platformProblem(platform, '/dev/cu.usbserial-1')!;
      expect(text).toContain('cannot pass USB serial devices into a container');
      expect(text).toContain('--flasher host');
      expect(text).toContain('esp_rfc2217_server');
      expect(text).toContain("--port 'rfc2217://host.docker.internal:4000?ign_set_control'");
    }
    expect(platformProblem('darwin', undefined)).toContain('macOS');
  });
  it('an RFC2217 port works everywhere', () => {
    expect(platformProblem('darwin', 'rfc2217://host.docker.internal:4000?ign_set_control')).toBeUndefined();
  });
});

describe('portProblem', () => {
  it('none for a port this user may read and write', () => {
    expect(portProblem(usb, alice)).toBeUndefined();
  });
  it('a missing port', () => {
    expect(portProblem({ path: '/dev/ttyUSB1', exists: false, holders: [] }, alice)).toContain(
      'Serial port /dev/ttyUSB1 does not exist'
    );
  });
  it('not a character device', () => {
    expect(portProblem({ ...usb, path: '/tmp/file', isCharDevice: false }, alice)).toContain(
      'is not a serial port'
    );
  });
  it('a character device that is no serial port: a console, /dev/tty, a disk', () => {
    for (const device of [
      { realPath: '/dev/tty0', major: 4, minor: 0, ttyClass: true },
      { realPath: '/dev/tty', major: 5, minor: 0, ttyClass: true },
      { realPath: '/dev/console', major: 5, minor: 1, ttyClass: true },
      { realPath: '/dev/ttyprintk', major: 5, minor: 3, ttyClass: true },
      { realPath: '/dev/sda', major: 8, minor: 0, ttyClass: false },
      { realPath: '/dev/ttyUSB0', major: 8, minor: 0, ttyClass: false },
      { realPath: '/dev/pts/ptmx', major: 5, minor: 2 },
      { realPath: '/dev/null', major: 1, minor: 3 },
      { realPath: '/dev/ttyUSB0', major: undefined }
    ]) {
      const text = portProblem({ ...usb, path: '/dev/serial/by-id/x', ...device }, alice);
      expect({ device, text }).toEqual({ device, text: expect.stringContaining('is not a serial port') });
    }
    expect(portProblem({ ...usb, realPath: '/dev/sda', major: 8, minor: 0 }, alice)).toContain(
      '(/dev/sda) is not a serial port, device 8:0: only a USB serial adapter (/dev/ttyUSB*)'
    );
  });
  it('a USB adapter, a USB modem, a UART or a pseudo-terminal is one', () => {
    const kinds = [
      [{ realPath: '/dev/ttyUSB3', major: 188, minor: 3 }, 'USB serial adapter'],
      [{ realPath: '/dev/ttyACM0', major: 166, minor: 0 }, 'USB modem (CDC-ACM)'],
      [{ realPath: '/dev/ttyS0', major: 4, minor: 64 }, 'UART'],
      [{ realPath: '/dev/ttyAMA0', major: 204, minor: 64 }, 'UART'],
      [{ realPath: '/dev/ttyTHS1', major: 238, minor: 1, ttyClass: true }, 'UART'],
      [{ realPath: '/dev/pts/4', major: 136, minor: 4 }, 'pseudo-terminal']
    ] as const;
    for (const [device, kind] of kinds) {
      expect(portKind({ path: '/dev/x', ...device })).toBe(kind);
      expect(portProblem({ ...usb, ...device }, alice)).toBeUndefined();
    }
    // A dynamic major outside the tty class is not taken on its name alone.
    expect(
      portKind({ path: '/dev/ttyTHS1', realPath: '/dev/ttyTHS1', major: 238, minor: 1 })
    ).toBeUndefined();
  });
  it('a port of group root is refused with the fix: the container never gets group root', () => {
    const text = portProblem({ ...usb, gid: 0, groupName: 'root' }, alice)!;
    expect(text).toContain('Serial port /dev/ttyUSB0 belongs to group root (GID 0)');
    expect(text).toContain('sudo chgrp dialout /dev/ttyUSB0');
    expect(text).toContain('KERNEL=="ttyUSB0", GROUP="dialout", MODE="0660"');
    // Even for root, who could open it.
    expect(portProblem({ ...usb, gid: 0, uid: 0, accessible: true }, { ...alice, uid: 0 })).toMatch(
      /group root/
    );
  });
  it('no access, through the container: no problem, the container gets the group, and one line says so', () => {
    expect(portProblem({ ...usb, accessible: false }, alice, 'container')).toBeUndefined();
    expect(groupGrantNote({ ...usb, accessible: false }, alice, 'container')).toBe(
      `alice is not in group dialout: the container gets the port's group (--group-add ${DIALOUT}), as the old scripts did; Docker access already allows it.`
    );
    // Nothing to say when the user may open it, or for the host flasher.
    expect(groupGrantNote(usb, alice, 'container')).toBeUndefined();
    expect(groupGrantNote({ ...usb, accessible: false }, alice, 'host')).toBeUndefined();
  });
  it('no access, from the host: names the owning group and the usermod fix (and uucp for Arch)', () => {
    const text = portProblem({ ...usb, accessible: false }, alice, 'host')!;
    expect(text).toContain('Cannot open /dev/ttyUSB0 (rw-rw----, owner root, group dialout)');
    expect(text).toContain('alice is not in group dialout');
    expect(text).toContain('sudo usermod -aG dialout $USER, then log out and back in');
    expect(text).toContain('uucp on Arch');
  });
  it('added to the group but not in this session yet: log in again', () => {
    const text = portProblem(
      { ...usb, accessible: false },
      { ...alice, listedGroups: [27, DIALOUT] },
      'host'
    )!;
    expect(text).toContain('was added to group dialout, but this session started before that');
    expect(text).toContain('newgrp dialout');
  });
  it('only the owner may open it: refused either way, since the group would not help', () => {
    expect(portProblem({ ...usb, mode: 0o600, accessible: false }, alice, 'host')).toBe(
      portProblem({ ...usb, mode: 0o600, accessible: false }, alice, 'container')
    );
    const text = portProblem({ ...usb, mode: 0o600, accessible: false }, alice)!;
    expect(text).toContain('only its owner may read and write it');
    expect(text).toContain('sudo chmod g+rw /dev/ttyUSB0');
  });
  it('a busy port names the processes', () => {
    const text = portProblem({ ...usb, holders: [{ pid: 4242, command: 'screen' }] }, alice)!;
    expect(text).toContain('Serial port /dev/ttyUSB0 is busy: process 4242 (screen) has it open');
  });
});

describe('serialAttachment', () => {
  it('a real adapter: --device at its own path, with the owning GID', () => {
    expect(serialAttachment(usb)).toEqual({
      host: '/dev/ttyUSB0',
      container: '/dev/ttyUSB0',
      kind: 'device',
      gid: DIALOUT
    });
  });
  it('a by-id symlink is passed as the device it points to', () => {
    const byId = {
      ...usb,
      path: '/dev/serial/by-id/usb-Silicon_Labs_CP2102-if00-port0',
      realPath: '/dev/ttyUSB3'
    };
    expect(serialAttachment(byId)).toMatchObject({
      host: '/dev/ttyUSB3',
      container: '/dev/ttyUSB3',
      kind: 'device'
    });
  });
  it('a pseudo-terminal (or a symlink to one) is bind-mounted as /dev/ttyUSB0', () => {
    const pty = { ...usb, path: '/tmp/virtual-board', realPath: '/dev/pts/4', major: 136 };
    expect(serialAttachment(pty)).toEqual({
      host: '/dev/pts/4',
      container: '/dev/ttyUSB0',
      kind: 'bind',
      gid: DIALOUT
    });
  });
});

describe('make arguments for the board', () => {
  it('PORT= always, BAUD= only when given', () => {
    expect(serialMakeArgs('/dev/ttyUSB0', undefined)).toEqual(['PORT=/dev/ttyUSB0']);
    expect(serialMakeArgs('/dev/ttyUSB0', '115200')).toEqual(['PORT=/dev/ttyUSB0', 'BAUD=115200']);
  });
  it('goals that talk to the board', () => {
    expect(needsSerial(['-j4'])).toBe(false);
    expect(needsSerial(['BOARD=X', 'deploy'])).toBe(true);
    expect(needsSerial(['erase'])).toBe(true);
    expect(needsSerial(['monitor'])).toBe(true);
  });
  it('a baud rate is a number', () => {
    expect(checkBaud(undefined)).toBeUndefined();
    expect(checkBaud('921600')).toBe('921600');
    expect(() => checkBaud('fast')).toThrow(SerialError);
  });
  it('groupFix names the group given', () => {
    expect(groupFix('plugdev')).toBe('sudo usermod -aG plugdev $USER, then log out and back in');
  });
});
