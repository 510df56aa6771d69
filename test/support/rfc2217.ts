/**
 * An RFC 2217 server on loopback, made of Debian's python3-serial: its own
 * PortManager (the protocol side of pyserial's rfc2217_server.py), relaying
 * between one TCP client and a port. The port is pyserial's `loop://` (what
 * is written comes back, as from a REPL echoing) or a pseudo-terminal (the
 * fake board), whose modem lines are no-ops: a pty carries no DTR, RTS or
 * CTS, and pyserial's example server stops at the first such ioctl.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's Python, which has python3-serial (a python3 earlier on PATH may not). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

const SERVER = String.raw`
import socket, sys, threading
import serial, serial.rfc2217

device = sys.argv[1]

class NoModemLines(serial.Serial):
    """A pty: nothing to set or read on its modem lines."""
    def _update_dtr_state(self): pass
    def _update_rts_state(self): pass
    def _update_break_state(self): pass
    cts = dsr = ri = cd = property(lambda self: False)

port = serial.serial_for_url(device) if '://' in device else NoModemLines(device)
port.timeout = 0.05
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(('127.0.0.1', 0))
listener.listen(1)
print(listener.getsockname()[1], flush=True)

while True:
    client, _ = listener.accept()
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    class Connection:
        def write(self, data):
            client.sendall(data)

    manager = serial.rfc2217.PortManager(port, Connection())
    alive = [True]

    def board_to_client():
        while alive[0]:
            data = port.read(4096)
            if data:
                client.sendall(b''.join(manager.escape(data)))

    relay = threading.Thread(target=board_to_client, daemon=True)
    relay.start()
    try:
        while True:
            data = client.recv(4096)
            if not data:
                break
            port.write(b''.join(manager.filter(data)))
    except OSError:
        pass
    alive[0] = False
    relay.join()
    client.close()
`;

export interface Rfc2217Server {
  /** rfc2217://127.0.0.1:PORT */
  url: string;
  close(): Promise<void>;
}

/** Serves `device` ('loop://' or a pty's path) over RFC 2217 on loopback. */
export async function startRfc2217Server(device: string): Promise<Rfc2217Server> {
  if (!existsSync(SYSTEM_PYTHON)) throw new Error(`${SYSTEM_PYTHON} is missing: install Debian's python3.`);
  const child: ChildProcess = spawn(SYSTEM_PYTHON, ['-c', SERVER, device], {
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', () =>
      reject(
        new Error(
          `The RFC 2217 server did not start${/No module named 'serial'/.test(stderr) ? ": install Debian's python3-serial" : ''}: ${stderr}`
        )
      )
    );
  });
  return {
    url: `rfc2217://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      })
  };
}
