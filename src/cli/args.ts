/**
 * The command line: commands, their options, help texts, and the mapping of
 * options onto the action's input names. Pure: argv in, a plain object out.
 */
import type { InputSource } from '../inputs.js';
import { OPTIONS, type OptionSpec } from './options.js';

export { OPTIONS, type OptionSpec } from './options.js';

export type CommandName =
  'resolve' | 'setup' | 'image' | 'build' | 'deploy' | 'erase' | 'monitor' | 'make' | 'doctor';

const BUILD = [
  'micropython',
  'micropython-repo',
  'board',
  'board-variant',
  'idf-version',
  'idf-repo',
  'toolchain-url',
  'toolchain-sha256',
  'idf-tools-mirror',
  'espressif-mirror',
  'pip-index',
  'idf-pip-wheels',
  'component-registry-mirror',
  'image',
  'image-build-args',
  'jobs',
  'make-args',
  'network',
  'no-ccache',
  'dry-run',
  'json'
];
const SERIAL = ['port', 'baud'];
const COMMON = ['verbose', 'help'];

interface CommandSpec {
  usage: string;
  summary: string;
  details?: string;
  options: string[];
}

export const COMMANDS: Record<CommandName, CommandSpec> = {
  resolve: {
    usage: 'resolve [--micropython DIR] [--json]',
    summary: 'say which ESP-IDF, toolchain, board and chips a MicroPython tree builds with',
    options: [
      'micropython',
      'json',
      'board',
      'board-variant',
      'idf-version',
      'toolchain-url',
      'toolchain-sha256',
      ...COMMON
    ]
  },
  setup: {
    usage: 'setup [options]',
    summary: 'populate ~/esp32-devel: the toolchain, ESP-IDF with its submodules and tools, the image',
    details:
      'One directory per ESP-IDF version, so several coexist. Downloads and clones land atomically: an interrupted setup leaves what was there usable, and the next one carries on.',
    options: [...BUILD, ...COMMON]
  },
  image: {
    usage: 'image [--idf-version REF | --micropython DIR] [--image REF] [--network NAME]',
    summary: 'build (or find) the esp32-devel image an ESP-IDF needs, and print its reference',
    details:
      'Each era of ESP-IDF has its image: docker/Dockerfile.idf4 for ESP-IDF v4.x (Python 3.8), docker/Dockerfile for the legacy make builds and ESP-IDF v5 and later. The reference is the last line of standard output. With --image REF, that image is pulled and its Python checked against the ESP-IDF.',
    options: [
      'idf-version',
      'micropython',
      'image',
      'image-build-args',
      'network',
      'dry-run',
      'json',
      ...COMMON
    ]
  },
  build: {
    usage: 'build [options]',
    summary: 'build the firmware, as the GitHub Action does',
    details:
      "With no tree given and none around the current directory, MicroPython's latest release is cloned into ~/esp32-devel/micropython and built.",
    options: [...BUILD, ...COMMON]
  },
  deploy: {
    usage: 'deploy [--port PORT] [--baud RATE] [--flasher host|container] [options]',
    summary:
      'build if needed, then write the firmware to the board (make deploy, or esptool-js on this machine)',
    details:
      "With --flasher host the firmware is written from this machine with esptool-js over the serialport package: the images, offsets and flash settings of the build's flasher_args.json (what idf.py flash writes) or of the legacy Makefile's deploy line, compressed, each verified by MD5. It needs the optional packages esptool-js and serialport (npm ci in the clone installs them).",
    options: [
      ...BUILD,
      ...SERIAL,
      'flasher',
      'flash-mode',
      'flash-size',
      'before',
      'after',
      'app-only',
      'monitor',
      'eol',
      ...COMMON
    ]
  },
  erase: {
    usage: 'erase [--port PORT] [--baud RATE] [--flasher host|container] [options]',
    summary: "erase the board's flash (make erase, or esptool-js on this machine)",
    details: 'With --flasher host nothing is built and no container runs.',
    options: [...BUILD, ...SERIAL, 'flasher', 'before', 'after', ...COMMON]
  },
  monitor: {
    usage: 'monitor [--port PORT] [--baud RATE] [--eol CR|LF|CRLF]',
    summary: 'a serial console to the board on this machine (exit: Ctrl-])',
    details:
      "What the board writes is shown as it comes; what you type goes to it, Ctrl-C, Ctrl-D and Ctrl-E included (the terminal is raw), so MicroPython's REPL works as in mpremote. --baud is the console's speed (default 115200, MicroPython's). The port may be rfc2217://HOST:PORT. Needs the optional package serialport for a local port.",
    options: ['port', 'baud', 'eol', ...COMMON]
  },
  make: {
    usage: 'make [options] [--] ARGS…',
    summary: 'run make ARGS in the current directory, inside the container (what the esp32 alias runs)',
    details:
      "The MicroPython tree is found by walking up from the current directory. The first argument that is not an option of esp32-build starts make's own (so `esp32-build make -j4` works); put `--` before make arguments that look like esp32-build options. Goals that talk to the board (deploy, erase, monitor, flash, erase_flash) get the serial port and PORT=.",
    options: [...BUILD, ...SERIAL, ...COMMON]
  },
  doctor: {
    usage: 'doctor [--port PORT]',
    summary: 'check Docker, the serial port, free disk and ~/esp32-devel, and say how to fix what is wrong',
    options: ['port', ...COMMON]
  }
};

export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

/** A mistake on the command line: shown with the help, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: CommandName
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedArgs {
  command: CommandName;
  /** String options by name; lists for repeatable ones; true for flags. */
  options: Record<string, string | string[] | true>;
  /** `make`'s own arguments. */
  rest: string[];
  help: boolean;
}

/** What the command line asks for: a command, or the general help. */
export type CommandLine =
  ParsedArgs | { command: undefined; help: true } | { command: undefined; version: true };

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/** Parse argv (without node and the script). Throws UsageError. Pure. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const [first, ...tail] = argv;
  if (first === undefined || first === '--help' || first === '-h') return { command: undefined, help: true };
  if (first === 'help') {
    if (tail[0] === undefined) return { command: undefined, help: true };
    if (!isCommand(tail[0])) throw new UsageError(`Unknown command '${tail[0]}'.`);
    return { command: tail[0], options: {}, rest: [], help: true };
  }
  if (!isCommand(first)) {
    throw new UsageError(
      first.startsWith('-') ? `Give a command before the options (${first}).` : `Unknown command '${first}'.`
    );
  }
  const command = first;
  const allowed = new Set(COMMANDS[command].options);
  const options: ParsedArgs['options'] = {};
  const rest: string[] = [];
  let help = false;

  for (let i = 0; i < tail.length; i++) {
    const token = tail[i];
    if (token === '--') {
      if (command !== 'make') throw new UsageError(`'${command}' takes no arguments after --.`, command);
      rest.push(...tail.slice(i + 1));
      break;
    }
    const spec = optionFor(token, allowed);
    if (!spec) {
      if (command === 'make') {
        // The first word that is not ours is where make's arguments begin.
        rest.push(...tail.slice(i));
        break;
      }
      if (token.startsWith('-')) {
        const known = lookUpOption(token);
        throw new UsageError(
          known ? `'${command}' has no option ${token}.` : `Unknown option ${token}.`,
          command
        );
      }
      throw new UsageError(`'${command}' takes no arguments (got '${token}').`, command);
    }
    if (spec.name === 'help') {
      help = true;
      continue;
    }
    const eq = token.indexOf('=');
    const inline = token.startsWith('--') && eq > 0 ? token.slice(eq + 1) : undefined;
    if (spec.kind === 'boolean') {
      if (inline !== undefined) throw new UsageError(`--${spec.name} takes no value.`, command);
      options[spec.name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      value = tail[++i];
      if (value === undefined) throw new UsageError(`--${spec.name} needs a value (${spec.value}).`, command);
    }
    if (spec.kind === 'list') {
      const list = (options[spec.name] as string[] | undefined) ?? [];
      options[spec.name] = [...list, value];
    } else {
      if (options[spec.name] !== undefined) throw new UsageError(`--${spec.name} is given twice.`, command);
      options[spec.name] = value;
    }
  }
  if (options.json && command !== 'resolve' && !options['dry-run']) {
    throw new UsageError('--json prints the plan of a dry run: give it with --dry-run.', command);
  }
  return { command, options, rest, help };
}

function lookUpOption(token: string): OptionSpec | undefined {
  if (token.startsWith('--')) {
    const name = token.slice(2).split('=')[0];
    return Object.hasOwn(OPTIONS, name) ? OPTIONS[name] : undefined;
  }
  if (/^-[A-Za-z]$/.test(token)) return Object.values(OPTIONS).find((spec) => spec.short === token.slice(1));
  return undefined;
}

function optionFor(token: string, allowed: Set<string>): OptionSpec | undefined {
  const spec = lookUpOption(token);
  return spec && allowed.has(spec.name) ? spec : undefined;
}

/**
 * The options as the action's inputs, for parseInputs: the same names, the
 * same validation. `--micropython` is micropython-path; --make-args one
 * argument per occurrence. Pure.
 */
export function inputSource(options: ParsedArgs['options'], micropythonPath: string): InputSource {
  const text = (name: string): string => {
    const value = options[name];
    if (value === undefined || value === true) return '';
    return Array.isArray(value) ? value.join('\n') : value;
  };
  return (name) => {
    switch (name) {
      case 'micropython-path':
        return micropythonPath;
      case 'ccache':
        return options['no-ccache'] ? 'false' : 'true';
      // $HOME/esp32-devel is the cache here; there is no remote one.
      case 'cache':
        return 'false';
      case 'targets':
        return '';
      default:
        return text(name);
    }
  };
}

export function flag(options: ParsedArgs['options'], name: string): boolean {
  return options[name] === true;
}

export function stringOption(options: ParsedArgs['options'], name: string): string | undefined {
  const value = options[name];
  return typeof value === 'string' ? value : undefined;
}
