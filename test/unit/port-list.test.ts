/** The board's port on macOS and Windows: chosen among serialport's list by USB bridge. */
import { jest } from '@jest/globals';
import { callOutName, isListedPort } from '../../src/flash/decisions.js';
import {
  bridgeOf,
  chooseListedPort,
  listedBoardPort,
  listPorts,
  type ListedPort
} from '../../src/cli/port-list.js';

const cp210x = { vendorId: '10c4', productId: 'ea60' };
const ch340 = { vendorId: '1A86', productId: '7523' };
const jtag = { vendorId: '303a', productId: '1001' };

describe('the USB serial bridges of ESP32 boards', () => {
  it('knows CP210x, CH340, FTDI and Espressif’s USB-JTAG/serial, in either case', () => {
    expect(bridgeOf({ path: 'COM3', ...cp210x })).toBe('CP210x');
    expect(bridgeOf({ path: 'COM4', ...ch340 })).toBe('CH340');
    expect(bridgeOf({ path: 'COM5', vendorId: '0403', productId: '6015' })).toBe('FTDI FT-X');
    expect(bridgeOf({ path: 'COM6', vendorId: '0403', productId: '6001' })).toBe('FTDI FT232R');
    expect(bridgeOf({ path: 'COM7', vendorId: '0403', productId: '6010' })).toBe('FTDI FT2232');
    expect(bridgeOf({ path: 'COM8', ...jtag })).toBe('Espressif USB-JTAG/serial');
    expect(bridgeOf({ path: 'COM1' })).toBeUndefined();
    expect(bridgeOf({ path: 'COM9', vendorId: '2341', productId: '0043' })).toBeUndefined();
  });
});

describe('choosing the board among the listed ports', () => {
  it('Windows: the one port behind a bridge, others ignored', () => {
    const ports: ListedPort[] = [{ path: 'COM1' }, { path: 'COM3', ...ch340, manufacturer: 'wch.cn' }];
    expect(chooseListedPort(ports, 'win32')).toEqual({ port: 'COM3', note: 'Found a board on COM3 (CH340)' });
  });

  it('macOS: the listed dial-in device becomes its call-out twin', () => {
    const ports: ListedPort[] = [
      { path: '/dev/tty.Bluetooth-Incoming-Port' },
      { path: '/dev/tty.usbserial-0001', ...cp210x }
    ];
    expect(chooseListedPort(ports, 'darwin').port).toBe('/dev/cu.usbserial-0001');
    expect(chooseListedPort([{ path: '/dev/tty.usbmodem101', ...jtag }], 'darwin').port).toBe(
      '/dev/cu.usbmodem101'
    );
  });

  it('several boards: none chosen, all named, in COM order', () => {
    const choice = chooseListedPort(
      [
        { path: 'COM10', ...cp210x },
        { path: 'COM4', ...ch340 }
      ],
      'win32'
    );
    expect(choice.port).toBeUndefined();
    expect(choice.note).toBe('Several boards are plugged in (COM4, COM10): name one with --port.');
  });

  it('no board: the ports listed, or that none is', () => {
    expect(chooseListedPort([{ path: 'COM1' }], 'win32')).toEqual({
      note: "No port is behind a USB serial bridge of an ESP32 board (listed: COM1): name the board's with --port."
    });
    expect(chooseListedPort([], 'darwin').note).toMatch(/No serial port is listed: plug the board in/);
  });
});

describe('listing through the optional serialport package', () => {
  it('serialport missing: says how to install it', async () => {
    await expect(
      listPorts(() => Promise.reject(new Error("Cannot find package 'serialport'")))
    ).rejects.toThrow(/needs the optional package serialport.*npm ci/);
  });

  it('the listing, chosen and said; a failed listing warns and leaves the port to --port', async () => {
    const log = { info: jest.fn(), warning: jest.fn() };
    const list = async () => [{ path: 'COM3', ...cp210x }];
    expect(await listedBoardPort('win32', log, list)).toBe('COM3');
    expect(log.info).toHaveBeenCalledWith('Found a board on COM3 (CP210x)');
    expect(
      await listedBoardPort('win32', log, () => Promise.reject(new Error('no binding')))
    ).toBeUndefined();
    expect(log.warning).toHaveBeenCalledWith('Could not list the serial ports: no binding');
    expect(await listedBoardPort('win32', log, async () => [])).toBeUndefined();
    expect(log.warning).toHaveBeenLastCalledWith(expect.stringMatching(/No serial port is listed/));
  });
});

describe('matching a named port to serialport’s list (esptool-js’s reset needs its USB IDs)', () => {
  it('macOS: /dev/cu.* is the listed /dev/tty.*', () => {
    expect(callOutName('/dev/tty.usbserial-0001', 'darwin')).toBe('/dev/cu.usbserial-0001');
    expect(callOutName('/dev/tty.usbserial-0001', 'linux')).toBe('/dev/tty.usbserial-0001');
    expect(isListedPort('/dev/tty.usbserial-0001', '/dev/cu.usbserial-0001', 'darwin')).toBe(true);
    expect(isListedPort('/dev/tty.usbserial-0001', '/dev/cu.usbserial-0001', 'linux')).toBe(false);
  });

  it('Windows: COM ports in any case, with or without \\\\.\\', () => {
    expect(isListedPort('COM3', 'com3', 'win32')).toBe(true);
    expect(isListedPort('COM3', '\\\\.\\COM3', 'win32')).toBe(true);
    expect(isListedPort('COM3', 'COM13', 'win32')).toBe(false);
    expect(isListedPort('/dev/ttyUSB0', '/dev/ttyUSB0', 'linux')).toBe(true);
  });
});
