/**
 * Which flasher writes the board (the port's make deploy in the container, or
 * esptool-js on this machine) and the host flashing options. Pure.
 */
import { isRfc2217Url, parseRfc2217Url } from '../flash/rfc2217.js';
import {
  AFTER,
  BEFORE,
  FLASH_MODES,
  FLASH_SIZES,
  choiceProblem,
  type After,
  type Before,
  type FlashOverrides
} from '../flash/flash-args.js';
import { stringOption, UsageError, type CommandName, type ParsedArgs } from './args.js';
import { isNetworkPort } from './serial.js';

export type Flasher = 'host' | 'container';
export type Platform = 'linux' | 'darwin' | 'win32' | NodeJS.Platform;

/** The options only host flashing has. */
export const HOST_ONLY = ['flash-mode', 'flash-size', 'before', 'after', 'app-only'] as const;

/**
 * The flasher when none is given: on Linux the container, when the port can
 * be passed into it; elsewhere (Docker Desktop on macOS and Windows cannot
 * pass USB devices) this machine. An RFC2217 port is reached from the
 * container everywhere. A port of group root is not a reason to switch: the
 * container refuses it with the fix, which names --flasher host. Pure.
 */
export function defaultFlasher(
  platform: Platform,
  port: string | undefined
): { flasher: Flasher; why?: string } {
  if (port && isNetworkPort(port)) return { flasher: 'container' };
  if (platform !== 'linux') {
    return {
      flasher: 'host',
      why: `Docker on ${platform === 'darwin' ? 'macOS' : platform === 'win32' ? 'Windows' : platform} cannot pass a USB serial port into a container: flashing from this machine`
    };
  }
  return { flasher: 'container' };
}

/** --flasher, checked. Pure. */
export function requestedFlasher(options: ParsedArgs['options'], command: CommandName): Flasher | undefined {
  const value = stringOption(options, 'flasher');
  if (value === undefined) return undefined;
  if (value !== 'host' && value !== 'container') {
    throw new UsageError(`--flasher must be host or container (got '${value}').`, command);
  }
  return value;
}

/** The host flashing options, checked against what esptool-js accepts. Pure. */
export function flashOverrides(options: ParsedArgs['options'], command: CommandName): FlashOverrides {
  const check = (name: string, allowed: readonly string[]) => {
    const value = stringOption(options, name);
    if (value === undefined) return undefined;
    const problem = choiceProblem(`--${name}`, value, allowed);
    if (problem) throw new UsageError(problem, command);
    return value;
  };
  const overrides: FlashOverrides = {};
  const flashMode = check('flash-mode', FLASH_MODES);
  const flashSize = check('flash-size', FLASH_SIZES);
  const before = check('before', BEFORE) as Before | undefined;
  const after = check('after', AFTER) as After | undefined;
  if (flashMode) overrides.flashMode = flashMode;
  if (flashSize) overrides.flashSize = flashSize;
  if (before) overrides.before = before;
  if (after) overrides.after = after;
  if (options['app-only'] === true) overrides.appOnly = true;
  return overrides;
}

/** Host-only options given with the container flasher: say how to have them. Pure. */
export function containerConflict(options: ParsedArgs['options'], flasher: Flasher): string | undefined {
  if (flasher !== 'container') return undefined;
  const given = HOST_ONLY.filter((name) => options[name] !== undefined).map((name) => `--${name}`);
  if (given.length === 0) return undefined;
  return `${given.join(', ')} ${given.length > 1 ? 'apply' : 'applies'} to flashing from this machine: add --flasher host (the container runs the port's own make deploy or erase).`;
}

/** Why a port name cannot be a serial port of this platform, or undefined. Pure. */
export function hostPortProblem(platform: Platform, port: string): string | undefined {
  if (isRfc2217Url(port)) {
    try {
      parseRfc2217Url(port);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }
  if (isNetworkPort(port)) {
    return `Host flashing reaches a network port over RFC 2217 only (rfc2217://host:port), not ${port.split('?')[0]}: use an RFC 2217 server, or --flasher container, whose esptool.py also takes socket://.`;
  }
  if (platform === 'win32' && !/^(\\\\\.\\)?COM\d+$/i.test(port)) {
    return `On Windows a serial port is named COM1, COM3…, not '${port}' (Device Manager, Ports (COM & LPT), names the board's).`;
  }
  return undefined;
}

/** A note on a port name that works badly, or undefined (macOS's /dev/tty.* waits for carrier on open). Pure. */
export function hostPortNote(platform: Platform, port: string): string | undefined {
  if (platform === 'darwin' && /^\/dev\/tty\./.test(port)) {
    return `On macOS use the call-out device ${port.replace('/dev/tty.', '/dev/cu.')} rather than ${port}, whose open waits for a carrier signal.`;
  }
  return undefined;
}

/** No port given or found: what to name, per platform. Pure. */
export function noPortMessage(platform: Platform): string {
  if (platform === 'darwin')
    return "No serial port given: name the board's with --port, e.g. /dev/cu.usbserial-0001 (ls /dev/cu.* lists them).";
  if (platform === 'win32')
    return "No serial port given: name the board's with --port, e.g. COM3 (Device Manager, Ports (COM & LPT), lists them).";
  return 'No serial port found: no /dev/ttyUSB* or /dev/ttyACM*. Plug the board in (dmesg | tail names the port it gets) or give one with --port.';
}
