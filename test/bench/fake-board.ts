/**
 * The fake ESP32 in a process of its own, for the flashing benchmark (so that
 * its work is not counted as the flasher's). Prints the pty's path, then
 * serves until stdin closes. With --line-limit, what the host sends reaches
 * the board no faster than the baud rate the host set allows (10 bits a byte,
 * as on a UART), as over a real USB-serial bridge.
 */
import { openPseudoTerminal } from '../support/serial.js';
import { FakeEsp32 } from '../support/fake-esp32.js';

const limited = process.argv.includes('--line-limit');
const pty = await openPseudoTerminal({ relay: true });
const device = new FakeEsp32((bytes) => pty.write(bytes), {});
let line = Promise.resolve();
pty.onData((chunk) => {
  if (!limited) return device.receive(chunk);
  const ms = (chunk.length * 10 * 1000) / device.baudRate;
  line = line.then(() => new Promise((resolve) => setTimeout(resolve, ms))).then(() => device.receive(chunk));
});
process.stdout.write(`${pty.path}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void pty.close().then(() => process.exit(0));
});
