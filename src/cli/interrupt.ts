/**
 * Ctrl-C (SIGINT) and SIGTERM, anywhere: stop the commands this run started
 * (git, tar, the docker client), remove what this run had half-written in
 * $HOME/esp32-devel, and exit 130. A build container is removed by the
 * pipeline's own handler (runContainer), which then exits itself.
 */
import { descendants, processAlive } from './host.js';
import { removeLeftovers } from './store.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface InterruptOptions {
  root: string;
  /** Say what is happening (the terminal). */
  notify: (message: string) => void;
  /** Leave the terminal clean. */
  close: () => void;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/**
 * Terminate every process below this one. They are frozen first, until no new
 * one appears, so none can start another that would outlive it (a git that
 * spawns index-pack, say) and write on after the cleanup.
 */
function stopDescendants(): number[] {
  const frozen = new Set<number>();
  for (let round = 0; round < 10; round++) {
    const fresh = descendants(process.pid).filter((pid) => !frozen.has(pid));
    if (fresh.length === 0) break;
    for (const pid of fresh) {
      signal(pid, 'SIGSTOP');
      frozen.add(pid);
    }
  }
  for (const pid of frozen) signal(pid, 'SIGTERM');
  for (const pid of frozen) signal(pid, 'SIGCONT');
  return [...frozen];
}

export interface Interrupts {
  /** Whether a signal came: the errors that follow are its consequence, not news. */
  readonly interrupted: boolean;
  /** Remove the handlers. */
  stop(): void;
}

/** Installs the handlers. A second Ctrl-C exits at once. */
export function handleInterrupts(options: InterruptOptions): Interrupts {
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    options.close();
    options.notify(`Interrupted (${signal}): stopping and cleaning up…`);
    const children = stopDescendants();
    // Another handler (a running container's) finishes the exit itself, maybe
    // before the children are gone: clean up now, and again once they are.
    const containerRunning = process.listenerCount(signal) > 1;
    removeLeftovers(options.root, (pid) => pid === process.pid);
    void (async () => {
      for (let i = 0; i < 50 && children.some(processAlive); i++) await sleep(100);
      removeLeftovers(options.root, (pid) => pid === process.pid);
    })().finally(() => {
      if (!containerRunning) process.exit(130);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    get interrupted() {
      return interrupted;
    },
    stop() {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  };
}
