/**
 * Ctrl-C (SIGINT) and SIGTERM, anywhere: cancel the command through its
 * AbortSignal (which stops every process and removes every container it
 * started), then remove what this run had half-written in $HOME/esp32-devel.
 * The exit code (130) is the front's to give, once the command has wound down.
 */
import { descendants, processAlive } from './host.js';
import { removeLeftovers } from './store.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long a cancelled command may take to wind down before what is left is stopped outright. */
const WIND_DOWN_MS = 15_000;

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
  /** Aborted on the first signal: pass it to the command. */
  readonly signal: AbortSignal;
  /** Whether a signal came: the errors that follow are its consequence, not news. */
  readonly interrupted: boolean;
  /** After the command has wound down: stop anything left, remove this run's partial files. */
  cleanUp(): Promise<void>;
  /** Remove the handlers. */
  stop(): void;
}

/** Installs the handlers. A second Ctrl-C exits at once. */
export function handleInterrupts(options: InterruptOptions): Interrupts {
  const controller = new AbortController();
  let interrupted = false;
  let backstop: NodeJS.Timeout | undefined;
  const cleanUp = async () => {
    const children = stopDescendants();
    for (let i = 0; i < 50 && children.some(processAlive); i++) await sleep(100);
    removeLeftovers(options.root, (pid) => pid === process.pid);
  };
  const onSignal = (name: NodeJS.Signals) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    options.close();
    options.notify(`Interrupted (${name}): stopping and cleaning up…`);
    controller.abort();
    // Should the command not wind down, stop what is left and leave anyway.
    backstop = setTimeout(() => void cleanUp().finally(() => process.exit(130)), WIND_DOWN_MS);
    backstop.unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    get interrupted() {
      return interrupted;
    },
    cleanUp,
    stop() {
      if (backstop) clearTimeout(backstop);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  };
}
