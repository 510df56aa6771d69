/**
 * The host flasher's decisions over what esptool-js and serialport report:
 * whether the chip is the build's, and what a failure means for the user.
 * Pure.
 */
import { hex, type Before } from './flash-args.js';

/** esptool-js's chip name ('ESP32-S3') as esptool's ('esp32s3'). */
export function chipId(chipName: string): string {
  return chipName.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Why the board cannot take this build, or undefined. */
export function chipProblem(
  expected: string | undefined,
  chipName: string,
  port: string
): string | undefined {
  if (!expected || chipId(chipName) === chipId(expected)) return undefined;
  return `The board on ${port} is an ${chipName}, but the firmware was built for ${expected}. Connect an ${expected} board, or build for this one (--board names a board of its chip).`;
}

/** What opening the port failed on, from serialport's message. */
export function openProblem(
  message: string,
  port: string,
  holders: readonly { pid: number; command: string }[]
): string | undefined {
  if (/no such file|ENOENT|cannot find the file|file not found/i.test(message)) {
    return `Serial port ${port} does not exist. Is the board plugged in? Name its port with --port (Linux /dev/ttyUSB0, macOS /dev/cu.usbserial-…, Windows COM3).`;
  }
  if (/cannot lock|resource temporarily unavailable|busy|access denied|EBUSY/i.test(message)) {
    const who = holders.length
      ? `${holders.map((h) => `process ${h.pid} (${h.command})`).join(', ')} has it open`
      : 'another program has it open';
    return `Serial port ${port} is busy: ${who}. Close that program (a serial monitor such as screen, minicom, picocom or the Arduino IDE) and try again.`;
  }
  if (/permission denied|EACCES/i.test(message)) {
    return `Cannot open ${port}: permission denied. On Linux, join the port's group (sudo usermod -aG dialout $USER, then log in again), or use --flasher container.`;
  }
  return undefined;
}

/** The board did not answer the sync: what to try. */
export function noSyncMessage(port: string, before: Before, pty: boolean): string {
  const reset =
    before === 'no_reset'
      ? pty
        ? 'The board must already wait in its bootloader, since a pseudo-terminal cannot reset it.'
        : 'Nothing reset it (--before no_reset): hold BOOT and press EN/RESET, or try --before default_reset.'
      : before === 'usb_reset'
        ? 'Hold BOOT and press EN/RESET, or try --before default_reset.'
        : 'Hold BOOT and press EN/RESET (then release BOOT) and try again, or try --before usb_reset for a board on its own USB port (ESP32-S3, C3, C6), or a lower --baud.';
  return `The board on ${port} did not answer the sync: it is not in its serial bootloader. ${reset}`;
}

/** An image whose MD5 on the board differs from the file's. */
export function md5Message(image: { name: string; offset: number; file: string }, port: string): string {
  return `Verification failed: the flash at ${hex(image.offset)} does not hold ${image.file} (${image.name}) as written; its MD5 on the board differs from the file's. Nothing was wrong with the file: the data was corrupted on the way or in the flash. Try again, with a lower --baud or another cable; if it keeps failing, erase the flash (esp32-build erase --port ${port}) first.`;
}

/** The optional packages could not be loaded: how to get them. */
export function missingPackageMessage(name: string, error: Error): string {
  if (/No native build was found|bindings|\.node\b/i.test(error.message)) {
    return `serialport has no native binding for this platform (${process.platform}-${process.arch}): ${error.message.split('\n')[0]}. Build it: npm rebuild @serialport/bindings-cpp --build-from-source in the esp32-micropython-build clone (needs Python and a C++ compiler), or use --flasher container.`;
  }
  return `Host flashing needs the optional package ${name}, which is not installed (${error.message.split('\n')[0]}). In the esp32-micropython-build clone run npm ci (it installs esptool-js and serialport), or use --flasher container.`;
}

/** macOS lists the dial-in device (/dev/tty.*), whose open waits for a carrier: its call-out twin (/dev/cu.*). */
export function callOutName(path: string, platform: NodeJS.Platform): string {
  return platform === 'darwin' ? path.replace(/^\/dev\/tty\./, '/dev/cu.') : path;
}

/**
 * Whether serialport's listed `path` is the port named: as named, its
 * macOS call-out twin, or on Windows the same COM port in any case and with
 * or without the \\.\ prefix.
 */
export function isListedPort(listed: string, port: string, platform: NodeJS.Platform): boolean {
  if (listed === port || callOutName(listed, platform) === callOutName(port, platform)) return true;
  if (platform !== 'win32') return false;
  const bare = (name: string) => name.replace(/^\\\\\.\\/, '').toUpperCase();
  return bare(listed) === bare(port);
}
