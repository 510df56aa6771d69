#!/usr/bin/env node
import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 957:
/***/ ((module, __unused_webpack___webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(module, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony import */ var _run_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(349);

process.exitCode = await (0,_run_js__WEBPACK_IMPORTED_MODULE_0__/* .main */ .i)(process.argv.slice(2));

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ }),

/***/ 349:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  i: () => (/* binding */ main)
});

// UNUSED EXPORTS: userDirectory

;// CONCATENATED MODULE: ./src/cli/options.ts
/** The command line's options: name, kind, value placeholder and help. Pure data. */
const OPTIONS = Object.fromEntries([
    {
        name: 'micropython',
        kind: 'string',
        value: 'DIR',
        help: 'the MicroPython tree (default: the one around the current directory)'
    },
    {
        name: 'micropython-repo',
        kind: 'string',
        value: 'URL',
        help: 'where to clone the latest MicroPython release from when there is no tree (default: https://github.com/micropython/micropython.git)'
    },
    {
        name: 'board',
        kind: 'string',
        value: 'NAME',
        help: "board under ports/esp32/boards (default: the tree's default board)"
    },
    {
        name: 'board-variant',
        kind: 'string',
        value: 'NAME',
        help: 'board variant, MicroPython v1.21 and later'
    },
    {
        name: 'idf-version',
        kind: 'string',
        value: 'REF',
        help: "'auto' (what the tree pins), or an ESP-IDF tag, branch or commit"
    },
    { name: 'idf-repo', kind: 'string', value: 'URL', help: 'ESP-IDF repository: a mirror or a fork' },
    {
        name: 'toolchain-url',
        kind: 'string',
        value: 'URL',
        help: 'legacy builds: where to download the Xtensa toolchain'
    },
    {
        name: 'toolchain-sha256',
        kind: 'string',
        value: 'HEX',
        help: "legacy builds: the toolchain archive's SHA-256"
    },
    {
        name: 'idf-tools-mirror',
        kind: 'string',
        value: 'URL',
        help: "mirror of github.com's release assets that ESP-IDF's install.sh downloads (host/path for https, or a URL)"
    },
    {
        name: 'espressif-mirror',
        kind: 'string',
        value: 'URL',
        help: 'mirror of dl.espressif.com (ESP-IDF v4 tools, the v5 constraints file, Espressif wheels)'
    },
    { name: 'pip-index', kind: 'string', value: 'URL', help: 'Python package index for the ESP-IDF venv' },
    {
        name: 'idf-pip-wheels',
        kind: 'string',
        value: 'URL',
        help: "Espressif's extra wheel index (default: ESPRESSIF-MIRROR/pypi)"
    },
    {
        name: 'component-registry-mirror',
        kind: 'string',
        value: 'URL',
        help: "mirror of ESP-IDF's component registry (components.espressif.com), for MicroPython v1.21 and later"
    },
    {
        name: 'image-build-args',
        kind: 'list',
        value: 'NAME=VALUE',
        help: 'a --build-arg for the image build, e.g. BASE=registry.example/debian:bookworm-slim (repeatable)'
    },
    {
        name: 'image',
        kind: 'string',
        value: 'REF',
        help: "'build' (from docker/Dockerfile, the default) or an image to pull"
    },
    { name: 'jobs', kind: 'string', value: 'N', help: 'parallel make jobs (default: the number of CPUs)' },
    {
        name: 'make-args',
        kind: 'list',
        value: 'ARG',
        help: 'one more argument for make, e.g. FROZEN_MANIFEST=… (repeatable)'
    },
    {
        name: 'network',
        kind: 'string',
        value: 'NAME',
        help: "Docker network of the containers, e.g. 'host'"
    },
    { name: 'no-ccache', kind: 'boolean', help: 'build without ccache' },
    {
        name: 'port',
        kind: 'string',
        value: 'PORT',
        help: 'serial port of the board (default: $ESPPORT, else the first /dev/ttyUSB*, then /dev/ttyACM*); also rfc2217://HOST:PORT'
    },
    {
        name: 'baud',
        kind: 'string',
        value: 'RATE',
        help: "flashing speed (default: $ESPBAUD, else the port Makefile's)"
    },
    {
        name: 'flasher',
        kind: 'string',
        value: 'WHERE',
        help: "'container' (the port's make deploy/erase in the container, the port passed in) or 'host' (esptool-js on this machine, no container); default: container on Linux when the port can be passed in, host on macOS and Windows"
    },
    {
        name: 'flash-mode',
        kind: 'string',
        value: 'MODE',
        help: "host flashing: qio, qout, dio, dout or keep (default: the build's)"
    },
    {
        name: 'flash-size',
        kind: 'string',
        value: 'SIZE',
        help: "host flashing: detect, keep, 1MB, 2MB, 4MB, 8MB, 16MB, 32MB, 64MB or 128MB (default: the build's)"
    },
    {
        name: 'before',
        kind: 'string',
        value: 'RESET',
        help: "host flashing: how to put the board in its bootloader: default_reset (DTR/RTS), usb_reset (a chip's own USB port) or no_reset (default: the build's, else default_reset; a pseudo-terminal gets none)"
    },
    {
        name: 'after',
        kind: 'string',
        value: 'RESET',
        help: "host flashing: hard_reset (RTS, the firmware starts) or no_reset (default: the build's, else hard_reset)"
    },
    {
        name: 'app-only',
        kind: 'boolean',
        help: 'host flashing: write only the application image at its offset (the bootloader and partition table are already on the board)'
    },
    {
        name: 'monitor',
        kind: 'boolean',
        help: 'open the serial monitor on this machine once the board is written (exit: Ctrl-])'
    },
    {
        name: 'eol',
        kind: 'string',
        value: 'CR|LF|CRLF',
        help: 'monitor: what Enter sends (default CR, as mpremote sends it)'
    },
    { name: 'json', kind: 'boolean', help: 'print one JSON object (with --dry-run: the plan)' },
    {
        name: 'dry-run',
        kind: 'boolean',
        help: 'print the plan instead of running it: each resource, where it lives, whether it is here and how it would be had, then the exact docker commands; nothing is downloaded, cloned or built'
    },
    { name: 'verbose', kind: 'boolean', short: 'v', help: 'show every command and its full output' },
    { name: 'help', kind: 'boolean', short: 'h', help: 'show this help' }
].map((spec) => [spec.name, spec]));

;// CONCATENATED MODULE: ./src/cli/args.ts


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
const COMMANDS = {
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
        details: 'One directory per ESP-IDF version, so several coexist. Downloads and clones land atomically: an interrupted setup leaves what was there usable, and the next one carries on.',
        options: [...BUILD, ...COMMON]
    },
    image: {
        usage: 'image [--idf-version REF | --micropython DIR] [--image REF] [--network NAME]',
        summary: 'build (or find) the esp32-devel image an ESP-IDF needs, and print its reference',
        details: 'Each era of ESP-IDF has its image: docker/Dockerfile.idf4 for ESP-IDF v4.x (Python 3.8), docker/Dockerfile for the legacy make builds and ESP-IDF v5 and later. The reference is the last line of standard output. With --image REF, that image is pulled and its Python checked against the ESP-IDF.',
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
        details: "With no tree given and none around the current directory, MicroPython's latest release is cloned into ~/esp32-devel/micropython and built.",
        options: [...BUILD, ...COMMON]
    },
    deploy: {
        usage: 'deploy [--port PORT] [--baud RATE] [--flasher host|container] [options]',
        summary: 'build if needed, then write the firmware to the board (make deploy, or esptool-js on this machine)',
        details: "With --flasher host the firmware is written from this machine with esptool-js over the serialport package: the images, offsets and flash settings of the build's flasher_args.json (what idf.py flash writes) or of the legacy Makefile's deploy line, compressed, each verified by MD5. It needs the optional packages esptool-js and serialport (npm ci in the clone installs them).",
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
        details: "What the board writes is shown as it comes; what you type goes to it, Ctrl-C, Ctrl-D and Ctrl-E included (the terminal is raw), so MicroPython's REPL works as in mpremote. --baud is the console's speed (default 115200, MicroPython's). The port may be rfc2217://HOST:PORT. Needs the optional package serialport for a local port.",
        options: ['port', 'baud', 'eol', ...COMMON]
    },
    make: {
        usage: 'make [options] [--] ARGS…',
        summary: 'run make ARGS in the current directory, inside the container (what the esp32 alias runs)',
        details: "The MicroPython tree is found by walking up from the current directory. The first argument that is not an option of esp32-build starts make's own (so `esp32-build make -j4` works); put `--` before make arguments that look like esp32-build options. Goals that talk to the board (deploy, erase, monitor, flash, erase_flash) get the serial port and PORT=.",
        options: [...BUILD, ...SERIAL, ...COMMON]
    },
    doctor: {
        usage: 'doctor [--port PORT]',
        summary: 'check Docker, the serial port, free disk and ~/esp32-devel, and say how to fix what is wrong',
        options: ['port', ...COMMON]
    }
};
const COMMAND_NAMES = Object.keys(COMMANDS);
/** A mistake on the command line: shown with the help, exit code 2. */
class UsageError extends Error {
    command;
    constructor(message, command) {
        super(message);
        this.command = command;
        this.name = 'UsageError';
    }
}
function isCommand(name) {
    return Object.hasOwn(COMMANDS, name);
}
/** Parse argv (without node and the script). Throws UsageError. Pure. */
function parseCommandLine(argv) {
    const [first, ...tail] = argv;
    if (first === undefined || first === '--help' || first === '-h')
        return { command: undefined, help: true };
    if (first === 'help') {
        if (tail[0] === undefined)
            return { command: undefined, help: true };
        if (!isCommand(tail[0]))
            throw new UsageError(`Unknown command '${tail[0]}'.`);
        return { command: tail[0], options: {}, rest: [], help: true };
    }
    if (!isCommand(first)) {
        throw new UsageError(first.startsWith('-') ? `Give a command before the options (${first}).` : `Unknown command '${first}'.`);
    }
    const command = first;
    const allowed = new Set(COMMANDS[command].options);
    const options = {};
    const rest = [];
    let help = false;
    for (let i = 0; i < tail.length; i++) {
        const token = tail[i];
        if (token === '--') {
            if (command !== 'make')
                throw new UsageError(`'${command}' takes no arguments after --.`, command);
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
                throw new UsageError(known ? `'${command}' has no option ${token}.` : `Unknown option ${token}.`, command);
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
            if (inline !== undefined)
                throw new UsageError(`--${spec.name} takes no value.`, command);
            options[spec.name] = true;
            continue;
        }
        let value = inline;
        if (value === undefined) {
            value = tail[++i];
            if (value === undefined)
                throw new UsageError(`--${spec.name} needs a value (${spec.value}).`, command);
        }
        if (spec.kind === 'list') {
            const list = options[spec.name] ?? [];
            options[spec.name] = [...list, value];
        }
        else {
            if (options[spec.name] !== undefined)
                throw new UsageError(`--${spec.name} is given twice.`, command);
            options[spec.name] = value;
        }
    }
    if (options.json && command !== 'resolve' && !options['dry-run']) {
        throw new UsageError('--json prints the plan of a dry run: give it with --dry-run.', command);
    }
    return { command, options, rest, help };
}
function lookUpOption(token) {
    if (token.startsWith('--')) {
        const name = token.slice(2).split('=')[0];
        return Object.hasOwn(OPTIONS, name) ? OPTIONS[name] : undefined;
    }
    if (/^-[A-Za-z]$/.test(token))
        return Object.values(OPTIONS).find((spec) => spec.short === token.slice(1));
    return undefined;
}
function optionFor(token, allowed) {
    const spec = lookUpOption(token);
    return spec && allowed.has(spec.name) ? spec : undefined;
}
/**
 * The options as the action's inputs, for parseInputs: the same names, the
 * same validation. `--micropython` is micropython-path; --make-args one
 * argument per occurrence. Pure.
 */
function inputSource(options, micropythonPath) {
    const text = (name) => {
        const value = options[name];
        if (value === undefined || value === true)
            return '';
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
function flag(options, name) {
    return options[name] === true;
}
function stringOption(options, name) {
    const value = options[name];
    return typeof value === 'string' ? value : undefined;
}

;// CONCATENATED MODULE: ./src/cli/help.ts
/** The CLI's help texts, made from the commands' and options' specifications. Pure. */

const WIDTH = 100;
function wrap(text, indent, width = WIDTH) {
    const words = text.split(/\s+/).filter(Boolean);
    const lines = [];
    let line = '';
    for (const word of words) {
        if (line && indent + line.length + 1 + word.length > width) {
            lines.push(line);
            line = word;
        }
        else {
            line = line ? `${line} ${word}` : word;
        }
    }
    if (line)
        lines.push(line);
    return lines.join(`\n${' '.repeat(indent)}`);
}
/** The general help. Pure. */
function generalHelp() {
    const width = Math.max(...COMMAND_NAMES.map((name) => name.length)) + 2;
    return [
        'Usage: esp32-build <command> [options]',
        '',
        'Build MicroPython for ESP32 in a Docker container, with the toolchain and',
        'ESP-IDF kept in ~/esp32-devel (the same pipeline as the GitHub Action).',
        '',
        'Commands:',
        ...COMMAND_NAMES.map((name) => `  ${name.padEnd(width)}${wrap(COMMANDS[name].summary, width + 2)}`),
        '',
        "Run 'esp32-build <command> --help' for a command's options."
    ].join('\n');
}
/** One command's help. Pure. */
function commandHelp(command) {
    const spec = COMMANDS[command];
    const label = (o) => `${o.short ? `-${o.short}, ` : ''}--${o.name}${o.value ? ` ${o.value}` : ''}${o.kind === 'list' ? ' …' : ''}`;
    const options = spec.options.map((name) => OPTIONS[name]);
    const width = Math.max(...options.map((o) => label(o).length)) + 2;
    return [
        `Usage: esp32-build ${spec.usage}`,
        '',
        wrap(`${spec.summary[0].toUpperCase()}${spec.summary.slice(1)}.`, 0),
        ...(spec.details ? ['', wrap(spec.details, 0)] : []),
        '',
        'Options:',
        ...options.map((o) => `  ${label(o).padEnd(width)}${wrap(o.help, width + 2)}`)
    ].join('\n');
}

;// CONCATENATED MODULE: external "node:fs/promises"
const promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");
;// CONCATENATED MODULE: external "node:os"
const external_node_os_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");
var external_node_os_default = /*#__PURE__*/__nccwpck_require__.n(external_node_os_namespaceObject);
;// CONCATENATED MODULE: external "node:path"
const external_node_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");
var external_node_path_default = /*#__PURE__*/__nccwpck_require__.n(external_node_path_namespaceObject);
;// CONCATENATED MODULE: external "node:crypto"
const external_node_crypto_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");
;// CONCATENATED MODULE: ./src/pipeline/keys.ts

/**
 * Cache keys and directory names: pure functions of what makes an entry
 * different. Bump KEY_EPOCH when the layout of a cached entry changes.
 */
const KEY_EPOCH = 'v1';
function shortHash(text, length = 12) {
    return (0,external_node_crypto_namespaceObject.createHash)('sha256').update(text).digest('hex').slice(0, length);
}
/** Keys may not contain commas and are at most 512 characters. */
function safe(text) {
    return text.replace(/[^A-Za-z0-9._+-]/g, '_');
}
function idfStem(id) {
    const chips = [...id.chips].sort().join('+');
    return `esp32-idf-${KEY_EPOCH}-${shortHash(id.repo, 8)}-${safe(chips)}-py${safe(id.python)}-${id.kind}-${safe(id.ref)}`;
}
/** The primary key of an ESP-IDF checkout with its installed tools. */
function idfKey(id) {
    const stem = idfStem(id);
    return id.kind === 'branch' ? `${stem}-${id.commit ?? 'unknown'}` : stem;
}
/** For a branch: any cached commit of it (the newest wins). */
function idfRestoreKeys(id) {
    return id.kind === 'branch' ? [`${idfStem(id)}-`] : [];
}
/**
 * The directory of a checkout. It must not depend on a branch's commit: the
 * Actions cache only restores an entry to the paths it was saved from.
 */
function idfDirName(id) {
    const readable = safe(id.ref).slice(0, 40);
    return `${readable}-${shortHash(idfStem(id), 10)}`;
}
function toolchainKey(version, sha256) {
    return `esp32-toolchain-${KEY_EPOCH}-xtensa-esp32-elf-${safe(version)}-${sha256.slice(0, 16)}-linux-x64`;
}
/**
 * The version under which the toolchain sits in the runner's tool cache. The
 * checksum is part of it, so two archives of one version never collide; the
 * result stays valid semver, which the tool cache requires.
 */
function toolCacheVersion(version, sha256) {
    const tag = `sha${sha256.slice(0, 12)}`;
    if (/^\d+\.\d+\.\d+(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/.test(version)) {
        return version.includes('-') ? `${version}.${tag}` : `${version}-${tag}`;
    }
    return `0.0.0-${tag}`;
}
/**
 * How often the image is rebuilt so that security updates of its
 * distribution arrive: the ISO 8601 week of `now` in UTC, e.g. 2026w48
 * (weeks start on Monday; the week of a year's first Thursday is its week 1,
 * so 2027-01-01 is in 2026w53). Part of the image's inputs hash.
 */
function imageRefreshPeriod(now) {
    const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const weekday = day.getUTCDay() || 7;
    // The Thursday of the same week decides both the year and the week.
    day.setUTCDate(day.getUTCDate() + 4 - weekday);
    const year = day.getUTCFullYear();
    const week = Math.floor((day.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 / 7) + 1;
    return `${year}w${String(week).padStart(2, '0')}`;
}
/** The image's inputs hash covers its Dockerfile, build arguments and refresh period. */
function imageKey(inputsHash) {
    return `esp32-devel-image-${KEY_EPOCH}-${inputsHash}`;
}
function ccacheStem(id) {
    return `esp32-ccache-${KEY_EPOCH}-${shortHash(id.idfKey, 12)}-${safe(id.board || 'default')}-${safe(id.variant ?? '')}`;
}
const scoped = (tag) => (tag ? `${tag}-` : '');
function ccacheKey(id, scope = { tag: '' }) {
    return `${ccacheStem(id)}-${scoped(scope.tag)}${safe(id.run)}`;
}
/** This scope's newest entry first, then the fallback scope's; unscoped, anyone's newest. */
function ccacheRestoreKeys(id, scope = { tag: '' }) {
    const keys = [`${ccacheStem(id)}-${scoped(scope.tag)}`];
    if (scope.tag && scope.fallbackTag)
        keys.push(`${ccacheStem(id)}-${scoped(scope.fallbackTag)}`);
    return keys;
}
/**
 * The component manager's download cache: one entry per ESP-IDF and per set
 * of the tree's component manifests and lock files, so it holds what those
 * need and nothing that other trees brought.
 */
function componentsKey(idfRef, manifestsHash, scopeTag = '') {
    return `esp32-components-${KEY_EPOCH}-${safe(idfRef)}-${manifestsHash.slice(0, 16)}${scopeTag ? `-${scopeTag}` : ''}`;
}

;// CONCATENATED MODULE: ./src/pipeline/cache-scope.ts
/**
 * Who may read what a build wrote. ccache and the component manager's cache
 * are written by the build itself, that is by the tree's own code, which on a
 * pull request is a stranger's: a build can plant objects there that a later
 * trusted build would link. So under the default policy those caches are
 * scoped to the ref that wrote them:
 * - their keys (and, on a self-hosted runner, their directories) carry the
 *   scope: the branch, the pull request or the tag;
 * - a run restores its own scope first, then the default branch's, nothing
 *   else: a pull request starts from the default branch's objects, and the
 *   default branch never sees a pull request's;
 * - nothing is saved from `pull_request_target` or `workflow_run`: those run
 *   with the base branch's cache scope, whatever code they check out.
 * The Actions cache itself keeps a pull request's entries from other
 * branches; the scope in the key also separates them on self-hosted runners
 * and stops `pull_request_target` from mixing its objects into the base's.
 * Pure.
 */

const BUILD_CACHE_POLICIES = ['scoped', 'shared', 'read-only'];
/** Events whose runs get the base branch's cache scope while they may build other code. */
const BASE_SCOPED_EVENTS = ['pull_request_target', 'workflow_run'];
function tagOf(name) {
    return `s${shortHash(name, 10)}`;
}
function scopeName(ref) {
    const pull = /^refs\/pull\/(\d+)\//.exec(ref);
    if (pull)
        return `pull request ${pull[1]}`;
    if (ref.startsWith('refs/heads/'))
        return `branch ${ref.slice('refs/heads/'.length)}`;
    if (ref.startsWith('refs/tags/'))
        return `tag ${ref.slice('refs/tags/'.length)}`;
    return `ref ${ref}`;
}
/** The scope of the caches this run's build writes. Pure. */
function cacheScope(policy, run) {
    if (policy === 'shared')
        return { name: '', tag: '', save: true };
    // Outside GitHub Actions (the CLI on a developer's machine) there is one, trusted, user.
    if (!run.ref) {
        return policy === 'read-only'
            ? { name: '', tag: '', save: false, why: 'build-cache-policy: read-only' }
            : { name: '', tag: '', save: true };
    }
    const untrusted = BASE_SCOPED_EVENTS.includes(run.event ?? '');
    // Such a run shares the base branch's ref, so it gets a scope of its own (on a self-hosted
    // runner, its own directories) and reads the base branch's caches without writing them.
    const name = untrusted ? `${run.event} on ${scopeName(run.ref)}` : scopeName(run.ref);
    const fallback = run.defaultBranch ? `branch ${run.defaultBranch}` : undefined;
    const scope = { name, tag: tagOf(name), save: true };
    if (fallback && fallback !== name)
        scope.fallbackTag = tagOf(fallback);
    if (untrusted) {
        Object.assign(scope, {
            save: false,
            why: `a ${run.event} run saves no build cache (build-cache-policy: scoped)`
        });
    }
    else if (policy === 'read-only') {
        Object.assign(scope, { save: false, why: 'build-cache-policy: read-only' });
    }
    return scope;
}

;// CONCATENATED MODULE: ./src/grammar.ts
/**
 * The grammar of the values that reach a command line: board names, ESP-IDF
 * refs, image references, network names, make targets and checksums. Both
 * the input parser and the resolver test against these, so they cannot
 * disagree; each keeps its own error messages.
 *
 * Pure predicates: no messages, no normalising.
 */
/** Board and variant names reach make's command line: nothing but these characters. */
const BOARD_NAME_RE = /^[A-Za-z0-9_]+$/;
function isBoardName(name) {
    return BOARD_NAME_RE.test(name);
}
/** The characters real ESP-IDF refs use; the first one is never '-', so a ref is never read as an option. */
const IDF_REF_RE = /^[A-Za-z0-9][A-Za-z0-9._/+-]*$/;
/** Longer refs are mistakes, and would make cache keys unwieldy. */
const IDF_REF_MAX = 200;
/**
 * An ESP-IDF tag (v5.2.2), branch (release/v5.2) or commit hash, spelled as
 * git allows a ref to be (`git check-ref-format`): no `..`, no empty or
 * dot-led component, no component ending in `.lock`, no trailing `.`.
 */
function isIdfRef(ref) {
    return (ref.length <= IDF_REF_MAX &&
        IDF_REF_RE.test(ref) &&
        !ref.includes('..') &&
        !ref.endsWith('.') &&
        ref
            .split('/')
            .every((component) => component !== '' && !component.startsWith('.') && !component.endsWith('.lock')));
}
// Docker's reference grammar (github.com/distribution/reference, regexp.go).
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = 'sha256:[0-9a-f]{64}';
/** `[domain[:port]/]path[:tag][@sha256:digest]`; the first group is the name. */
const IMAGE_REFERENCE_RE = new RegExp(`^(${NAME})(?::${TAG})?(?:@${DIGEST})?$`);
/** Docker refuses names (domain and path) longer than this. */
const IMAGE_NAME_MAX = 255;
/** A Docker image reference such as ghcr.io/owner/esp32-devel:1.0 or registry:5000/a/b@sha256:…. */
function isImageReference(reference) {
    const m = IMAGE_REFERENCE_RE.exec(reference);
    return m !== null && m[1].length <= IMAGE_NAME_MAX;
}
/** `[domain[:port]/]path`: a repository, with neither tag nor digest. */
const IMAGE_REPOSITORY_RE = new RegExp(`^${NAME}$`);
/** A repository such as ghcr.io/owner/esp32-devel: an image reference without tag or digest. */
function isImageRepository(name) {
    return name.length <= IMAGE_NAME_MAX && IMAGE_REPOSITORY_RE.test(name);
}
/** An image digest as Docker writes it: sha256: and 64 lowercase hexadecimal digits. */
function isImageDigest(digest) {
    return new RegExp(`^${DIGEST}$`).test(digest);
}
/** Docker network names: host, bridge, a user-defined network; never `container:<id>`. */
const NETWORK_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
function isNetworkName(name) {
    return NETWORK_NAME_RE.test(name);
}
/** A make target such as all or deploy: never an option, never a variable assignment. */
const MAKE_TARGET_RE = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;
function isMakeTarget(target) {
    return MAKE_TARGET_RE.test(target);
}
const SHA256_RE = /^[0-9a-f]{64}$/;
/** A SHA-256 checksum as sha256sum prints it: 64 lowercase hexadecimal digits. */
function isSha256(value) {
    return SHA256_RE.test(value);
}
/** A Docker build argument's name. */
function isBuildArgName(name) {
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}
/**
 * A mirror's base URL: http(s), and nothing that ESP-IDF's mirror map
 * (`regex,replacement;…`) or a regex replacement would read as syntax.
 */
function isMirrorUrl(url) {
    return /^https?:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~%/+=@-]*)?$/.test(url);
}
/**
 * The host of a repository URL: a DNS name or IPv4 address, or an IPv6
 * address in brackets. Never led by '-', so ssh cannot read it as an option
 * (`ssh://-oProxyCommand=…`).
 */
function isRepoHost(host) {
    return /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(host) || /^\[[0-9A-Fa-f:.]+\]$/.test(host);
}
/** The user of an ssh URL (`git` in git@host:path): never led by '-' either. */
function isRepoUser(user) {
    return /^[A-Za-z0-9._][A-Za-z0-9._-]*$/.test(user);
}

;// CONCATENATED MODULE: ./src/repo-url.ts
/**
 * A repository as the user names it, taken apart: the credentials an http(s)
 * URL may carry are split off, so that only the URL without them is ever
 * given to git (which would write it into .git/config), logged, or hashed
 * into a cache key. Pure.
 */


const URL_RE = /^(https?|ssh|git|file):\/\/([^/]*)(\/\S*)?$/;
const HOST_PORT_RE = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d{1,5}))?$/;
/** scp-like `user@host:path`; git reads it as ssh. */
const SCP_RE = /^([^@/\s]+)@(\[[^\]\s]*\]|[^:/\s[\]]+):(\S+)$/;
function decode(text) {
    try {
        return decodeURIComponent(text);
    }
    catch {
        return undefined;
    }
}
function parseUrl(match) {
    const [, scheme, authority, urlPath = ''] = match;
    const at = authority.lastIndexOf('@');
    const userinfo = at >= 0 ? authority.slice(0, at) : undefined;
    const hostPort = HOST_PORT_RE.exec(authority.slice(at + 1));
    if (!hostPort)
        return 'syntax';
    const host = hostPort[1];
    if (host === '' ? scheme !== 'file' : !isRepoHost(host))
        return 'host';
    if (scheme === 'file' && urlPath === '')
        return 'syntax';
    if (userinfo === undefined)
        return { url: match[0] };
    if (scheme === 'ssh') {
        if (userinfo.includes(':'))
            return 'ssh-password';
        const user = decode(userinfo);
        return user !== undefined && isRepoUser(user) ? { url: match[0] } : 'user';
    }
    if (scheme !== 'http' && scheme !== 'https')
        return 'userinfo';
    const colon = userinfo.indexOf(':');
    const written = colon >= 0 ? [userinfo.slice(0, colon), userinfo.slice(colon + 1)] : [userinfo, ''];
    const [username, password] = written.map(decode);
    if (username === undefined || password === undefined)
        return 'syntax';
    const origin = `${scheme}://${authority.slice(at + 1)}/`;
    const url = `${scheme}://${authority.slice(at + 1)}${urlPath}`;
    if (username === '' && password === '')
        return { url };
    return { url, credentials: { origin, username, password, written: written.filter((w) => w !== '') } };
}
/** A git URL (https, http, ssh, git, file), scp-like user@host:path, or an absolute local path. */
function parseRepoLocation(raw) {
    // Neither spaces nor control characters belong in one, and git would refuse some only later.
    if (/\s/.test(raw) || [...raw].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
        return 'syntax';
    }
    const url = URL_RE.exec(raw);
    if (url)
        return parseUrl(url);
    const scp = SCP_RE.exec(raw);
    if (scp) {
        if (!isRepoUser(scp[1]))
            return 'user';
        return isRepoHost(scp[2]) ? { url: raw } : 'host';
    }
    if (external_node_path_default().isAbsolute(raw))
        return { url: raw };
    return 'syntax';
}
/** The string with the userinfo of a URL in it replaced by ***, for a message. */
function maskUserinfo(raw) {
    return raw.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/]*@/, '$1***@');
}

;// CONCATENATED MODULE: external "node:util"
const external_node_util_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");
;// CONCATENATED MODULE: ./src/secrets.ts
/**
 * Secrets the user gave (a token in a repository URL): kept in memory only,
 * handed to git through its environment, and masked in everything this
 * program prints. A secret never serialises: JSON and util.inspect show ***.
 */

const MASK = '***';
/** Credentials for the repositories of one origin (scheme://host[:port]/). */
class RepoCredentials {
    origin;
    #header;
    #secrets;
    constructor(credentials) {
        this.origin = credentials.origin;
        const basic = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
        this.#header = `Authorization: Basic ${basic}`;
        // With a password, the user is a name (x-access-token, oauth2); without, it is the token.
        const secret = credentials.password || credentials.username;
        const written = credentials.password ? credentials.written.slice(1) : credentials.written.slice(0, 1);
        this.#secrets = [...new Set([secret, ...written, basic])].filter((s) => s !== '');
    }
    /**
     * The configuration that makes git send them, only to their origin (and so
     * to the submodules that live beside the repository). It is given to git
     * through GIT_CONFIG_COUNT/KEY/VALUE, never on its command line nor in a file.
     */
    gitConfig() {
        return { key: `http.${this.origin}.extraHeader`, value: this.#header };
    }
    /** Every spelling of the secret that could reach a log. */
    secrets() {
        return [...this.#secrets];
    }
    toJSON() {
        return `${MASK} (credentials for ${this.origin})`;
    }
    toString() {
        return this.toJSON();
    }
    [external_node_util_namespaceObject.inspect.custom]() {
        return `RepoCredentials(${this.origin}, ${MASK})`;
    }
}
/** What this process masks in its output; filled by the fronts from what the user gave. */
const masked = new Set();
/** Mask `value` in every message, log line and error this process prints from now on. */
function maskSecret(value) {
    if (value !== '')
        masked.add(value);
}
/** `text` with every masked secret replaced by ***; the longest first, so no part of one is left. */
function redact(text) {
    if (masked.size === 0 || text === '')
        return text;
    let out = text;
    for (const secret of [...masked].sort((a, b) => b.length - a.length))
        out = out.split(secret).join(MASK);
    return out;
}
/** Mask every spelling of these credentials; `also` tells someone else to mask them too (the runner). */
function maskCredentials(credentials, also = () => undefined) {
    for (const secret of credentials?.secrets() ?? []) {
        maskSecret(secret);
        also(secret);
    }
}

;// CONCATENATED MODULE: ./src/inputs.ts






const DEFAULT_IDF_REPO = 'https://github.com/espressif/esp-idf.git';
/** A user-facing problem with an input: names the input, says what is expected. */
class InputError extends Error {
    constructor(message) {
        super(message);
        this.name = 'InputError';
    }
}
/** Parse and validate every input into one typed object; throws InputError. */
function parseInputs(get, context) {
    const value = (name) => get(name).trim();
    const optional = (name) => value(name) || undefined;
    const board = optional('board');
    if (board !== undefined)
        checkName('board', board);
    const boardVariant = optional('board-variant');
    if (boardVariant !== undefined)
        checkName('board-variant', boardVariant);
    const toolchainSha256 = optional('toolchain-sha256')?.toLowerCase();
    if (toolchainSha256 !== undefined && !isSha256(toolchainSha256)) {
        throw new InputError(`toolchain-sha256 must be 64 hexadecimal characters (the output of sha256sum), got '${toolchainSha256}'.`);
    }
    const image = value('image') || 'build';
    if (image !== 'build')
        checkImageReference(image);
    const network = optional('network');
    if (network !== undefined && !isNetworkName(network)) {
        throw new InputError(`network must be a Docker network name such as 'host' or 'bridge', got '${network}'.`);
    }
    const idfRepo = parseRepository(value('idf-repo') || DEFAULT_IDF_REPO);
    return {
        micropythonPath: external_node_path_default().resolve(context.workspace, value('micropython-path') || '.'),
        board,
        boardVariant,
        makeArgs: parseList(get('make-args'), 'lines'),
        targets: parseTargets(get('targets')),
        jobs: parseJobs(value('jobs'), context.cpus ?? external_node_os_default().availableParallelism()),
        idfVersion: checkIdfRef(value('idf-version') || 'auto'),
        idfRepo: idfRepo.url,
        ...(idfRepo.credentials ? { idfRepoCredentials: idfRepo.credentials } : {}),
        toolchainUrl: parseToolchainUrl(optional('toolchain-url')),
        toolchainSha256,
        mirrors: parseMirrors(optional),
        image,
        imageBuildArgs: parseBuildArgs(get('image-build-args')),
        network,
        cache: parseBoolean('cache', value('cache'), true),
        ccache: parseBoolean('ccache', value('ccache'), true),
        buildCachePolicy: parseBuildCachePolicy(value('build-cache-policy') || 'scoped'),
        resolveOnly: parseBoolean('resolve-only', value('resolve-only'), false),
        cacheSaveTimeoutMinutes: parseCacheSaveTimeout(value('cache-save-timeout'))
    };
}
const DEFAULT_CACHE_SAVE_TIMEOUT_MINUTES = 20;
/** cache-save-timeout: whole minutes (the post step reads it on its own, through this). */
function parseCacheSaveTimeout(raw) {
    const text = raw.trim();
    if (text === '')
        return DEFAULT_CACHE_SAVE_TIMEOUT_MINUTES;
    if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 1440) {
        throw new InputError(`cache-save-timeout must be a whole number of minutes from 1 to 1440 (the post step's bound on saving caches; default ${DEFAULT_CACHE_SAVE_TIMEOUT_MINUTES}), got '${text}'.`);
    }
    return Number(text);
}
function parseBuildCachePolicy(text) {
    const policy = BUILD_CACHE_POLICIES.find((p) => p === text);
    if (!policy) {
        throw new InputError(`build-cache-policy: '${text}' is not one of ${BUILD_CACHE_POLICIES.join(', ')} (scoped keeps a pull request's ccache and components out of other branches' builds).`);
    }
    return policy;
}
/**
 * A list input: 'lines' keeps each non-empty line whole (a make argument may
 * contain spaces); 'words' also splits on spaces and commas.
 */
function parseList(raw, mode) {
    const lines = raw.split(/\r?\n/);
    const items = mode === 'lines' ? lines : lines.flatMap((line) => line.split(/[\s,]+/));
    return items.map((item) => item.trim()).filter((item) => item.length > 0);
}
function checkName(input, name) {
    if (!isBoardName(name)) {
        throw new InputError(`${input} '${name}' is not a valid name: use letters, digits and underscores, as in the directory names under ports/esp32/boards.`);
    }
}
function parseTargets(raw) {
    const targets = parseList(raw, 'words');
    for (const target of targets) {
        if (!isMakeTarget(target)) {
            throw new InputError(`targets: '${target}' is not a make target name (letters, digits, '_', '.', '-'; not starting with '-'). Put make options and variables in make-args.`);
        }
    }
    return targets;
}
function parseJobs(raw, cpus) {
    if (raw === '')
        return Math.max(1, cpus);
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 1024) {
        throw new InputError(`jobs must be a whole number from 1 to 1024, got '${raw}'.`);
    }
    return Number(raw);
}
function parseBoolean(name, raw, fallback) {
    if (raw === '')
        return fallback;
    if (/^(true|yes|on|1)$/i.test(raw))
        return true;
    if (/^(false|no|off|0)$/i.test(raw))
        return false;
    throw new InputError(`${name} must be true or false, got '${raw}'.`);
}
/**
 * An ESP-IDF tag, branch or commit. Only the characters real ESP-IDF refs use
 * (so the value can never be read as an option, nor break a cache key).
 */
function checkIdfRef(raw) {
    if (!isIdfRef(raw)) {
        throw new InputError(`idf-version '${raw}' is not an ESP-IDF tag, branch or commit: use 'auto', a tag such as v5.2.2, a branch such as release/v5.2, or a full 40-character commit hash.`);
    }
    return raw;
}
/** What is wrong with a repository input, for each problem parseRepoLocation finds. */
const REPO_PROBLEMS = {
    syntax: 'is not a git repository URL: use https://…, ssh://…, git@host:path, file://… or an absolute path to a mirror or fork.',
    host: "names no valid host: a host is a name or an address of letters, digits, '.' and '-', never starting with '-'.",
    user: "names no valid user: a user is letters, digits, '.', '_' and '-', never starting with '-'.",
    'ssh-password': 'carries a password, which ssh cannot use: use a key (ssh-agent, ~/.ssh/config), or an https:// URL with a token.',
    userinfo: 'carries a user or password, which this kind of URL has no use for: remove the part before @.'
};
/**
 * A git URL (https, http, ssh, git, file), scp-like user@host:path, or an
 * absolute local path. An http(s) URL's user and password come back apart
 * from the URL, as credentials that print as ***.
 */
function parseRepository(raw, input = 'idf-repo') {
    const location = parseRepoLocation(raw);
    if (typeof location === 'string') {
        throw new InputError(`${input} '${maskUserinfo(raw)}' ${REPO_PROBLEMS[location]}`);
    }
    if (!location.credentials)
        return { url: location.url };
    return { url: location.url, credentials: new RepoCredentials(location.credentials) };
}
function parseToolchainUrl(raw) {
    if (raw === undefined)
        return undefined;
    let url;
    try {
        url = new URL(raw);
    }
    catch {
        throw new InputError(`toolchain-url '${raw}' is not a URL: give the full http(s):// address of the archive.`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new InputError(`toolchain-url must be an http:// or https:// URL, got '${raw}'.`);
    }
    return raw;
}
/**
 * The mirror inputs. idf-tools-mirror may be host/path (ESP-IDF's own
 * IDF_GITHUB_ASSETS form, https) or a URL (any scheme, as a mirror on the
 * local network may be plain http).
 */
function parseMirrors(optional) {
    const mirrors = {};
    const tools = optional('idf-tools-mirror');
    if (tools !== undefined) {
        const url = /^[a-z]+:\/\//i.test(tools) ? tools : `https://${tools}`;
        mirrors.github = parseMirrorUrl('idf-tools-mirror', url, 'dl.espressif.com/github_assets or https://mirror.example/github');
        if (mirrors.github.startsWith('https://'))
            mirrors.githubAssets = mirrors.github.slice('https://'.length);
    }
    const url = (input, example) => {
        const raw = optional(input);
        return raw === undefined ? undefined : parseMirrorUrl(input, raw, example);
    };
    mirrors.espressif = url('espressif-mirror', 'https://mirror.example/espressif');
    mirrors.pipIndex = url('pip-index', 'https://pypi.example/simple');
    mirrors.pipWheels = url('idf-pip-wheels', 'https://mirror.example/espressif/pypi');
    mirrors.componentRegistry = url('component-registry-mirror', 'https://mirror.example/components');
    for (const key of Object.keys(mirrors))
        if (mirrors[key] === undefined)
            delete mirrors[key];
    return mirrors;
}
function parseMirrorUrl(input, raw, example) {
    const url = raw.replace(/\/+$/, '');
    if (!isMirrorUrl(url)) {
        throw new InputError(`${input} '${raw}' is not a mirror's URL: give its base as http(s)://host[:port]/path, such as ${example}.`);
    }
    return url;
}
/** NAME=value lines for the image build. */
function parseBuildArgs(raw) {
    const args = {};
    for (const line of parseList(raw, 'lines')) {
        const eq = line.indexOf('=');
        const name = eq > 0 ? line.slice(0, eq) : '';
        if (!isBuildArgName(name)) {
            throw new InputError(`image-build-args: '${line}' is not NAME=value (one per line, e.g. BASE=registry.example/debian:bookworm-slim).`);
        }
        args[name] = line.slice(eq + 1);
    }
    return args;
}
function checkImageReference(image) {
    if (!isImageReference(image)) {
        throw new InputError(`image '${image}' is neither 'build' nor a Docker image reference such as ghcr.io/owner/esp32-devel:1.0.`);
    }
}

;// CONCATENATED MODULE: ./src/ports.ts
/**
 * What differs between the GitHub Action and the local CLI. The pipeline only
 * talks to these interfaces, so both front ends drive the same steps.
 */
class NoCache {
    available = false;
    async restore() {
        return undefined;
    }
    async save() { }
}

;// CONCATENATED MODULE: external "node:child_process"
const external_node_child_process_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");
;// CONCATENATED MODULE: ./src/exec.ts


/** How many lines of output an error message keeps. */
const TAIL_LINES = 25;
/** A command that could not start or exited with a non-zero code; any secret in its text is masked. */
class ExecError extends Error {
    command;
    args;
    code;
    stdout;
    stderr;
    constructor(message, command, args, code, stdout, stderr) {
        super(redact(message));
        this.command = command;
        this.args = args;
        this.code = code;
        this.name = 'ExecError';
        this.stdout = redact(stdout);
        this.stderr = redact(stderr);
    }
    /** The last lines of stderr, or of stdout when stderr said nothing. */
    get tail() {
        return lastLines(this.stderr.trim() ? this.stderr : this.stdout, TAIL_LINES);
    }
}
/** A command cancelled through its AbortSignal, or one that was not started because it already was. */
class AbortError extends Error {
    constructor(message = 'The operation was cancelled', options) {
        super(message, options);
        this.name = 'AbortError';
    }
}
/** True for an {@link AbortError} and for a DOM-style abort (a DOMException or Error named 'AbortError'). */
function isAbort(error) {
    return (error instanceof AbortError ||
        (typeof error === 'object' && error !== null && error.name === 'AbortError'));
}
/** How long a cancelled command has between SIGTERM and SIGKILL. */
const ABORT_GRACE_MS = 2000;
function lastLines(text, count) {
    const lines = text.replace(/\s+$/, '').split('\n');
    return lines.slice(-count).join('\n');
}
/** Quote an argv for a log line or a dry run; never executed by a shell. */
function formatArgv(command, args) {
    return [command, ...args]
        .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
        .join(' ');
}
/**
 * Process groups of commands started with a signal (so detached) that are
 * still running. A detached group no longer receives the terminal's SIGINT
 * nor SIGHUP, and outlives this process unless stopped: so while any is
 * running, a signal this program does not handle itself is passed on to them
 * before it takes its default effect, and exiting stops them too.
 */
const liveGroups = new Set();
const PASSED_ON = ['SIGINT', 'SIGTERM', 'SIGHUP'];
function signalGroups(signal) {
    for (const pgid of liveGroups) {
        try {
            process.kill(-pgid, signal);
        }
        catch {
            // The group is gone already.
        }
    }
}
function onParentSignal(signal) {
    // Another listener means the program handles this signal itself (and cancels through its AbortSignal).
    if (process.listenerCount(signal) > 1)
        return;
    signalGroups(signal);
    // A non-interactive shell's background jobs ignore SIGINT: make sure.
    if (signal !== 'SIGTERM')
        signalGroups('SIGTERM');
    unhookParent();
    // No listener is left: the signal now takes its default effect, as it would have without us.
    process.kill(process.pid, signal);
}
function onParentExit() {
    signalGroups('SIGTERM');
}
function hookParent() {
    for (const signal of PASSED_ON)
        process.on(signal, onParentSignal);
    process.on('exit', onParentExit);
}
function unhookParent() {
    for (const signal of PASSED_ON)
        process.removeListener(signal, onParentSignal);
    process.removeListener('exit', onParentExit);
}
function addGroup(pgid) {
    if (liveGroups.size === 0)
        hookParent();
    liveGroups.add(pgid);
}
function removeGroup(pgid) {
    if (liveGroups.delete(pgid) && liveGroups.size === 0)
        unhookParent();
}
/** Collects a child's output, and streams it line by line to onLine. */
function collectOutput(child, options) {
    const out = { stdout: [], stderr: [] };
    const partial = { stdout: '', stderr: '' };
    const onData = (stream) => (chunk) => {
        const text = chunk.toString('utf8');
        out[stream].push(text);
        if (!options.onLine)
            return;
        const pieces = (partial[stream] + text).split(options.splitOnCarriageReturn ? /\r\n|\n|\r(?!$)/ : '\n');
        partial[stream] = pieces.pop() ?? '';
        for (const line of pieces)
            options.onLine(redact(line.replace(/\r$/, '')), stream);
    };
    child.stdout.on('data', onData('stdout'));
    child.stderr.on('data', onData('stderr'));
    /** Everything, once the child is done: the last unfinished lines go to onLine too. */
    return () => {
        for (const stream of ['stdout', 'stderr']) {
            if (options.onLine && partial[stream])
                options.onLine(redact(partial[stream]), stream);
        }
        return { stdout: out.stdout.join(''), stderr: out.stderr.join('') };
    };
}
/** Signals the child's whole group when it has one, so grandchildren (git's index-pack) go too. */
function killer(child, pgid) {
    return (sig) => {
        if (pgid !== undefined) {
            try {
                process.kill(-pgid, sig);
                return;
            }
            catch {
                // The group is gone (or never formed): the child alone, below.
            }
        }
        child.kill(sig);
    };
}
/** What a finished command amounts to: its result, or the error to throw. Pure. */
function outcome(command, args, options, end) {
    const { stdout, stderr } = end.output;
    const exitCode = end.code ?? 128;
    if (!end.timedOut && (exitCode === 0 || options.allowFailure))
        return { code: exitCode, stdout, stderr };
    const how = end.timedOut
        ? `timed out after ${(options.timeoutMs ?? 0) / 1000} s`
        : end.signal
            ? `was killed by ${end.signal}`
            : `exited with code ${exitCode}`;
    const error = new ExecError(`${command} ${how}`, command, args, end.code, stdout, stderr);
    const tail = error.tail;
    error.message = redact(tail ? `${command} ${how}:\n${tail}` : `${command} ${how}`);
    return error;
}
/**
 * Whether a command runs in a process group of its own, so that cancelling
 * it stops everything it started: on Windows there are no process groups,
 * and a detached child would get a console window of its own, so it shares
 * this one (Ctrl-C reaches it there) and is stopped by itself. Pure.
 */
function startsGroup(cancellable, platform = process.platform) {
    return cancellable && platform !== 'win32';
}
/**
 * The one way this project runs a process: an argv array, never a shell
 * string. Output is collected (and streamed line by line to onLine); a
 * failure throws an ExecError carrying the exit code and the output's tail.
 * A cancelled command (options.signal) throws an AbortError instead.
 */
function run(command, args, options = {}) {
    const { signal } = options;
    if (signal?.aborted) {
        return Promise.reject(new AbortError(`${command} was cancelled before it started`, { cause: signal.reason }));
    }
    options.debug?.(redact(`$ ${formatArgv(command, args)}`));
    return new Promise((resolve, reject) => {
        const detached = startsGroup(signal !== undefined);
        const child = (0,external_node_child_process_namespaceObject.spawn)(command, args, {
            cwd: options.cwd,
            env: options.env ?? process.env,
            stdio: ['ignore', 'pipe', 'pipe'],
            detached,
            uid: options.user?.uid,
            gid: options.user?.gid
        });
        // A detached child leads a process group of its own, whose id is its pid.
        const pgid = detached ? child.pid : undefined;
        if (pgid !== undefined)
            addGroup(pgid);
        const output = collectOutput(child, options);
        const kill = killer(child, pgid);
        let timedOut = false;
        let aborted = false;
        let escalation;
        const onAbort = () => {
            aborted = true;
            kill('SIGTERM');
            escalation = setTimeout(() => kill('SIGKILL'), ABORT_GRACE_MS);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        const timer = options.timeoutMs !== undefined
            ? setTimeout(() => {
                timedOut = true;
                kill('SIGTERM');
            }, options.timeoutMs)
            : undefined;
        const cleanUp = () => {
            if (timer)
                clearTimeout(timer);
            if (escalation)
                clearTimeout(escalation);
            signal?.removeEventListener('abort', onAbort);
            if (pgid !== undefined)
                removeGroup(pgid);
        };
        child.on('error', (error) => {
            cleanUp();
            const why = error.code === 'ENOENT' ? `${command} was not found on PATH` : error.message;
            reject(new ExecError(`Could not run ${command}: ${why}`, command, args, null, '', ''));
        });
        // 'close' comes once every holder of the output pipes is gone, grandchildren included.
        child.on('close', (code, exitSignal) => {
            cleanUp();
            const all = output();
            if (aborted)
                return reject(new AbortError(`${command} was cancelled`, { cause: signal?.reason }));
            const result = outcome(command, args, options, { code, signal: exitSignal, timedOut, output: all });
            if (result instanceof Error)
                reject(result);
            else
                resolve(result);
        });
    });
}

;// CONCATENATED MODULE: ./src/pipeline/docker.ts


/** More processes than any build needs (make -j and ninja on many cores stay in the hundreds), and a bound on a fork bomb. */
const PIDS_LIMIT = 4096;
/**
 * Every container runs the tree's own code: no capability (not even as
 * root), nothing gained through setuid binaries, a bound on its processes.
 */
const HARDENING = [
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--pids-limit',
    String(PIDS_LIMIT)
];
class DockerError extends Error {
    constructor(message) {
        super(message);
        this.name = 'DockerError';
    }
}
/** A unique, recognisable container name, so an interrupted run can remove it. */
function containerName(purpose) {
    return `esp32-build-${purpose}-${process.pid}-${(0,external_node_crypto_namespaceObject.randomBytes)(3).toString('hex')}`;
}
/** A bind mount's paths go into `-v a:b`; a ':' or ',' in them would be misread. */
function checkMountPath(p) {
    if (/[:,\n]/.test(p)) {
        throw new DockerError(`Cannot mount '${p}' into the container: the path contains ':' or ','. Move it to a plain path.`);
    }
}
/**
 * A mount as argv. A Windows source (C:\Users\…) goes as --mount, whose
 * comma-separated fields take its drive's ':'; it may still not hold ','
 * or '"', which those fields would misread. Pure.
 */
function mountArgs(mount, hostPaths) {
    if (hostPaths === 'windows') {
        if (/[,"\n]/.test(mount.host) || !/^[A-Za-z]:\\[^:]*$/.test(mount.host)) {
            throw new DockerError(`Cannot mount '${mount.host}' into the container: only a path on a drive (C:\\…) without ',' or '"' can be. Move it to a plain path.`);
        }
        checkMountPath(mount.container);
        const fields = ['type=bind', `source=${mount.host}`, `target=${mount.container}`];
        return ['--mount', [...fields, ...(mount.readonly ? ['readonly'] : [])].join(',')];
    }
    checkMountPath(mount.host);
    checkMountPath(mount.container);
    return ['-v', `${mount.host}:${mount.container}${mount.readonly ? ':ro' : ''}`];
}
/** The argv (after `docker`) of a build container. Pure. */
function dockerRunArgs(spec) {
    const args = ['run', '--rm', '--init', '--name', spec.name, ...HARDENING];
    for (const [name, value] of Object.entries(spec.labels ?? {})) {
        if (!/^[a-z0-9][a-z0-9.-]*$/.test(name) || /[\n\r]/.test(value))
            throw new DockerError(`Not a container label: ${name}=${value}`);
        args.push('--label', `${name}=${value}`);
    }
    if (spec.user)
        args.push('--user', `${spec.user.uid}:${spec.user.gid}`);
    if (spec.network)
        args.push('--network', spec.network);
    for (const gid of spec.groupAdd ?? []) {
        // Group root would open every root-group file the mounts hold.
        if (gid === 0)
            throw new DockerError('The container is never given group root (GID 0).');
        args.push('--group-add', String(gid));
    }
    for (const host of spec.loopbackHosts ?? []) {
        if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host))
            throw new DockerError(`Not a host name: ${host}`);
        args.push('--add-host', `${host}:127.0.0.1`);
    }
    for (const device of spec.devices ?? []) {
        for (const part of device.split(':'))
            checkMountPath(part);
        args.push('--device', device);
    }
    for (const mount of spec.mounts)
        args.push(...mountArgs(mount, spec.hostPaths));
    for (const [name, value] of Object.entries(spec.env))
        args.push('-e', `${name}=${value}`);
    if (spec.workdir)
        args.push('--workdir', spec.workdir);
    args.push(spec.image, ...spec.command);
    return args;
}
/** What went wrong between the docker client and the engine, from what the client said. Pure. */
function classifyDockerFailure(stderr) {
    if (/permission denied (while trying to connect|.*docker)/i.test(stderr))
        return 'permission';
    if (/Cannot connect to the Docker daemon|Is the docker daemon running|error during connect|dial unix \S*docker\.sock: connect: (no such file or directory|connection refused)/i.test(stderr)) {
        return 'unreachable';
    }
    return 'other';
}
/** Turn what the docker client said into what to do about it. */
function explainDockerFailure(stderr) {
    switch (classifyDockerFailure(stderr)) {
        case 'permission':
            return 'This user may not use the Docker engine (permission denied on its socket). Add the user to the docker group (sudo usermod -aG docker $USER, then log in again) or use rootless Docker. Note that the docker group is equivalent to root on this host.';
        case 'unreachable':
            return 'No Docker engine is reachable. Start it (sudo systemctl start docker, or open Docker Desktop) and check that `docker info` works.';
        default:
            return undefined;
    }
}
/** The docker client, through the one exec wrapper, with failures explained. */
class Docker {
    defaults;
    command;
    constructor(defaults = {}, command = process.env.ESP32_BUILD_DOCKER ?? 'docker') {
        this.defaults = defaults;
        this.command = command;
    }
    async run(args, options = {}) {
        try {
            return await run(this.command, args, { ...this.defaults, ...options });
        }
        catch (error) {
            if (error instanceof ExecError) {
                if (error.code === null && /not found/.test(error.message)) {
                    throw new DockerError('The docker client is not installed or not on PATH. Install Docker (https://docs.docker.com/engine/install/) and try again.');
                }
                const why = explainDockerFailure(error.stderr);
                if (why)
                    throw new DockerError(why);
            }
            throw error;
        }
    }
    /** Whether an image is present locally. */
    async hasImage(ref) {
        const result = await this.run(['image', 'inspect', '--format', '{{.Id}}', ref], { allowFailure: true });
        if (result.code !== 0) {
            const why = explainDockerFailure(result.stderr);
            if (why)
                throw new DockerError(why);
        }
        return result.code === 0;
    }
    /** Check the engine answers and this user may use it. */
    async check() {
        const result = await this.run(['version', '--format', '{{.Server.Version}}'], { allowFailure: true });
        if (result.code !== 0) {
            throw new DockerError(explainDockerFailure(result.stderr) ?? `docker version failed: ${result.stderr.trim()}`);
        }
        return result.stdout.trim();
    }
    /** Remove a container by name; used when a run is interrupted. */
    async remove(name) {
        await run(this.command, ['rm', '--force', name], { allowFailure: true });
    }
}

;// CONCATENATED MODULE: ./src/pipeline/host-paths.ts
/**
 * Host paths as the build container sees them. On Linux a directory is
 * mounted at its own path, and so on macOS, whose Docker Desktop shares
 * /Users at the same path. A Windows path (C:\Users\me\src) has no place in
 * a Linux container: it is mounted at /c/Users/me/src, the drive letter in
 * lower case as the first directory, as Git Bash and WSL name it. Pure.
 */

/** The `path` of the host's paths: this one's, or Windows' for Windows paths (so tests run anywhere). Pure. */
function hostPath(hostPaths) {
    return hostPaths === 'windows' ? (external_node_path_default()).win32 : (external_node_path_default());
}
/** The host's path style, from its platform: undefined where host and container paths agree. Pure. */
function hostPathsOf(platform) {
    return platform === 'win32' ? 'windows' : undefined;
}
class HostPathError extends Error {
    constructor(message) {
        super(message);
        this.name = 'HostPathError';
    }
}
/** Where `hostPath` is mounted in the container: itself, or a Windows path's /<drive>/… name. Pure. */
function containerPath(hostPath, hostPaths) {
    if (hostPaths !== 'windows')
        return hostPath;
    const normal = external_node_path_default().win32.normalize(hostPath);
    const drive = /^([A-Za-z]):\\(.*)$/.exec(normal);
    if (!drive) {
        throw new HostPathError(`Cannot mount '${hostPath}' into the container: on Windows only a path on a drive (C:\\…) is shared with Docker Desktop, not a network share or a relative path. Move it to a local drive.`);
    }
    const rest = drive[2].split('\\').filter(Boolean);
    return external_node_path_default().posix.join('/', drive[1].toLowerCase(), ...rest);
}
/** What a container spec takes from the host's path style: nothing on Linux and macOS. Pure. */
function hostPathsField(hostPaths) {
    return hostPaths ? { hostPaths } : {};
}

;// CONCATENATED MODULE: ./src/pipeline/users.ts
/**
 * Who the containers run as. Files a build writes belong to the owner of the
 * MicroPython tree, and no container runs as root when someone else owns the
 * tree: under sudo, or on a runner whose agent is root, the build runs as the
 * tree's owner. When both are root, it runs as root with every capability
 * dropped (docker.ts), and the log says so.
 */


/**
 * This process's user, as the containers should run: its uid and gid on
 * Linux and macOS (Docker Desktop's file sharing gives what a container
 * writes to the macOS user, whatever uid wrote it). Windows has no uid:
 * the containers run as the image's own user (root, with every capability
 * dropped), the one that may write wherever Docker Desktop shares a drive,
 * and what they write belongs to the Windows user. Pure.
 */
function callerUser(platform, ids) {
    if (platform === 'win32')
        return undefined;
    return { uid: ids.uid ?? 1000, gid: ids.gid ?? 1000 };
}
/** This process's user ({@link callerUser}) on this machine. */
function thisUser(platform = process.platform) {
    return callerUser(platform, { uid: process.getuid?.(), gid: process.getgid?.() });
}
/** The users of the containers, from this process's and the tree owner's. Pure. */
function containerUsers(caller, treeOwner) {
    if (!caller)
        return {};
    if (caller.uid !== 0)
        return { install: caller, build: caller };
    if (treeOwner && treeOwner.uid !== 0) {
        return {
            install: caller,
            build: treeOwner,
            note: `Running as root: the build runs as ${treeOwner.uid}:${treeOwner.gid}, the owner of the MicroPython tree, not as root (ESP-IDF's install.sh runs as root with every capability dropped).`
        };
    }
    return {
        install: caller,
        build: caller,
        note: 'The containers run as root, since this process and the owner of the MicroPython tree are both root: with every capability dropped (--cap-drop ALL) and no-new-privileges, so root in them cannot override file permissions or gain any.'
    };
}
/** The owner of the tree; undefined while it is not there (a release about to be cloned). */
async function treeOwner(tree) {
    const info = await (0,promises_namespaceObject.lstat)(tree).catch(() => undefined);
    return info ? { uid: info.uid, gid: info.gid } : undefined;
}
/**
 * Give `dirs` (and everything in them) to `user`: the caches a build writes,
 * made by this process as root, when the build runs as the tree's owner.
 * Links are changed themselves, never followed.
 */
async function handOver(dirs, user) {
    const pending = [...dirs];
    for (let at = pending.pop(); at !== undefined; at = pending.pop()) {
        const info = await (0,promises_namespaceObject.lstat)(at).catch(() => undefined);
        if (!info)
            continue;
        if (info.uid !== user.uid || info.gid !== user.gid)
            await (0,promises_namespaceObject.lchown)(at, user.uid, user.gid);
        if (info.isDirectory())
            for (const name of await (0,promises_namespaceObject.readdir)(at))
                pending.push(external_node_path_default().join(at, name));
    }
}

;// CONCATENATED MODULE: ./src/diagnostics.ts
/**
 * A gcc/clang diagnostic: `file:line:col: error|warning: message`. The one
 * pattern behind the action's problem matcher and the build's error tails.
 */
const COMPILER_DIAGNOSTIC = /^(.+?):(\d+):(\d+):\s+(?:fatal\s+)?(error|warning):\s+(.*)$/;
/** The groups of {@link COMPILER_DIAGNOSTIC}, by what they hold. */
const DIAGNOSTIC_GROUPS = { file: 1, line: 2, column: 3, severity: 4, message: 5 };
/** The last compiler errors in a build's output, for the failure message. Pure. */
function lastCompilerErrors(output, count = 10) {
    return output
        .split('\n')
        .filter((line) => COMPILER_DIAGNOSTIC.exec(line)?.[DIAGNOSTIC_GROUPS.severity] === 'error')
        .slice(-count);
}
const DISK_FULL = /No space left on device|ENOSPC|Disk quota exceeded|EDQUOT/;
/**
 * What to do about a full disk, when a failure's message says the disk was
 * full; `where` names the directory being written, when known. Pure.
 */
function diskFullHint(message, where) {
    if (!DISK_FULL.test(message))
        return undefined;
    const place = where ? ` holding ${where}` : '';
    return `The disk${place} is full. Free space there (df -h shows what is left; docker system prune frees the engine's unused images) and re-run: what was cached before is intact, and the half-written part is removed on the next run.`;
}
/** A failure's message, with what to do appended when it says so itself (a full disk) and does not yet. Pure. */
function withFaultHints(message) {
    const hint = diskFullHint(message);
    return hint && !message.includes('The disk') ? `${message}\n${hint}` : message;
}

;// CONCATENATED MODULE: ./src/layout.ts
/**
 * Where things live inside the build container. Fixed paths, whatever the host
 * layout: ESP-IDF's Python venv and CMake caches record absolute paths, so a
 * cached checkout only stays valid if it is always mounted at the same place.
 */
const CONTAINER = {
    idfPath: '/opt/esp32-devel/esp-idf',
    idfToolsPath: '/opt/esp32-devel/espressif',
    toolchain: '/opt/esp32-devel/xtensa-esp32-elf',
    ccacheDir: '/opt/esp32-devel/ccache',
    componentsDir: '/opt/esp32-devel/components',
    home: '/tmp/esp32-home'
};

;// CONCATENATED MODULE: ./src/pipeline/git-entries.ts



async function entriesOf(dir) {
    try {
        return await (0,promises_namespaceObject.readdir)(dir, { withFileTypes: true });
    }
    catch {
        return []; // gone, or not ours to read
    }
}
/**
 * Every entry named `.git` under `roots`: not inside a `.git` itself, and
 * never through a symbolic link. A root that does not exist has none.
 */
async function findGitEntries(roots) {
    const found = [];
    const pending = [...roots];
    for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
        for (const entry of await entriesOf(dir)) {
            const full = external_node_path_default().join(dir, entry.name);
            if (entry.name === '.git') {
                const info = await (0,promises_namespaceObject.lstat)(full).catch(() => undefined);
                if (!info)
                    continue;
                const kind = info.isSymbolicLink() ? 'link' : info.isDirectory() ? 'dir' : 'file';
                found.push({ path: full, kind, dev: info.dev, ino: info.ino });
            }
            else if (entry.isDirectory()) {
                pending.push(full);
            }
        }
    }
    return found.sort((a, b) => a.path.localeCompare(b.path));
}
/** What to mount read-only: the files and directories (a link cannot be mounted over). Pure. */
function protectedPaths(entries) {
    return entries.filter((e) => e.kind !== 'link').map((e) => e.path);
}
/** The `.git` mounts inside the tree, each read-only over itself (at its container name: build.ts). Pure. */
function gitMounts(tree, paths, hostPaths) {
    const { isAbsolute, relative } = hostPath(hostPaths);
    return paths
        .filter((p) => !relative(tree, p).startsWith('..') && !isAbsolute(relative(tree, p)))
        .map((p) => ({ host: p, container: p, readonly: true }));
}
/** The entries found after a container that were not there before it. Pure. */
function plantedEntries(before, after) {
    const known = new Set(before.map((e) => `${e.dev}:${e.ino}`));
    return after.filter((e) => !known.has(`${e.dev}:${e.ino}`));
}
/**
 * After a container that could write `roots`: remove each `.git` it created
 * (a link is removed, not followed), with a warning that names it.
 */
async function removePlantedGit(before, roots, log) {
    const planted = plantedEntries(before, await findGitEntries(roots));
    for (const entry of planted) {
        await (0,promises_namespaceObject.rm)(entry.path, { recursive: true, force: true });
        log.warning(`The build created ${entry.path} (a ${entry.kind === 'dir' ? 'directory' : entry.kind === 'file' ? 'file' : 'link'}): removed it. git would run what such a repository's config names on this machine.`);
    }
    return planted.map((e) => e.path);
}

;// CONCATENATED MODULE: ./src/git.ts


/** How long `git ls-remote` may take. */
const LS_REMOTE_TIMEOUT_MS = 60_000;
/** How long one clone (with its submodules, and any fallback fetch) may take in all. */
const CLONE_TIMEOUT_MS = 60 * 60_000;
/** A local path or file:// URL: its submodules are local too, which git blocks unless told. */
function isLocalRepo(repo) {
    return external_node_path_default().isAbsolute(repo) || repo.startsWith('file://');
}
/** `--progress` when someone listens, else `--quiet`. */
function progressArgs(options) {
    return options.onGitLine ? ['--progress'] : ['--quiet'];
}
/** Lines that say what went wrong. */
const FAILURE = /^(fatal|error|warning):|^remote: (fatal|error)\b/i;
/** Lines that only say how far git has got. */
const PROGRESS = [
    /\d+(\.\d+)?%/,
    /^remote: (Counting|Compressing|Enumerating|Total|Finding sources)\b/,
    /^(Receiving objects|Resolving deltas|Updating files|Checking out files|Filtering content|Unpacking objects)\b/,
    /^Cloning into\b/,
    /^Submodule '.*' \(.*\) registered for path '.*'$/,
    /^Submodule '.*' registered\b/,
    /^Submodule path '.*': checked out\b/,
    /^(remote: )?done\.?$/
];
/** Lines that advise rather than report: hints, and the detached-HEAD advice (a block, see below). */
const ADVICE_LINE = /^hint:|\badvice\.\w+\b|^HEAD is now at\b/;
const ADVICE_START = /^Note: (switching to|checking out) '/;
const ADVICE_END = /^Turn off this advice by setting config variable advice\./;
/** How many lines of a failure a message keeps (the last ones). */
const FAILURE_LINES = 25;
/**
 * What went wrong, from a failed git command's stderr: its fatal:, error:,
 * warning: and `remote: error` lines (each once), or else its last line that
 * is not progress or advice. Progress meters, whether their updates are
 * separated by \r or \n, and advice never appear.
 */
function gitFailure(stderr) {
    const lines = [];
    let inAdvice = false;
    for (const raw of stderr.split(/\r\n|\r|\n/)) {
        const line = raw.trimEnd();
        if (ADVICE_START.test(line))
            inAdvice = true;
        if (inAdvice) {
            if (ADVICE_END.test(line))
                inAdvice = false;
            continue;
        }
        if (!line.trim() || ADVICE_LINE.test(line))
            continue;
        if (!FAILURE.test(line) && PROGRESS.some((p) => p.test(line)))
            continue;
        lines.push(line);
    }
    const failures = [...new Set(lines.filter((l) => FAILURE.test(l)))];
    if (failures.length > 0)
        return failures.slice(-FAILURE_LINES).join('\n');
    return lines.at(-1) ?? '';
}
/** Options of git itself that take the next argument as their value. */
const GLOBAL_WITH_VALUE = new Set(['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--config-env']);
/** The subcommand of a git argv, after git's own options: `clone` for `-C dir -c a=b clone …`. */
function gitSubcommand(args) {
    for (let i = 0; i < args.length; i++) {
        if (GLOBAL_WITH_VALUE.has(args[i]))
            i++;
        else if (!args[i].startsWith('-'))
            return args[i];
    }
    return '';
}
/**
 * The same failure said the way git users need it:
 * `git <subcommand> failed (exit code N): <what went wrong>`. Still an ExecError,
 * with the same argv, code and output.
 */
function gitError(error) {
    const subcommand = gitSubcommand(error.args);
    const name = subcommand ? `git ${subcommand}` : 'git';
    const what = gitFailure(error.stderr) || gitFailure(error.stdout);
    let head;
    if (error.code !== null) {
        head = `${name} failed (exit code ${error.code})`;
    }
    else {
        // Not started, timed out or killed: run() said which on its first line.
        const first = error.message.split('\n')[0].replace(/:$/, '');
        head = first.startsWith('git ') ? `${name} ${first.slice('git '.length)}` : `${name} failed: ${first}`;
    }
    return new ExecError(what ? `${head}: ${what}` : head, error.command, error.args, error.code, error.stdout, error.stderr);
}
/**
 * Settings every git command gets on its command line (they reach the git
 * processes it starts for submodules too): no detached-HEAD advice; no hook
 * and no fsmonitor, which a repository's own config could otherwise make run
 * on this machine; and a transfer that stalls (nothing, or only keep-alives,
 * for five minutes) fails instead of hanging.
 */
const git_HARDENING = [
    '-c',
    'advice.detachedHead=false',
    '-c',
    'core.fsmonitor=false',
    '-c',
    'core.hooksPath=/dev/null',
    '-c',
    'http.lowSpeedLimit=1',
    '-c',
    'http.lowSpeedTime=300'
];
/**
 * Settings of this platform's checkouts: on Windows, files as committed (LF),
 * never converted to CRLF, since a Linux container runs them (a shell script
 * with CRLF does not run). None elsewhere. Pure.
 */
function platformConfig(platform = process.platform) {
    return platform === 'win32' ? ['-c', 'core.autocrlf=false', '-c', 'core.eol=lf'] : [];
}
/** ssh as git runs it: never a prompt (for a password, a passphrase or an unknown host key), and a dead link noticed. */
const SSH_COMMAND = 'ssh -oBatchMode=yes -oConnectTimeout=30 -oServerAliveInterval=15 -oServerAliveCountMax=4';
/**
 * The environment of a git command. Nothing prompts: not git (a CI job or a
 * script would hang), not ssh, unless the user chose an ssh command of their
 * own. Credentials go into GIT_CONFIG_KEY_n/VALUE_n, after any the caller
 * already had: so they never appear on a command line, in .git/config, or in
 * a container, and git's trace output masks them. Pure.
 */
function gitEnvironment(base, credentials) {
    const env = {
        ...base,
        GIT_TERMINAL_PROMPT: '0',
        GIT_ASKPASS: 'true',
        GIT_TRACE_REDACT: '1'
    };
    if (!base.GIT_SSH_COMMAND && !base.GIT_SSH)
        env.GIT_SSH_COMMAND = SSH_COMMAND;
    if (credentials) {
        const count = /^\d+$/.test(base.GIT_CONFIG_COUNT ?? '') ? Number(base.GIT_CONFIG_COUNT) : 0;
        const { key, value } = credentials.gitConfig();
        env[`GIT_CONFIG_KEY_${count}`] = key;
        env[`GIT_CONFIG_VALUE_${count}`] = value;
        env.GIT_CONFIG_COUNT = String(count + 1);
    }
    return env;
}
/** The caller's signal and a deadline, as one signal: the exec wrapper stops git's whole process group on either. */
function withDeadline(signal, timeoutMs) {
    const deadline = timeoutMs !== undefined ? AbortSignal.timeout(Math.max(1, timeoutMs)) : undefined;
    const signals = [signal, deadline].filter((s) => s !== undefined);
    return { deadline, signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0] };
}
/**
 * git through the one exec wrapper, hardened (HARDENING, gitEnvironment),
 * allowing file-transport submodules only for a repository that is itself
 * local. A failure throws an ExecError whose message is git's own account of
 * it (see gitError), and so does a command past its timeoutMs; a
 * cancellation throws exec's AbortError.
 */
async function git(args, options) {
    const onGitLine = options.onGitLine;
    const config = [...git_HARDENING, ...platformConfig()];
    if (isLocalRepo(options.repo))
        config.push('-c', 'protocol.file.allow=always');
    const { deadline, signal } = withDeadline(options.signal, options.timeoutMs);
    const argv = [...config, ...args];
    try {
        return await run('git', argv, {
            cwd: options.cwd,
            env: {
                ...gitEnvironment(process.env, options.credentials),
                // Run as the repository's owner: root's own git config is neither read nor readable.
                ...(options.user ? { GIT_CONFIG_GLOBAL: '/dev/null', XDG_CONFIG_HOME: '/nonexistent' } : {})
            },
            debug: options.debug,
            user: options.user,
            signal,
            onLine: onGitLine ? (line) => onGitLine(line) : undefined,
            splitOnCarriageReturn: onGitLine !== undefined
        });
    }
    catch (error) {
        if (error instanceof AbortError && deadline?.aborted && !options.signal?.aborted) {
            const seconds = Math.round((options.timeoutMs ?? 0) / 1000);
            throw gitError(new ExecError(`git timed out after ${seconds} s`, 'git', argv, null, '', ''));
        }
        throw error instanceof ExecError ? gitError(error) : error;
    }
}

;// CONCATENATED MODULE: ./src/pipeline/submodules.ts
/**
 * `make submodules` writes the tree's .git (its config and .git/modules), and
 * no container may: so the port is asked, in a container like the build's,
 * which submodules it would update, and git on this machine updates those.
 * The port is asked the way it computes them: its own `make submodules` runs
 * with a `git` whose `submodule update` only names the paths (every other
 * git command is git itself), which serves every era alike: the GIT_SUBMODULES
 * of the legacy Makefile, the ECHO_SUBMODULES pass of v1.22–v1.24, the
 * UPDATE_SUBMODULES reconfigure of v1.25 on. What it names is the tree's
 * word, so only paths inside the tree are taken, and git runs hardened.
 */




/** How the container names a path `git submodule update` was asked for. */
const SUBMODULE_MARK = 'esp32-build-submodule';
/** git as `make submodules` meets it in that container (POSIX sh; the real git is $ESP32_BUILD_GIT). */
const GIT_FOR_SUBMODULES = String.raw `#!/bin/sh
# git submodule update only names its paths; any other git command runs.
dir=$PWD state=global action=
for a in "$@"; do
  case $state in
    global)
      case $a in
        -C) state=dir ;;
        -c|--git-dir|--work-tree|--namespace|--config-env) state=skip ;;
        -*) ;;
        submodule) state=sub ;;
        *) exec "$ESP32_BUILD_GIT" "$@" ;;
      esac ;;
    dir) dir=$(cd "$dir" 2>/dev/null && cd "$a" 2>/dev/null && pwd) || dir=$a; state=global ;;
    skip) state=global ;;
    sub) case $a in -*) ;; *) action=$a state=args ;; esac ;;
    value) state=args ;;
    args|paths)
      [ "$action" = update ] || continue
      case $state:$a in
        args:--) state=paths ;;
        args:--reference|args:--depth|args:--jobs|args:-j|args:--filter) state=value ;;
        args:-*) ;;
        *) printf '%s\t%s\t%s\n' esp32-build-submodule "$dir" "$a" ;;
      esac ;;
  esac
done
[ "$state" = global ] && exec "$ESP32_BUILD_GIT" "$@"
exit 0
`;
/** `make submodules` with that git first on PATH; make's other arguments (-C ports/esp32, the board) follow the script. */
const SUBMODULES_SCRIPT = [
    'set -e',
    'ESP32_BUILD_GIT=$(command -v git); export ESP32_BUILD_GIT',
    'shim=$(mktemp -d)',
    `cat > "$shim/git" <<'ESP32_BUILD_GIT_EOF'`,
    GIT_FOR_SUBMODULES + 'ESP32_BUILD_GIT_EOF',
    'chmod +x "$shim/git"',
    'PATH="$shim:$PATH" make "$@" submodules'
].join('\n');
/** A submodule path as MicroPython names them (lib/berkeley-db-1.xx). */
const PATH_WORDS = /^[A-Za-z0-9_.@+-]+(\/[A-Za-z0-9_.@+-]+)*$/;
/**
 * The submodules the port named, relative to the tree (`tree` as the
 * container names it), and the names refused (outside the tree, into a
 * .git, or not a plain path). Pure.
 */
function requestedSubmodules(output, tree) {
    const paths = [];
    const refused = [];
    for (const line of output.split('\n')) {
        const fields = line.replace(/\r$/, '').split('\t');
        if (fields[0] !== SUBMODULE_MARK)
            continue;
        const [, dir = '', name = ''] = fields;
        // The container's paths, POSIX whatever the host.
        const relative = external_node_path_default().posix.isAbsolute(dir)
            ? external_node_path_default().posix.relative(tree, external_node_path_default().posix.resolve(dir, name))
            : '';
        const plain = fields.length === 3 &&
            PATH_WORDS.test(relative) &&
            !relative.startsWith('..') &&
            !relative.split('/').some((part) => part === '.git' || part === '.' || part === '..');
        if (!plain)
            refused.push(name || line);
        else if (!paths.includes(relative))
            paths.push(relative);
    }
    return { paths, refused };
}
/**
 * git's settings for a tree's submodules: no fsmonitor, no hooks, no ext::
 * transport, and no file:// one unless the tree itself was cloned from a
 * local path (its submodules are then local too, as for ESP-IDF's). The
 * tree's origin is in its .git/config, which no build can write. Pure.
 */
function submoduleGitConfig(origin) {
    const config = ['core.fsmonitor=false', 'core.hooksPath=/dev/null', 'protocol.ext.allow=never'];
    if (!origin || !isLocalRepo(origin))
        config.push('protocol.file.allow=never');
    return config.flatMap((setting) => ['-c', setting]);
}
/** Longer than any submodule clone needs; a stalled one must not hold the job for hours. */
const SUBMODULE_TIMEOUT_MS = 30 * 60_000;
/** Whether a directory on the way to `relative` is a link (git would write where it points). */
async function throughLink(tree, relative) {
    let at = tree;
    for (const part of relative.split('/')) {
        at = external_node_path_default().join(at, part);
        const info = await (0,promises_namespaceObject.lstat)(at).catch(() => undefined);
        if (!info)
            return false;
        if (info.isSymbolicLink())
            return true;
    }
    return false;
}
/**
 * `git submodule sync` and `update --init` of `paths`, on this machine,
 * hardened. The port's container could write the tree: a submodule's
 * directory that it turned into a link is refused, not followed.
 */
async function updateSubmodules(tree, paths, ctx) {
    if (paths.length === 0)
        return;
    for (const relative of paths) {
        if (await throughLink(tree, relative)) {
            throw new Error(`The port's make submodules names ${relative}, but in ${tree} that path goes through a symbolic link, which git would follow: not updating it. Check out the tree afresh.`);
        }
    }
    const base = { cwd: tree, debug: ctx.log.debug, signal: ctx.signal, user: ctx.user };
    const origin = await git([...submoduleGitConfig(undefined), 'config', '--get', 'remote.origin.url'], {
        ...base,
        repo: ''
    }).then((r) => r.stdout.trim() || undefined, () => undefined);
    const config = submoduleGitConfig(origin);
    const options = {
        ...base,
        repo: origin && isLocalRepo(origin) ? origin : '',
        timeoutMs: SUBMODULE_TIMEOUT_MS
    };
    ctx.log.info(`Updating submodules on this machine: ${paths.join(' ')}`);
    try {
        await git([...config, 'submodule', 'sync', '--quiet', '--', ...paths], options);
        await git([...config, 'submodule', 'update', '--init', '--', ...paths], options);
    }
    catch (error) {
        if (!(error instanceof ExecError))
            throw error;
        throw new ExecError(`The port's make submodules needs ${paths.join(', ')}, and updating them in ${tree} failed: ${error.message}`, error.command, error.args, error.code, error.stdout, error.stderr);
    }
}

;// CONCATENATED MODULE: ./src/pipeline/build.ts








/**
 * The build, as one fixed script: every value from the user arrives as a
 * positional argument, never as shell text.
 */
const BUILD_SCRIPT = [
    'set -e',
    'jobs=$1; nboard=$2; shift 2',
    'board=("${@:1:$nboard}"); shift "$nboard"',
    'start=$(date +%s%N)',
    'make -C mpy-cross -j"$jobs"',
    'make -C ports/esp32 -j"$jobs" "${board[@]}" "$@"',
    'echo "esp32-build: make finished in $(( ($(date +%s%N) - start) / 1000000 )) ms"'
].join('\n');
/** The port make's duration, as the build script reports it. Pure. */
function makeDuration(output) {
    const match = /^esp32-build: make finished in (\d+) ms$/m.exec(output);
    return match ? Number(match[1]) : undefined;
}
/** BOARD= and BOARD_VARIANT= for the port's make. Pure. */
function boardArgs(resolution) {
    const args = [];
    if (resolution.board)
        args.push(`BOARD=${resolution.board}`);
    if (resolution.boardVariant)
        args.push(`BOARD_VARIANT=${resolution.boardVariant}`);
    return args;
}
/** The directory mounted for the tree: the mount root when it holds the tree, else the tree. Pure. */
function mountedRoot(plan) {
    if (!plan.mountRoot)
        return plan.tree;
    const inside = external_node_path_default().relative(plan.mountRoot, plan.tree);
    return inside === '' || (!inside.startsWith('..') && !external_node_path_default().isAbsolute(inside)) ? plan.mountRoot : plan.tree;
}
/**
 * The workspace read-only, the tree in it writable, each `.git` in the tree
 * read-only again: a build writes its own tree, nothing beside it, and no
 * git config or hook that git on the host would run. Pure.
 */
function treeMounts(plan) {
    const root = mountedRoot(plan);
    const mounts = root === plan.tree
        ? [{ host: root, container: root }]
        : [
            { host: root, container: root, readonly: true },
            { host: plan.tree, container: plan.tree }
        ];
    const all = [...mounts, ...gitMounts(plan.tree, plan.gitEntries ?? [], plan.hostPaths)];
    return all.map((mount) => ({ ...mount, container: containerPath(mount.host, plan.hostPaths) }));
}
/**
 * The mounts and environment each era's build needs. ESP-IDF, its tools and
 * the toolchain are read-only: a build writes nothing into them (Python
 * writes no bytecode there either), so no tree can change what the next
 * build, or a cache, gets. Pure.
 */
function buildEnvironment(plan) {
    const mounts = [
        ...treeMounts(plan),
        { host: plan.idfPath, container: CONTAINER.idfPath, readonly: true }
    ];
    const env = {
        HOME: CONTAINER.home,
        IDF_PATH: CONTAINER.idfPath,
        PYTHONDONTWRITEBYTECODE: '1'
    };
    if (plan.resolution.buildSystem === 'make') {
        env.ESPIDF = CONTAINER.idfPath;
        // v1.9.4 runs its partition tool with $(PYTHON2); the image has python3 only.
        env.PYTHON2 = 'python3';
        if (plan.toolchainDir) {
            mounts.push({ host: plan.toolchainDir, container: CONTAINER.toolchain, readonly: true });
            env.ESP32_DEVEL_TOOLCHAIN = CONTAINER.toolchain;
        }
    }
    else {
        mounts.push({ host: plan.toolsPath, container: CONTAINER.idfToolsPath, readonly: true });
        env.IDF_TOOLS_PATH = CONTAINER.idfToolsPath;
        env.ESP32_DEVEL_EXPORT = '1';
        // Manager 2.x checks for newer component versions on every build by default: a
        // registry request per component and a git fetch per git dependency.
        env.IDF_COMPONENT_CHECK_NEW_VERSION = '0';
        Object.assign(env, plan.componentEnv ?? {});
        if (plan.componentsOffline)
            env.IDF_COMPONENT_STORAGE_URL = plan.componentsOffline.storage;
        if (plan.componentsDir) {
            mounts.push({ host: plan.componentsDir, container: CONTAINER.componentsDir });
            env.IDF_COMPONENT_CACHE_PATH = CONTAINER.componentsDir;
        }
        if (plan.idfEntry) {
            env.ESP32_DEVEL_IDF_ENTRY = plan.idfEntry.dir;
            env.ESP32_DEVEL_IDF_KEY = plan.idfEntry.key;
        }
        if (plan.ccacheDir) {
            // No CCACHE_BASEDIR: every path is the same from run to run (the tree at
            // its own path, ESP-IDF at a fixed one), and a base dir would make gcc
            // print relative file names that the problem matcher cannot place.
            mounts.push({ host: plan.ccacheDir, container: CONTAINER.ccacheDir });
            Object.assign(env, { IDF_CCACHE_ENABLE: '1', CCACHE_DIR: CONTAINER.ccacheDir, CCACHE_MAXSIZE: '500M' });
        }
    }
    if (plan.serial?.kind === 'bind')
        mounts.push({ host: plan.serial.host, container: plan.serial.container });
    return { mounts, env };
}
function serialArgs(serial) {
    if (!serial)
        return {};
    return {
        devices: serial.kind === 'device' ? [`${serial.host}:${serial.container}`] : [],
        groupAdd: serial.gid !== undefined ? [serial.gid] : []
    };
}
/** The container that builds mpy-cross and the firmware. Pure but for the name. */
function buildContainer(plan, name = containerName('make')) {
    const board = boardArgs(plan.resolution);
    return {
        ...inTree(plan, plan.tree, name),
        ...serialArgs(plan.serial),
        command: [
            'bash',
            '-c',
            BUILD_SCRIPT,
            'esp32-build',
            String(plan.jobs),
            String(board.length),
            ...board,
            ...plan.makeArgs,
            ...plan.targets
        ]
    };
}
/**
 * `make ARGS` in `cwd` (somewhere inside the tree), with the era's
 * environment: what the `esp32` alias runs. Pure but for the name.
 */
function makeContainer(plan, cwd, args, name = containerName('make')) {
    return { ...inTree(plan, cwd, name), ...serialArgs(plan.serial), command: ['make', ...args] };
}
/** A container that runs the port's make in `cwd` (inside the tree), with the era's environment. Pure. */
function inTree(plan, cwd, name) {
    return {
        image: plan.image,
        name,
        user: plan.user,
        workdir: containerPath(cwd, plan.hostPaths),
        network: plan.network,
        ...buildEnvironment(plan),
        loopbackHosts: plan.componentsOffline?.hosts,
        ...hostPathsField(plan.hostPaths)
    };
}
/** Options of make that take the next argument as their value. */
const MAKE_WITH_VALUE = new Set([
    '-C',
    '-f',
    '-I',
    '-o',
    '-W',
    '--directory',
    '--file',
    '--makefile',
    '--include-dir',
    '--old-file',
    '--assume-old',
    '--new-file',
    '--assume-new',
    '--what-if'
]);
/** Which of make's arguments are goals: not options, their values or variable assignments. Pure. */
function makeGoalIndices(args) {
    const goals = [];
    for (let i = 0; i < args.length; i++) {
        const arg = args[i];
        const numberFollows = /^\d+(\.\d+)?$/.test(args[i + 1] ?? '');
        if (MAKE_WITH_VALUE.has(arg) || (['-j', '-l', '--jobs', '--load-average'].includes(arg) && numberFollows))
            i++;
        else if (!arg.startsWith('-') && !arg.includes('='))
            goals.push(i);
    }
    return goals;
}
/**
 * The port's `make submodules`, answered without writing .git: its own
 * make, with a git that only names the paths (submodules.ts). `args` are
 * make's other arguments (the board, -C). Pure but for the name.
 */
function submodulesContainer(plan, cwd, args, name = containerName('submodules')) {
    return { ...inTree(plan, cwd, name), command: ['bash', '-c', SUBMODULES_SCRIPT, 'esp32-build', ...args] };
}
/** ESP-IDF's install.sh for just the chips the build needs. Pure but for the name. */
function installContainer(plan, name = containerName('install')) {
    const env = {
        HOME: CONTAINER.home,
        IDF_PATH: CONTAINER.idfPath,
        IDF_TOOLS_PATH: CONTAINER.idfToolsPath
    };
    Object.assign(env, plan.mirrorEnv ?? {});
    return {
        image: plan.image,
        name,
        user: plan.user,
        workdir: CONTAINER.idfPath,
        network: plan.network,
        mounts: [
            { host: plan.idfPath, container: CONTAINER.idfPath },
            { host: plan.toolsPath, container: CONTAINER.idfToolsPath }
        ],
        env,
        ...hostPathsField(plan.hostPaths),
        command: [`${CONTAINER.idfPath}/install.sh`, plan.chips.join(',')]
    };
}
class BuildError extends Error {
    output;
    constructor(message, 
    /** What the container printed, when one ran. */
    output = '') {
        super(message);
        this.output = output;
        this.name = 'BuildError';
    }
}
/**
 * What an exit code of 128 + a signal says about a container that was
 * stopped rather than failing by itself; undefined for any other code. Pure.
 */
function stoppedFromOutside(code) {
    if (code === 137) {
        return 'killed (SIGKILL), most often because the machine or the container ran out of memory; try fewer parallel jobs (jobs: 1) or a machine with more memory';
    }
    if (code === 143)
        return 'stopped (SIGTERM) from outside the build: docker stop, a shutdown, or a cancelled job';
    return undefined;
}
/**
 * Run a container to completion, streaming its output. Cancelled through
 * `signal`, the container is removed rather than left running.
 */
async function runContainer(docker, spec, log, what, signal) {
    const lines = [];
    const stop = () => void docker.remove(spec.name);
    signal?.addEventListener('abort', stop, { once: true });
    try {
        await docker.run(dockerRunArgs(spec), {
            debug: log.debug,
            signal,
            onLine: (line) => {
                lines.push(line);
                log.output(line);
            }
        });
        return lines.join('\n');
    }
    catch (error) {
        if (!(error instanceof ExecError))
            throw error;
        const output = lines.join('\n');
        if (signal?.aborted)
            throw error;
        const engine = await docker.run(['version', '--format', '{{.Server.Version}}'], { allowFailure: true });
        if (engine.code !== 0) {
            throw new BuildError(`The Docker engine stopped during this step (${what}, exit code ${error.code ?? 'none'}). Start it again (sudo systemctl start docker) and re-run: the caches are as they were before this step, and whatever it left half-made is set aside on the next run.`, output);
        }
        const errors = lastCompilerErrors(output);
        const detail = errors.length
            ? `Last compiler errors:\n${errors.join('\n')}`
            : `Last lines of output:\n${output.split('\n').slice(-20).join('\n')}`;
        const why = stoppedFromOutside(error.code);
        throw new BuildError(`${what} failed (exit code ${error.code ?? 'none'}${why ? `: ${why}` : ''}).\n${detail}`, output);
    }
    finally {
        signal?.removeEventListener('abort', stop);
    }
}

;// CONCATENATED MODULE: external "node:timers/promises"
const external_node_timers_promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:timers/promises");
;// CONCATENATED MODULE: external "node:fs"
const external_node_fs_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");
;// CONCATENATED MODULE: ./src/pipeline/partials.ts
/**
 * What a run leaves beside an entry of a store (the action's tool cache, the
 * CLI's $HOME/esp32-devel): a `.partial-<host>-<pid>` staging copy, renamed
 * into place only once whole, and an `.evicted<n>-<host>-<pid>` copy, set
 * aside to be removed. Every name carries its run's host and pid, so a later
 * run (on any host that shares the store) knows whose it is, and removes only
 * what a run of its own host that is gone left behind. Nothing is removed in
 * place: a directory is first renamed aside, so no run ever sees half of one.
 */




/** This machine's name as it appears in partial names. */
function hostName() {
    return external_node_os_default().hostname().replace(/[^A-Za-z0-9.-]/g, '_') || 'localhost';
}
/** Whether a process of this host is still running (EPERM: it is, as another user). */
function processAlive(pid) {
    try {
        process.kill(pid, 0);
        return true;
    }
    catch (error) {
        return error.code === 'EPERM';
    }
}
/** Whether a pid in a partial name is a run of this host that is over (not this one). */
function runGone(pid) {
    return pid !== process.pid && !processAlive(pid);
}
/** Where a run stages `target` before renaming it into place. Pure. */
function partialName(target, pid = process.pid, host = hostName()) {
    return `${target}.partial-${host}-${pid}`;
}
let evictions = 0;
/** A fresh name to set `target` aside under. */
function evictedName(target, pid = process.pid, host = hostName()) {
    evictions += 1;
    return `${target}.evicted${evictions}-${host}-${pid}`;
}
/** Whose leftover a name is, or undefined when it is no leftover. Pure. */
function partials_leftoverOwner(name) {
    const match = /\.(?:partial|evicted\d*)-(?:(.+)-)?(\d+)$/.exec(name);
    if (!match)
        return undefined;
    return match[1] === undefined ? { pid: Number(match[2]) } : { pid: Number(match[2]), host: match[1] };
}
/** Whether a leftover is of this host: only then can its run be asked whether it still runs. Pure. */
function isOwnHost(owner, host = hostName()) {
    return owner.host === undefined || owner.host === host;
}
/**
 * Rename `target` aside, if it is there, and remove it. What cannot be
 * removed now (files still in use) stays under its evicted name, for a later
 * sweep; what was at `target` is gone at once either way.
 */
async function partials_removeAside(target) {
    const aside = evictedName(target);
    try {
        await (0,promises_namespaceObject.rename)(target, aside);
    }
    catch (error) {
        if (error.code === 'ENOENT')
            return;
        throw error;
    }
    await (0,promises_namespaceObject.rm)(aside, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
}
function list(dir) {
    try {
        return (0,external_node_fs_namespaceObject.readdirSync)(dir);
    }
    catch {
        return [];
    }
}
/**
 * Remove the leftovers in `parents` whose run `remove` names (it is told the
 * owner, and is asked only about leftovers of this host). Synchronous and
 * never throwing, so that it can run while a cancelled run exits; returns
 * what it removed.
 */
function sweepLeftovers(parents, remove) {
    const removed = [];
    for (const parent of parents) {
        for (const name of list(parent)) {
            const owner = partials_leftoverOwner(name);
            if (!owner || !isOwnHost(owner) || !remove(owner.pid))
                continue;
            try {
                (0,external_node_fs_namespaceObject.rmSync)(external_node_path_default().join(parent, name), { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
                removed.push(external_node_path_default().join(parent, name));
            }
            catch {
                // Still being written by processes being stopped: the next sweep removes it.
            }
        }
    }
    return removed;
}

;// CONCATENATED MODULE: ./src/pipeline/entry-lock.ts
/**
 * One run at a time per cache entry: `<entry>.lock`, created exclusively
 * (O_EXCL) and holding its run's host, pid and a nonce. A run that finds it
 * waits, then looks at the entry again (the other run may have made it). A
 * lock whose run is gone (its pid, on this host) or that nobody has touched
 * for STALE_MS (its holder refreshes it every HEARTBEAT_MS; on another host
 * only this tells) is broken: renamed aside, so that of two runs breaking it
 * at once only one succeeds, and checked, so that a lock taken meanwhile is
 * put back.
 */






const HEARTBEAT_MS = 15_000;
const STALE_MS = 120_000;
const POLL_MS = 250;
/** The lock file of an entry directory. Pure. */
function lockFile(entryDir) {
    return `${entryDir}.lock`;
}
/** Whether a holder's lock may be broken: its run is gone, or it has not been refreshed for too long. Pure. */
function isStale(holder, ageMs, alive) {
    if (ageMs > STALE_MS)
        return true;
    // A lock file just created holds nothing yet: give its run the time to write it.
    if (!holder)
        return false;
    return holder.host === hostName() && !alive(holder.pid);
}
async function readHolder(file) {
    try {
        const [text, info] = await Promise.all([(0,promises_namespaceObject.readFile)(file, 'utf8'), (0,promises_namespaceObject.stat)(file)]);
        let holder;
        try {
            holder = JSON.parse(text);
        }
        catch {
            holder = undefined;
        }
        return { holder, ageMs: Date.now() - info.mtimeMs };
    }
    catch (error) {
        if (error.code === 'ENOENT')
            return undefined;
        throw error;
    }
}
/** Break a stale lock; if another run took the lock in the meantime, put its lock back. */
async function breakLock(file, stale, me) {
    const aside = `${file}.stale-${me.nonce}`;
    try {
        await (0,promises_namespaceObject.rename)(file, aside);
    }
    catch (error) {
        if (error.code === 'ENOENT')
            return;
        throw error;
    }
    const taken = (await readHolder(aside))?.holder;
    if (taken && taken.nonce !== stale?.nonce)
        await (0,promises_namespaceObject.link)(aside, file).catch(() => undefined);
    await (0,promises_namespaceObject.unlink)(aside).catch(() => undefined);
}
async function tryCreate(file, me) {
    try {
        const handle = await (0,promises_namespaceObject.open)(file, 'wx');
        try {
            await handle.writeFile(JSON.stringify(me));
        }
        finally {
            await handle.close();
        }
        return true;
    }
    catch (error) {
        if (error.code === 'EEXIST')
            return false;
        throw error;
    }
}
function held(file, me) {
    const heartbeat = setInterval(() => {
        const now = new Date();
        (0,promises_namespaceObject.utimes)(file, now, now).catch(() => undefined);
    }, HEARTBEAT_MS);
    heartbeat.unref();
    let released;
    return {
        file,
        release() {
            released ??= (async () => {
                clearInterval(heartbeat);
                // Only our own: a lock broken as stale and taken by another run is theirs now.
                if ((await readHolder(file))?.holder?.nonce === me.nonce)
                    await (0,promises_namespaceObject.unlink)(file).catch(() => undefined);
            })();
            return released;
        },
        toJSON: () => undefined
    };
}
function describe(holder) {
    return holder ? `process ${holder.pid} on ${holder.host} (since ${holder.since})` : 'another run';
}
/** Take the lock of the entry at `entryDir`, waiting while a live run holds it. */
async function entry_lock_lockEntry(entryDir, options) {
    const file = lockFile(entryDir);
    const me = {
        host: hostName(),
        pid: process.pid,
        nonce: (0,external_node_crypto_namespaceObject.randomBytes)(8).toString('hex'),
        since: new Date().toISOString()
    };
    await (0,promises_namespaceObject.mkdir)(external_node_path_default().dirname(file), { recursive: true });
    let told = false;
    for (;;) {
        if (options.signal?.aborted)
            throw new AbortError('Cancelled while waiting for a lock');
        if (await tryCreate(file, me))
            return held(file, me);
        const found = await readHolder(file);
        if (!found)
            continue;
        if (isStale(found.holder, found.ageMs, processAlive)) {
            options.log?.info(`Taking over the lock of ${options.what} from ${describe(found.holder)}, which is gone`);
            await breakLock(file, found.holder, me);
            continue;
        }
        if (!told) {
            options.log?.info(`Waiting for ${describe(found.holder)}, which is ${options.doing ?? 'preparing'} ${options.what}`);
            told = true;
        }
        await (0,external_node_timers_promises_namespaceObject.setTimeout)(POLL_MS, undefined, { signal: options.signal }).catch(() => undefined);
    }
}

;// CONCATENATED MODULE: ./src/pipeline/fingerprint.ts


/** A cheap identity of a directory's contents: file count, total size, newest change. */
async function fingerprint(dir) {
    let files = 0;
    let bytes = 0;
    let newest = 0;
    const walk = async (d) => {
        let entries;
        try {
            entries = await (0,promises_namespaceObject.readdir)(d, { withFileTypes: true });
        }
        catch {
            return;
        }
        for (const e of entries) {
            const p = external_node_path_default().join(d, e.name);
            if (e.isDirectory())
                await walk(p);
            else if (e.isFile()) {
                const s = await (0,promises_namespaceObject.stat)(p);
                files += 1;
                bytes += s.size;
                newest = Math.max(newest, s.mtimeMs);
            }
        }
    };
    await walk(dir);
    return { id: `${files}:${bytes}:${Math.round(newest)}`, files };
}
/** Whether a directory holds any file at all; stops at the first one found. */
async function hasAnyFile(dir) {
    let entries;
    try {
        entries = await (0,promises_namespaceObject.readdir)(dir, { withFileTypes: true });
    }
    catch {
        return false;
    }
    for (const e of entries) {
        if (e.isFile())
            return true;
        if (e.isDirectory() && (await hasAnyFile(external_node_path_default().join(dir, e.name))))
            return true;
    }
    return false;
}

;// CONCATENATED MODULE: ./src/pipeline/kept-dir.ts
/**
 * A directory that the build itself fills (ccache's objects, the component
 * manager's downloads): kept on this machine from run to run, and on a
 * machine where it is empty seeded from the Actions cache.
 */




/*
 * A scoped directory (cache-scope.ts) lives at one path whatever its scope,
 * since the Actions cache only restores an entry into the paths it was saved
 * from. Each scope's contents are kept beside it, at <dir>.<scope>, and moved
 * into place for a run of that scope; <dir>.scope says whose contents are in
 * place. So a build never sees another scope's objects, on a self-hosted
 * runner either.
 */
const scopeFile = (dir) => `${dir}.scope`;
async function scopeInPlace(dir) {
    return (await (0,promises_namespaceObject.readFile)(scopeFile(dir), 'utf8').catch(() => '')).trim();
}
/** Whether this scope's contents are the ones in place (always, unscoped). */
async function scopeInPlaceIs(dir, tag) {
    return !tag || (await scopeInPlace(dir)) === tag;
}
/** Where this scope's contents are now: in place, or set aside. */
async function scopedContents(dir, tag) {
    return !tag || (await scopeInPlace(dir)) === tag ? dir : `${dir}.${tag}`;
}
/** Whether this scope's contents are here, in place or set aside. */
async function scopedPresence(dir, tag) {
    return hasAnyFile(await scopedContents(dir, tag));
}
/** Puts this scope's contents (or nothing) in place, setting aside another scope's. */
async function checkOutScope(dir, tag) {
    const current = await scopeInPlace(dir);
    if (current === tag)
        return;
    await (0,promises_namespaceObject.mkdir)(external_node_path_default().dirname(dir), { recursive: true });
    if (await hasAnyFile(dir)) {
        const aside = `${dir}.${current || 'unscoped'}`;
        await (0,promises_namespaceObject.rm)(aside, { recursive: true, force: true });
        await (0,promises_namespaceObject.rename)(dir, aside);
    }
    else {
        await (0,promises_namespaceObject.rm)(dir, { recursive: true, force: true });
    }
    await (0,promises_namespaceObject.rename)(`${dir}.${tag}`, dir).catch(() => undefined);
    await (0,promises_namespaceObject.writeFile)(scopeFile(dir), `${tag}\n`);
}
/** Take the lock of a kept directory, waiting while another run uses it. */
function lockKeptDir(dir, what, ctx) {
    return entry_lock_lockEntry(dir, {
        what: `the ${what} directory ${dir}`,
        doing: 'using',
        log: ctx.log,
        signal: ctx.signal
    });
}
/**
 * The directory, kept here or restored from `key` (or the newest entry
 * starting with a restore key), locked for this run: the lock comes back in
 * KeptDir.lock, or is released when this fails.
 */
async function obtainKeptDir(dir, restore, what, ctx) {
    const lock = ctx.lock ?? (await lockKeptDir(dir, what, ctx));
    try {
        return { ...(await obtainLocked(dir, restore, what, ctx)), lock };
    }
    catch (error) {
        await lock.release();
        throw error;
    }
}
async function obtainLocked(dir, restore, what, ctx) {
    if (restore.scopeTag)
        await checkOutScope(dir, restore.scopeTag);
    await (0,promises_namespaceObject.mkdir)(dir, { recursive: true });
    const before = await fingerprint(dir);
    if (before.files > 0) {
        ctx.log.info(`Using the ${what} on this machine (${before.files} files)`);
        return { dir, hit: 'this machine', fingerprint: before.id };
    }
    if (ctx.useCache && ctx.cache.available) {
        const hit = await ctx.cache.restore([dir], restore.key, restore.restoreKeys);
        ctx.log.info(hit ? `Restored ${what} from ${hit}` : `No cached ${what} yet`);
        // Only a restore changes the directory: otherwise what was read before still holds.
        if (hit)
            return { dir, hit, fingerprint: (await fingerprint(dir)).id };
    }
    return { dir, fingerprint: before.id };
}

;// CONCATENATED MODULE: ./src/pipeline/ccache.ts



/** One directory per ESP-IDF, board and cache scope on this machine. */
async function planCcache(id, root, scope) {
    const stem = { idfKey: `${id.repo}|${id.ref}|${id.chips.join('+')}`, board: id.board, variant: id.variant };
    const dir = external_node_path_default().join(root, 'ccache', shortHash(JSON.stringify(stem), 16));
    const present = await scopedPresence(dir, scope.tag);
    return { dir, present, restoreKeys: ccacheRestoreKeys(stem, scope), stem, scope };
}
/** The key this run's ccache is saved under. Pure. */
function ccacheSaveKey(plan, runId) {
    return ccacheKey({ ...plan.stem, run: runId }, plan.scope);
}
/** ccache's directory: kept on this machine, seeded from the newest cached one; locked (KeptDir.lock). */
function obtainCcache(plan, ctx) {
    const restore = { key: plan.restoreKeys[0], restoreKeys: plan.restoreKeys, scopeTag: plan.scope.tag };
    return obtainKeptDir(plan.dir, restore, 'ccache', ctx);
}

;// CONCATENATED MODULE: ./src/pipeline/artifacts.ts
/**
 * The build's artifacts: which files they are, where the run puts them, and
 * what refuses them. The tree's build wrote them, so they are a stranger's
 * files on a pull request: only regular files reached through real
 * directories leave the build directory (`collect-artifacts.ts` reads them).
 * Pure.
 */


/** The files a flasher needs, plus the ELF and map for debugging, per build system. */
const ARTIFACT_FILES = {
    cmake: [
        'firmware.bin',
        'micropython.bin',
        'bootloader/bootloader.bin',
        'partition_table/partition-table.bin',
        'ota_data_initial.bin',
        'micropython.uf2',
        'flash_args',
        'flasher_args.json',
        'micropython.elf',
        'micropython.map'
    ],
    make: [
        'firmware.bin',
        'bootloader.bin',
        'partitions.bin',
        'application.bin',
        'application.elf',
        'application.map'
    ]
};
function planArtifacts(tree, buildDir, buildSystem, copyTo) {
    const root = external_node_path_default().resolve(tree);
    const plan = {
        tree: root,
        buildDir: external_node_path_default().resolve(root, buildDir),
        files: ARTIFACT_FILES[buildSystem]
    };
    if (copyTo)
        plan.copyTo = copyTo;
    return plan;
}
/**
 * Every path from the tree down to an artifact, the artifact last: each must
 * be a real directory, and the last a regular file, for it to be read.
 */
function pathSteps(plan, file) {
    const relative = external_node_path_default().relative(plan.tree, external_node_path_default().join(plan.buildDir, file));
    if (!relative || relative.startsWith('..') || external_node_path_default().isAbsolute(relative)) {
        throw new Error(`${file} in ${plan.buildDir} is not inside the MicroPython tree ${plan.tree}`);
    }
    const parts = relative.split((external_node_path_default()).sep);
    return parts.map((_, i) => external_node_path_default().join(plan.tree, ...parts.slice(0, i + 1)));
}
/** A file system entry's kind in words, from its mode. */
function entryKind(mode) {
    switch (mode & external_node_fs_namespaceObject.constants.S_IFMT) {
        case external_node_fs_namespaceObject.constants.S_IFREG:
            return 'a regular file';
        case external_node_fs_namespaceObject.constants.S_IFDIR:
            return 'a directory';
        case external_node_fs_namespaceObject.constants.S_IFLNK:
            return 'a symbolic link';
        case external_node_fs_namespaceObject.constants.S_IFIFO:
            return 'a FIFO';
        case external_node_fs_namespaceObject.constants.S_IFSOCK:
            return 'a socket';
        case external_node_fs_namespaceObject.constants.S_IFCHR:
            return 'a character device';
        case external_node_fs_namespaceObject.constants.S_IFBLK:
            return 'a block device';
        default:
            return 'of an unknown kind';
    }
}
/** What a link points to, quoted so that no character of it reaches the log as it is. */
function linkTarget(target) {
    const shown = target.length > 120 ? `${target.slice(0, 120)}…` : target;
    return `a symbolic link to ${JSON.stringify(shown)}`;
}
/** The build wrote something other than regular files where its artifacts belong. */
class ArtifactError extends Error {
    problems;
    constructor(buildDir, problems) {
        super([
            `The build left artifacts that are not regular files inside ${buildDir}, so none is used:`,
            ...problems.map((p) => `  ${p.path} is ${p.what}`),
            'A build writes its artifacts as plain files in real directories; links, FIFOs and devices in their ' +
                "place read files of this machine instead. Look at what the tree's build (its Makefiles, CMake " +
                'files and scripts) does to them.'
        ].join('\n'));
        this.problems = problems;
        this.name = 'ArtifactError';
    }
}

;// CONCATENATED MODULE: ./src/pipeline/collect-artifacts.ts
/**
 * After the build container exits: its artifacts, read without following a
 * link. Every path from the tree down to an artifact is looked at with lstat
 * (a link, FIFO or device is refused before it is opened); the artifact is
 * then opened with O_NOFOLLOW and must be the very file lstat saw (same
 * device and inode), so a link swapped in between cannot be read. Copies are
 * made from that descriptor.
 */




async function whatItIs(file, stats) {
    return stats.isSymbolicLink() ? linkTarget(await (0,promises_namespaceObject.readlink)(file)) : entryKind(stats.mode);
}
/** Looks at each path from the tree down to the artifact, without following any. */
async function inspectArtifact(steps) {
    for (const [i, step] of steps.entries()) {
        let stats;
        try {
            stats = await (0,promises_namespaceObject.lstat)(step);
        }
        catch (error) {
            const code = error.code;
            if (code === 'ENOENT' || code === 'ENOTDIR')
                return { kind: 'missing' };
            throw error;
        }
        const last = i === steps.length - 1;
        if (last ? stats.isFile() : stats.isDirectory()) {
            if (last)
                return { kind: 'file', path: step, stats };
            continue;
        }
        const what = await whatItIs(step, stats);
        return { kind: 'problem', problem: { path: step, what: last ? what : `${what}, not a directory` } };
    }
    return { kind: 'missing' };
}
/**
 * Opens a file without following a link, without blocking on a FIFO and
 * without taking a terminal; it must be a regular file, and the one `seen`
 * describes when given. Throws an ArtifactError naming it otherwise.
 */
async function openArtifact(file, buildDir, seen) {
    const flags = external_node_fs_namespaceObject.constants.O_RDONLY | external_node_fs_namespaceObject.constants.O_NOFOLLOW | external_node_fs_namespaceObject.constants.O_NONBLOCK | external_node_fs_namespaceObject.constants.O_NOCTTY;
    let handle;
    try {
        handle = await (0,promises_namespaceObject.open)(file, flags);
    }
    catch (error) {
        if (error.code !== 'ELOOP')
            throw error;
        throw new ArtifactError(buildDir, [{ path: file, what: 'a symbolic link' }]);
    }
    const stats = await handle.stat();
    const same = !seen || (stats.dev === seen.dev && stats.ino === seen.ino);
    if (stats.isFile() && same)
        return handle;
    await handle.close();
    const what = stats.isFile() ? 'a file that changed while it was read' : entryKind(stats.mode);
    throw new ArtifactError(buildDir, [{ path: file, what }]);
}
/** Copies what `from` holds into a new file, never through a link. */
async function copyFrom(from, target) {
    const flags = external_node_fs_namespaceObject.constants.O_WRONLY | external_node_fs_namespaceObject.constants.O_CREAT | external_node_fs_namespaceObject.constants.O_EXCL | external_node_fs_namespaceObject.constants.O_NOFOLLOW;
    const to = await (0,promises_namespaceObject.open)(target, flags, 0o644);
    try {
        const buffer = Buffer.allocUnsafe(1 << 20);
        for (let position = 0;;) {
            const { bytesRead } = await from.read(buffer, 0, buffer.length, position);
            if (bytesRead === 0)
                break;
            for (let written = 0; written < bytesRead;) {
                written += (await to.write(buffer, written, bytesRead - written)).bytesWritten;
            }
            position += bytesRead;
        }
    }
    finally {
        await to.close();
    }
}
/** Finds the artifacts, refusing anything but regular files, and copies them when the plan says so. */
async function collectArtifacts(plan) {
    const found = [];
    const problems = [];
    for (const relative of plan.files) {
        const entry = await inspectArtifact(pathSteps(plan, relative));
        if (entry.kind === 'file')
            found.push({ relative, path: entry.path, stats: entry.stats });
        if (entry.kind === 'problem' && !problems.some((p) => p.path === entry.problem.path)) {
            problems.push(entry.problem);
        }
    }
    if (problems.length)
        throw new ArtifactError(plan.buildDir, problems);
    const dest = plan.copyTo ? await freshDirectory(plan.copyTo) : undefined;
    const files = [];
    let firmwareSize;
    try {
        for (const artifact of found) {
            const handle = await openArtifact(artifact.path, plan.buildDir, artifact.stats);
            try {
                const target = dest ? external_node_path_default().join(dest, artifact.relative) : artifact.path;
                if (dest) {
                    await (0,promises_namespaceObject.mkdir)(external_node_path_default().dirname(target), { recursive: true });
                    await copyFrom(handle, target);
                }
                files.push(target);
                if (artifact.relative === 'firmware.bin')
                    firmwareSize = (await handle.stat()).size;
            }
            finally {
                await handle.close();
            }
        }
    }
    catch (error) {
        if (dest)
            await (0,promises_namespaceObject.rm)(dest, { recursive: true, force: true });
        throw error;
    }
    const firmware = files.find((f) => external_node_path_default().basename(f) === 'firmware.bin');
    const artifacts = { buildDir: plan.buildDir, firmware, firmwareSize, files };
    if (dest)
        artifacts.copiedTo = dest;
    return artifacts;
}
/** A directory of this run's own, readable by the steps that follow. */
async function freshDirectory(parent) {
    await (0,promises_namespaceObject.mkdir)(parent, { recursive: true });
    const dir = await (0,promises_namespaceObject.mkdtemp)(external_node_path_default().join(parent, 'artifacts-'));
    await (0,promises_namespaceObject.chmod)(dir, 0o755);
    return dir;
}

;// CONCATENATED MODULE: ./src/pipeline/component-locks.ts
/**
 * What a tree's dependencies.lock says, and what that means for the
 * component manager's download cache. Pure.
 *
 * The manager (idf-component-manager, 1.x in ESP-IDF v5.0 to v5.2, 2.x later)
 * has no offline switch: with a lock file it still asks the registry about
 * every locked component on each CMake configure (is the version still there,
 * is its hash the same), whatever IDF_COMPONENT_CHECK_NEW_VERSION says; only
 * a connection error makes it skip the question and go on with its cache. So
 * when the cache already holds everything the lock names, the build is given
 * a registry it cannot reach: a closed loopback port as the first storage
 * URL (2.x asks IDF_COMPONENT_STORAGE_URL first, and a connection error ends
 * the question there) and the lock's registry hosts resolving to loopback
 * (1.x asks the lock's registry_url).
 */

const DEFAULT_REGISTRY = 'https://components.espressif.com/';
/** The hosts behind the default registry: its API, its page and its file storage. */
const DEFAULT_REGISTRY_HOSTS = [
    'components.espressif.com',
    'api.components.espressif.com',
    'components-file.espressif.com'
];
/** A storage URL that refuses every connection at once (port 9, discard, is closed on any sane host). */
const UNREACHABLE_STORAGE = 'http://127.0.0.1:9/';
const unquote = (text) => text.trim().replace(/^(['"])(.*)\1$/, '$2');
function field(component, key, value) {
    if (value === 'null')
        return;
    if (key === 'version')
        component.version = value;
    else if (key === 'component_hash')
        component.hash = value;
    else if (key === 'type')
        component.type = value;
    else if (key === 'registry_url')
        component.registryUrl = value;
}
/**
 * The components of a dependencies.lock (block YAML as the manager writes it:
 * `dependencies:` then one two-space-indented mapping per component).
 */
function parseLock(text) {
    const lock = { components: [] };
    let section = '';
    let current;
    const finish = () => {
        if (current?.name && current.version) {
            lock.components.push({ hash: '', type: 'service', ...current });
        }
        current = undefined;
    };
    for (const raw of text.split('\n')) {
        const line = raw.replace(/\s+#.*$/, '').trimEnd();
        if (!line.trim() || line.trimStart().startsWith('#'))
            continue;
        const indent = line.length - line.trimStart().length;
        const match = /^([^:]+):\s*(.*)$/.exec(line.trim());
        if (indent === 0) {
            finish();
            section = match?.[1] ?? '';
            if (section === 'target' && match)
                lock.target = unquote(match[2]);
        }
        else if (section === 'dependencies' && match) {
            if (indent === 2) {
                finish();
                current = { name: unquote(match[1]) };
            }
            else if (current && !match[1].startsWith('-') && (indent === 4 || indent === 6)) {
                field(current, match[1].trim(), unquote(match[2]));
            }
        }
    }
    finish();
    return lock;
}
/** The manager's hash of a registry URL: sha256 of host/path without empty segments. */
function hashUrl(url) {
    const parsed = new URL(url);
    const segments = parsed.pathname.split('/').filter(Boolean).join('/');
    return (0,external_node_crypto_namespaceObject.createHash)('sha256').update(`${parsed.host}/${segments}`).digest('hex');
}
/** Where the manager caches a registry component: service_<h8>/<ns>__<name>_<version>_<hash8>. */
function cachedPath(component) {
    const service = `service_${hashUrl(component.registryUrl ?? DEFAULT_REGISTRY).slice(0, 8)}`;
    return `${service}/${component.name.replace('/', '__')}_${component.version}_${component.hash.slice(0, 8)}`;
}
/** The components a build downloads: from the registry, or git (idf and local ones are not downloaded). */
function downloaded(locks) {
    return locks.flatMap((lock) => lock.components.filter((c) => c.type === 'service' || c.type === 'git'));
}
/**
 * Whether a cache holding `present` (cachedPath()s that passed verification,
 * and whether any git mirror is there) has everything these locks download.
 */
function covers(locks, present) {
    const needed = downloaded(locks);
    if (locks.length === 0 || needed.length === 0)
        return false;
    return needed.every((c) => c.type === 'git' ? present.gitMirrors : c.hash !== '' && present.paths.has(cachedPath(c)));
}
/** The registry hosts these locks and the configured registry name, that a covered build must not reach. */
function registryHosts(locks, configured) {
    const hosts = new Set();
    const urls = [configured, ...downloaded(locks).map((c) => c.registryUrl)].filter((u) => !!u);
    for (const url of urls) {
        let host;
        try {
            host = new URL(url).hostname;
        }
        catch {
            continue;
        }
        // An IP literal cannot be redirected by a hosts entry (2.x's storage order covers it).
        if (/^[\d.]+$/.test(host) || host.startsWith('['))
            continue;
        hosts.add(host);
        if (DEFAULT_REGISTRY_HOSTS.includes(host))
            DEFAULT_REGISTRY_HOSTS.forEach((h) => hosts.add(h));
    }
    return [...hosts].sort();
}

;// CONCATENATED MODULE: ./src/idf-versions.ts
/**
 * Facts about ESP-IDF versions that the resolver needs: how to read a ref,
 * which chips a version can build for, and which bare commit hashes
 * MicroPython has pinned over the years.
 *
 * Every value here was checked against the espressif/esp-idf repository
 * (tags, `tools/idf_py_actions/constants.py`) and the micropython/micropython
 * release tags (`ports/esp32/Makefile`, `tools/ci.sh`).
 */
/** Patch level given to `release/vX.Y` branches so they sort after every tag of X.Y. */
const BRANCH_PATCH = 9999;
const VERSION_RE = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-((?:dev|beta|rc|alpha)\d*))?(?:-\d+-g[0-9a-f]+)?$/i;
const BRANCH_RE = /^(?:refs\/heads\/)?release\/v(\d+)\.(\d+)$/;
/**
 * Reads an ESP-IDF ref as a version: tags (`v5.2.2`, `v5.2`, `v4.3-beta2`,
 * `v4.4-dev`), bare versions (`5.2.2`), `git describe` output
 * (`v3.1-dev-396-g3ede9f011b5`) and maintenance branches (`release/v5.2`).
 * Anything else (commit hashes, `master`, feature branches) gives null.
 */
function parseIdfVersion(ref) {
    const text = ref.trim();
    const branch = BRANCH_RE.exec(text);
    if (branch) {
        return {
            major: Number(branch[1]),
            minor: Number(branch[2]),
            patch: BRANCH_PATCH,
            patchGiven: false,
            branch: true
        };
    }
    const m = VERSION_RE.exec(text);
    if (!m)
        return null;
    const version = {
        major: Number(m[1]),
        minor: Number(m[2]),
        patch: m[3] === undefined ? 0 : Number(m[3]),
        patchGiven: m[3] !== undefined,
        branch: false
    };
    if (m[4])
        version.pre = m[4].toLowerCase();
    return version;
}
/** The rank of a pre-release label: dev < alpha < beta < rc < release. */
function preRank(pre) {
    if (pre === undefined)
        return [4, 0];
    const m = /^(dev|alpha|beta|rc)(\d*)$/.exec(pre);
    if (!m)
        return [0, 0];
    const order = { dev: 0, alpha: 1, beta: 2, rc: 3 };
    return [order[m[1]], m[2] ? Number(m[2]) : 0];
}
/** Orders two versions: negative when a is older than b. */
function compareIdfVersions(a, b) {
    if (a.major !== b.major)
        return a.major - b.major;
    if (a.minor !== b.minor)
        return a.minor - b.minor;
    if (a.patch !== b.patch)
        return a.patch - b.patch;
    const [ra, na] = preRank(a.pre);
    const [rb, nb] = preRank(b.pre);
    return ra !== rb ? ra - rb : na - nb;
}
/**
 * Orders two version tags (`v5.2.2`, `v1.24`, `v4.3-beta2`) by the versions
 * they name: negative when a is older. Names that are not versions sort
 * before every version, and equal to each other.
 */
function compareVersionTags(a, b) {
    const va = parseIdfVersion(a);
    const vb = parseIdfVersion(b);
    if (va && vb)
        return compareIdfVersions(va, vb);
    return (va ? 1 : 0) - (vb ? 1 : 0);
}
/**
 * The `count` newest of some tag names, newest first: ESP-IDF tags to
 * suggest, or the latest MicroPython release. Names that are not version tags
 * are left out; of equal versions (`v5.2`, `v5.2.0`) the first given wins.
 */
function newestVersionTags(tags, count) {
    const versions = [...new Set(tags)].filter((tag) => parseIdfVersion(tag)?.branch === false);
    return versions.sort((a, b) => compareVersionTags(b, a)).slice(0, count);
}
/** Whether two versions are the same release (`v5.4` and `5.4.0` are). */
function sameIdfVersion(a, b) {
    return a.branch === b.branch && compareIdfVersions(a, b) === 0;
}
/** The ESP-IDF tag for a version: `vX.Y` when the patch is 0 (ESP-IDF never tags `vX.Y.0`). */
function idfTagFor(version) {
    if (version.branch)
        return `release/v${version.major}.${version.minor}`;
    const base = version.patch === 0
        ? `v${version.major}.${version.minor}`
        : `v${version.major}.${version.minor}.${version.patch}`;
    return version.pre ? `${base}-${version.pre}` : base;
}
/** A full or abbreviated git commit hash. */
function isCommitHash(ref) {
    return /^[0-9a-f]{7,40}$/i.test(ref.trim());
}
/**
 * Every ESP-IDF commit MicroPython has pinned by hash. The legacy GNU make
 * port (v1.9.4 to v1.14) names these in `ports/esp32/Makefile`; v1.18's CI
 * checked out a commit from the v4.4 development line.
 */
const KNOWN_IDF_COMMITS = [
    {
        commit: '3ede9f011b50999b0560683f9419538c066dd09e',
        describe: 'v3.1-dev-396-g3ede9f011b5',
        version: 'v3.1-dev',
        pinnedBy: 'MicroPython v1.9.4 ports/esp32/Makefile (ESPIDF_SUPHASH)'
    },
    {
        commit: '30545f4cccec7460634b656d278782dd7151098e',
        describe: 'v3.2-dev-498-g30545f4ccce',
        version: 'v3.2-dev',
        pinnedBy: 'MicroPython v1.10 ports/esp32/Makefile (ESPIDF_SUPHASH)'
    },
    {
        commit: '5c88c5996dbde6208e3bec05abc21ff6cd822d26',
        describe: 'v3.3-beta1-268-g5c88c5996db',
        version: 'v3.3-beta1',
        pinnedBy: 'MicroPython v1.11 ports/esp32/Makefile (ESPIDF_SUPHASH)'
    },
    {
        commit: '6ccb4cf5b7d1fdddb8c2492f9cbc926abaf230df',
        describe: 'v3.3',
        version: 'v3.3',
        pinnedBy: 'MicroPython v1.12 ports/esp32/Makefile (ESPIDF_SUPHASH_V3)'
    },
    {
        commit: '310beae373446ceb9a4ad9b36b5428d7fdf2705f',
        describe: 'v4.0-beta1',
        version: 'v4.0-beta1',
        pinnedBy: 'MicroPython v1.12 ports/esp32/Makefile (ESPIDF_SUPHASH_V4, experimental)'
    },
    {
        commit: '9e70825d1e1cbf7988cf36981774300066580ea7',
        describe: 'v3.3.2',
        version: 'v3.3.2',
        pinnedBy: 'MicroPython v1.13 and v1.14 ports/esp32/Makefile (ESPIDF_SUPHASH_V3)'
    },
    {
        commit: '4c81978a3e2220674a432a588292a4c860eef27b',
        describe: 'v4.0.1',
        version: 'v4.0.1',
        pinnedBy: 'MicroPython v1.13 and v1.14 ports/esp32/Makefile (ESPIDF_SUPHASH_V4, experimental)'
    },
    {
        commit: '142bb32c50fa9875b8b69fa539a2d59559460d72',
        describe: 'v4.4-dev-3513-g142bb32c50f',
        version: 'v4.4-dev',
        pinnedBy: 'MicroPython v1.18 tools/ci.sh (ci_esp32_idf44_setup)'
    }
];
/** The known commit a full or abbreviated (7+ characters) hash names, if any. */
function findKnownIdfCommit(ref) {
    const hash = ref.trim().toLowerCase();
    if (!isCommitHash(hash))
        return undefined;
    return KNOWN_IDF_COMMITS.find((known) => known.commit.startsWith(hash));
}
/**
 * The version an ESP-IDF ref stands for: parsed from a tag or branch, or
 * looked up for a known pinned commit. Null when it cannot be told
 * (`master`, an unknown commit).
 */
function idfVersionOfRef(ref) {
    const known = findKnownIdfCommit(ref);
    if (known)
        return parseIdfVersion(known.version);
    return parseIdfVersion(ref);
}
/**
 * Chip support per ESP-IDF version, from `SUPPORTED_TARGETS` and
 * `PREVIEW_TARGETS` in ESP-IDF's `tools/idf_py_actions/constants.py` at each
 * release tag. Pre-releases count as their release (v4.3-beta2 already
 * builds esp32c3; v4.4-dev builds esp32s3).
 */
const CHIP_SUPPORT = {
    esp32: { since: 'v1.0' },
    esp32s2: { since: 'v4.2' }, // v4.1 only had the esp32s2beta target
    esp32c3: { since: 'v4.3' },
    esp32s3: { since: 'v4.4', previewSince: 'v4.3' },
    esp32c2: { since: 'v5.0' },
    esp32c6: { since: 'v5.1' },
    esp32h2: { since: 'v5.1', previewSince: 'v4.4' },
    esp32p4: { since: 'v5.3', previewSince: 'v5.2' },
    esp32c5: { since: 'v5.5.1', previewSince: 'v5.3' },
    esp32c61: { since: 'v5.5.1', previewSince: 'v5.3' },
    esp32h21: { since: null, previewSince: 'v5.5' },
    esp32h4: { since: null, previewSince: 'v5.5' }
};
/** Ignores the pre-release label: pre-releases of X.Y build what X.Y builds. */
function atLeast(version, floor) {
    const f = parseIdfVersion(floor);
    if (!f)
        return false;
    return compareIdfVersions({ ...version, pre: undefined }, f) >= 0;
}
/** Whether an ESP-IDF version can build for a chip. */
function chipSupport(chip, version) {
    const entry = CHIP_SUPPORT[chip];
    if (!entry)
        return 'unknown-chip';
    if (entry.since !== null && atLeast(version, entry.since))
        return 'supported';
    if (entry.previewSince !== undefined && atLeast(version, entry.previewSince))
        return 'preview';
    return 'unsupported';
}
/** The chips an ESP-IDF version supports fully, in the table's order. */
function chipsSupportedBy(version) {
    return Object.keys(CHIP_SUPPORT).filter((chip) => chipSupport(chip, version) === 'supported');
}

;// CONCATENATED MODULE: ./src/pipeline/resolve/model.ts
class ResolveError extends Error {
    constructor(message) {
        super(message);
        this.name = 'ResolveError';
    }
}
/** The files the resolver reads, by role. */
const TREE_FILES = {
    mpconfig: 'py/mpconfig.h',
    docsConf: 'docs/conf.py',
    makefile: 'ports/esp32/Makefile',
    cmakeLists: 'ports/esp32/CMakeLists.txt',
    ciSh: 'tools/ci.sh',
    readme: 'ports/esp32/README.md',
    workflow: '.github/workflows/ports_esp32.yml',
    mkrules: 'py/mkrules.mk'
};
const PORT_DIR = 'ports/esp32';
const BOARDS_DIR = 'ports/esp32/boards';
const LOCKFILE_PREFIX = 'ports/esp32/lockfiles/dependencies.lock.';

;// CONCATENATED MODULE: ./src/pipeline/resolve/read-idf-pins.ts
/**
 * Readers: the ESP-IDF refs a MicroPython tree names, file by file (the
 * component lockfiles, tools/ci.sh, the port Makefile, the CI workflow and
 * the port README), each with where it was found.
 */


/**
 * ESP-IDF's own spelling of a version tag: always a leading v, and no `.0`
 * patch level (the tag of 5.2.0 is v5.2; there is no v5.2.0).
 */
function idfTagSpelling(ref) {
    const zero = /^v?(\d+)\.(\d+)\.0((?:-[A-Za-z0-9]+)?)$/.exec(ref);
    if (zero)
        return `v${zero[1]}.${zero[2]}${zero[3]}`;
    return /^\d+\.\d+/.test(ref) ? `v${ref}` : ref;
}
/** A ref as the tree names it, in ESP-IDF's spelling; `hint` is its version when the ref cannot tell (a hash). */
function named(name, source, hint, experimental) {
    const ref = idfTagSpelling(name);
    const entry = { ref, version: idfVersionOfRef(ref) ?? hint ?? null, source };
    if (experimental)
        entry.experimental = true;
    return entry;
}
/** The `idf:` entry's version in an ESP-IDF component lockfile. */
function lockfileIdfVersion(text) {
    if (!text)
        return undefined;
    const lines = text.split(/\r?\n/);
    const start = lines.findIndex((line) => /^\s*idf:\s*$/.test(line));
    if (start < 0)
        return undefined;
    const indent = (line) => line.length - line.trimStart().length;
    const base = indent(lines[start]);
    for (const line of lines.slice(start + 1)) {
        if (!line.trim())
            continue;
        if (indent(line) <= base)
            break;
        const m = /^\s*version:\s*['"]?([^'"\s]+)['"]?\s*$/.exec(line);
        if (m)
            return m[1];
    }
    return undefined;
}
/** The lockfile of the board's chip first, then esp32's, then any other. */
function lockfilePins(snapshot, chip) {
    const lockfiles = Object.keys(snapshot.files)
        .filter((path) => path.startsWith(LOCKFILE_PREFIX) && snapshot.files[path] !== undefined)
        .sort();
    const preferred = [`${LOCKFILE_PREFIX}${chip}`, `${LOCKFILE_PREFIX}esp32`, ...lockfiles];
    for (const path of preferred) {
        const raw = lockfileIdfVersion(snapshot.files[path]);
        if (!raw)
            continue;
        const version = parseIdfVersion(raw);
        return [named(version ? idfTagFor(version) : raw, path)];
    }
    return [];
}
/** What tools/ci.sh sets up, in order of authority. */
function ciShPins(text) {
    const source = TREE_FILES.ciSh;
    if (!text)
        return { pinned: [], helpers: [] };
    const pinned = [];
    // v1.22 to v1.26.0: a literal `IDF_VER=v5.0.4` (later releases compute it from the lockfile).
    const idfVer = /^\s*(?:export\s+)?IDF_VER=["']?(v?\d+\.\d+(?:\.\d+)?(?:-[A-Za-z0-9.]+)?)["']?\s*(?:#.*)?$/m.exec(text);
    if (idfVer)
        pinned.push(named(idfVer[1], `${source} (IDF_VER)`));
    // v1.21: `git -C esp-idf checkout v5.0.2` (v1.15 to v1.20 check out `$1`, skipped here).
    for (const m of text.matchAll(/git\s+-C\s+esp-idf\s+checkout\s+([A-Za-z0-9][^\s;"'$]*)/g)) {
        pinned.push(named(m[1], `${source} (git checkout)`));
    }
    // v1.15 to v1.20: `ci_esp32_setup_helper v4.0.2` inside `ci_esp32_idfNN_setup` functions.
    const helpers = [];
    const functions = [...text.matchAll(/function\s+ci_esp32_idf(\d+)_setup\b/g)].map((m) => ({
        at: m.index ?? 0,
        digits: m[1]
    }));
    for (const m of text.matchAll(/ci_esp32_setup_helper\s+([A-Za-z0-9][^\s;"'$]*)/g)) {
        const at = m.index ?? 0;
        const inside = functions.filter((fn) => fn.at < at).pop();
        helpers.push(named(m[1], `${source} (ci_esp32_setup_helper)`, inside ? versionFromDigits(inside.digits) : null));
    }
    return { pinned, helpers };
}
/** `44` → v4.4-dev, `402` → v4.0.2-dev: the version a ci.sh function is named after. */
function versionFromDigits(digits) {
    if (digits.length < 2)
        return null;
    const patch = digits.length > 2 ? Number(digits.slice(2)) : 0;
    return {
        major: Number(digits[0]),
        minor: Number(digits[1]),
        patch,
        patchGiven: digits.length > 2,
        pre: 'dev',
        branch: false
    };
}
/** The ESP-IDF commits the legacy Makefile (v1.9.4 to v1.14) checks out; the v4 one is experimental. */
function makefilePins(text) {
    if (!text)
        return {};
    const pins = {};
    const hash = (name) => new RegExp(`^\\s*${name}\\s*:?=\\s*([0-9a-fA-F]{7,40})\\s*$`, 'm').exec(text)?.[1].toLowerCase();
    // The Makefile's own label: `$(info Supported git hash (v3.3): $(ESPIDF_SUPHASH_V3))`.
    const label = (name) => {
        const m = new RegExp(`\\((v\\d+\\.\\d+[^)]*)\\)[^\\n]*\\$\\(${name}\\)`).exec(text);
        return m ? parseIdfVersion(m[1]) : null;
    };
    const v3 = hash('ESPIDF_SUPHASH_V3');
    const v4 = hash('ESPIDF_SUPHASH_V4');
    const single = hash('ESPIDF_SUPHASH');
    const where = TREE_FILES.makefile;
    if (v3)
        pins.v3 = named(v3, `${where} (ESPIDF_SUPHASH_V3)`, label('ESPIDF_SUPHASH_V3'));
    if (v4)
        pins.v4 = named(v4, `${where} (ESPIDF_SUPHASH_V4)`, label('ESPIDF_SUPHASH_V4'), true);
    if (single)
        pins.single = named(single, `${where} (ESPIDF_SUPHASH)`);
    return pins;
}
/** The oldest and newest ESP-IDF MicroPython's CI workflow builds with. */
function workflowPins(text) {
    if (!text)
        return {};
    const value = (name) => new RegExp(`^\\s*${name}:\\s*(?:&[\\w-]+\\s+)?["']?(v?\\d+\\.\\d+[^"'\\s]*)["']?`, 'm').exec(text)?.[1];
    const out = {};
    const oldest = value('IDF_OLDEST_VER');
    const newest = value('IDF_NEWEST_VER');
    if (oldest)
        out.oldest = named(oldest, `${TREE_FILES.workflow} (IDF_OLDEST_VER)`);
    if (newest)
        out.newest = named(newest, `${TREE_FILES.workflow} (IDF_NEWEST_VER)`);
    return out;
}
/**
 * The versions ports/esp32/README.md says are supported: the `vX.Y[.Z]` words
 * of the paragraphs that say "supports" or name the recommended version.
 * Versions inside links (`/en/v4.0/get-started`) are not counted.
 */
function readmeIdfVersions(text) {
    if (!text)
        return [];
    const found = [];
    for (const paragraph of text.split(/\r?\n\s*\r?\n/)) {
        if (!/\bsupports\b|recommended version/i.test(paragraph))
            continue;
        for (const m of paragraph.matchAll(/(?<![\w/.-])v(\d+)\.(\d+)(?:\.(\d+))?(?![\w/-]|\.\d)/g)) {
            if (!found.includes(m[0]))
                found.push(m[0]);
        }
    }
    return found;
}

;// CONCATENATED MODULE: ./src/pipeline/resolve/choose-idf.ts
/**
 * Decisions: which ESP-IDF refs a tree supports, which one `auto` builds
 * with, and what an explicit idf-version means and how it compares.
 */




/**
 * At most this many refs reach the supported-idf-versions output (a matrix
 * job per entry): the newest, and the pin whatever its place.
 */
const SUPPORTED_IDF_MAX = 32;
/** How much of a refused ref a warning shows. */
const SHOWN_MAX = 60;
/**
 * Whether a ref read from the tree may be used: it must pass the grammar of
 * the idf-version input, since it reaches git's command line and the
 * idf-version and supported-idf-versions outputs, which later steps may
 * interpolate into a shell. One that does not is dropped with a warning.
 */
function acceptTreeRef(entry, warnings) {
    if (isIdfRef(entry.ref))
        return true;
    const shown = entry.ref.length > SHOWN_MAX ? `${entry.ref.slice(0, SHOWN_MAX)}…` : entry.ref;
    warnings.push(`Ignored the ESP-IDF ref ${JSON.stringify(shown)} in ${entry.source}: it is not a tag, branch or commit ` +
        'as idf-version accepts them.');
    return false;
}
/** The newest `max` refs, with the pin kept in place of the oldest when it would fall off. */
function capSupported(supported, pin, warnings, max = SUPPORTED_IDF_MAX) {
    if (supported.length <= max)
        return supported;
    warnings.push(`This tree names ${supported.length} ESP-IDF refs; supported-idf-versions keeps the ${max} newest` +
        `${pin ? ` and the pin (${pin.ref})` : ''}.`);
    const kept = supported.slice(0, max);
    if (pin && !kept.some((entry) => dedupeKey(entry) === dedupeKey(pin)))
        kept[max - 1] = pin;
    return kept;
}
/**
 * Every ESP-IDF ref the tree names, and its pin; the lockfiles count for CMake
 * trees only, chosen by the board's chip. Refs that fail the idf-version
 * grammar are dropped with a warning, and the list is capped.
 */
function treePins(snapshot, buildSystem, chip, warnings) {
    const files = snapshot.files;
    const ok = (entry) => entry !== undefined && acceptTreeRef(entry, warnings);
    const lock = (buildSystem === 'cmake' ? lockfilePins(snapshot, chip) : []).filter(ok);
    const ci = ciShPins(files[TREE_FILES.ciSh]);
    const pinned = ci.pinned.filter(ok);
    const helpers = ci.helpers.filter(ok);
    const suphash = makefilePins(files[TREE_FILES.makefile]);
    const [v3, single, v4] = [suphash.v3, suphash.single, suphash.v4].map((e) => (ok(e) ? e : undefined));
    const workflow = workflowPins(files[TREE_FILES.workflow]);
    const [newest, oldest] = [workflow.newest, workflow.oldest].map((e) => (ok(e) ? e : undefined));
    const readme = readmeIdfVersions(files[TREE_FILES.readme])
        .map((ref) => named(ref, TREE_FILES.readme))
        .filter(ok);
    // Authority order for `auto`: the pin MicroPython's own CI builds with.
    const pin = lock[0] ?? newestFirst(pinned)[0] ?? newestFirst(helpers)[0] ?? v3 ?? single ?? v4 ?? newest;
    const allNamed = [
        ...lock,
        ...pinned,
        ...helpers,
        ...[v3, single, v4, newest, oldest].filter((entry) => entry !== undefined),
        ...readme
    ];
    const seen = new Set();
    const supported = newestFirst(allNamed).filter((entry) => {
        const key = dedupeKey(entry);
        if (seen.has(key))
            return false;
        seen.add(key);
        return true;
    });
    return { pin, supported: capSupported(supported, pin, warnings), readme };
}
/** Newest first; refs whose version is unknown go last, in the order found. */
function newestFirst(refs) {
    return refs
        .map((entry, index) => ({ entry, index }))
        .sort((a, b) => {
        const va = a.entry.version;
        const vb = b.entry.version;
        if (va && vb)
            return compareIdfVersions(vb, va) || a.index - b.index;
        if (va)
            return -1;
        if (vb)
            return 1;
        return a.index - b.index;
    })
        .map(({ entry }) => entry);
}
function dedupeKey(entry) {
    if (isCommitHash(entry.ref))
        return `hash:${entry.ref.toLowerCase()}`;
    const v = entry.version;
    if (!v)
        return `ref:${entry.ref}`;
    return `v:${v.major}.${v.minor}.${v.patch}-${v.pre ?? ''}-${v.branch}`;
}
/** The ref to build with: the tree's pin for 'auto' (or an empty input), else the input's ref. */
function chooseIdfRef(input, pins, warnings) {
    const auto = !input || input.trim().toLowerCase() === 'auto';
    return auto ? autoRef(pins, warnings) : inputRef(input, pins.supported, warnings);
}
function autoRef({ pin, readme }, warnings) {
    if (pin)
        return { ref: pin.ref, pinSource: pin.source };
    if (readme.length) {
        const ref = newestFirst(readme)[0].ref;
        warnings.push(`No ESP-IDF pin found in this tree (looked in the ESP-IDF lockfiles, ${TREE_FILES.ciSh}, ${TREE_FILES.makefile} ` +
            `and ${TREE_FILES.workflow}); using ${ref}, the newest version ${TREE_FILES.readme} names. ` +
            'Set idf-version to choose another.');
        return { ref, pinSource: TREE_FILES.readme };
    }
    throw new ResolveError(`Cannot tell which ESP-IDF this MicroPython needs: no pin in the ESP-IDF lockfiles, ${TREE_FILES.ciSh}, ` +
        `${TREE_FILES.makefile} or ${TREE_FILES.workflow}, and ${TREE_FILES.readme} names no version. Set idf-version.`);
}
function inputRef(input, supported, warnings) {
    const ref = normaliseInputRef(input);
    const given = input.trim();
    if (ref !== given && ref !== `v${given}` && !isCommitHash(given)) {
        warnings.push(`idf-version ${given} means the ESP-IDF tag ${ref} (ESP-IDF does not tag .0 releases).`);
    }
    const match = supported.find((entry) => sameRef(ref, entry.ref));
    if (!match) {
        warnings.push(supported.length
            ? `ESP-IDF ${ref} is not one this MicroPython names as supported (${supported.map((entry) => describeRef(entry.ref)).join(', ')}); the build may fail.`
            : `ESP-IDF ${ref} was chosen, but this MicroPython names no supported ESP-IDF version to check it against.`);
    }
    else if (match.experimental) {
        const v3 = supported.find((entry) => !entry.experimental);
        throw new ResolveError(`ESP-IDF ${describeRef(match.ref)} is the experimental V4 pin of this MicroPython's legacy Makefile, and it cannot build: ` +
            'that Makefile then demands pyparsing 2.3.1, which no supported image has. ' +
            `Use idf-version: auto${v3 ? ` (ESP-IDF ${describeRef(v3.ref)}, the V3 pin)` : ''}, or MicroPython v1.15 or later for ESP-IDF v4.`);
    }
    return { ref, pinSource: 'input' };
}
function normaliseInputRef(input) {
    const ref = input.trim();
    if (!isIdfRef(ref)) {
        throw new ResolveError(`Invalid idf-version "${input}": give 'auto', an ESP-IDF tag (v5.2.2), a branch (release/v5.2) or a commit hash.`);
    }
    // An abbreviated hash of a commit MicroPython pinned: the full hash, which a shallow fetch needs.
    const known = findKnownIdfCommit(ref);
    if (known)
        return known.commit;
    // `5.2.2` means the tag v5.2.2, and `v5.2.0` the tag v5.2.
    return /^v?\d+\.\d+\.\d+(?:-[A-Za-z0-9]+)?$|^\d+\.\d+(?:-[A-Za-z0-9]+)?$/.test(ref)
        ? idfTagSpelling(ref)
        : ref;
}
/** The version a ref is exactly (a tag, or a pinned commit that is a tag), for comparing with the supported list. */
function exactVersion(ref) {
    const known = findKnownIdfCommit(ref);
    if (known)
        return known.describe === known.version ? parseIdfVersion(known.version) : null;
    return parseIdfVersion(ref);
}
function sameRef(a, b) {
    if (a.toLowerCase() === b.toLowerCase())
        return true;
    if (isCommitHash(a) && isCommitHash(b)) {
        const [x, y] = [a.toLowerCase(), b.toLowerCase()];
        return x.startsWith(y) || y.startsWith(x);
    }
    const va = exactVersion(a);
    const vb = exactVersion(b);
    return va !== null && vb !== null && sameIdfVersion(va, vb);
}
function describeRef(ref) {
    const known = findKnownIdfCommit(ref);
    return known ? `${ref.slice(0, 10)} (${known.describe})` : ref;
}

;// CONCATENATED MODULE: ./src/pipeline/resolve/check-chips.ts
/** Decision: whether the chosen ESP-IDF can build for the board's chips. */



/**
 * Throws when ESP-IDF `ref` cannot build for a chip; warns when it only
 * previews it, or when the chip or the ref's version is unknown.
 */
function checkChipSupport(ref, chips, board, supported, warnings) {
    const idfVersion = idfVersionOfRef(ref) ?? supported.find((entry) => sameRef(ref, entry.ref))?.version ?? null;
    for (const target of chips) {
        if (!idfVersion) {
            if (target !== 'esp32') {
                warnings.push(`Cannot tell which chips ESP-IDF ${ref} supports; assuming it can build for ${target}.`);
            }
            continue;
        }
        const level = chipSupport(target, idfVersion);
        if (level === 'unsupported') {
            const since = CHIP_SUPPORT[target]?.since;
            throw new ResolveError(`Board ${board || '(default)'} is for ${target}, which ESP-IDF ${describeRef(ref)} does not support` +
                `${since ? ` (${target} needs ESP-IDF ${since} or later)` : ''}. ` +
                (supported.length
                    ? `This MicroPython names: ${supported.map((entry) => describeRef(entry.ref)).join(', ')}.`
                    : 'Choose a newer idf-version.'));
        }
        if (level === 'preview') {
            warnings.push(`${target} is only a preview target in ESP-IDF ${ref}; the build may fail.`);
        }
        if (level === 'unknown-chip') {
            warnings.push(`Unknown chip ${target}: cannot check that ESP-IDF ${ref} supports it.`);
        }
    }
}

;// CONCATENATED MODULE: ./src/pipeline/resolve/read-boards.ts
/** Readers: the boards of a tree, their variants and the chip each is for. */


function boardNames(snapshot) {
    return Object.keys(snapshot.boards).filter(isBoardName).sort();
}
const CMAKE_VAR_PATH = /^\$\{(MICROPY_BOARD_DIR|MICROPY_PORT_DIR|CMAKE_CURRENT_LIST_DIR)\}\/?/;
/** The IDF_TARGET a board's cmake text sets, following include()s of files the snapshot holds. */
function cmakeTarget(snapshot, board, text, depth = 0) {
    if (!text || depth > 4)
        return undefined;
    const direct = /^\s*set\s*\(\s*IDF_TARGET\s+"?([A-Za-z0-9_]+)"?\s*\)/m.exec(text);
    if (direct)
        return direct[1];
    for (const m of text.matchAll(/^\s*include\s*\(\s*"?([^")\s]+)"?/gm)) {
        const raw = m[1];
        const base = raw.split('/').pop() ?? raw;
        const varMatch = CMAKE_VAR_PATH.exec(raw);
        const rest = raw.replace(CMAKE_VAR_PATH, '');
        const candidates = varMatch?.[1] === 'MICROPY_BOARD_DIR' || varMatch?.[1] === 'CMAKE_CURRENT_LIST_DIR'
            ? [`${BOARDS_DIR}/${board}/${rest}`]
            : [`${PORT_DIR}/${rest}`, `${BOARDS_DIR}/${board}/${base}`, `${BOARDS_DIR}/${base}`];
        const path = candidates.find((candidate) => snapshot.files[candidate] !== undefined);
        const nested = path ? cmakeTarget(snapshot, board, snapshot.files[path], depth + 1) : undefined;
        if (nested)
            return nested;
        const byName = /mpconfigboard_(esp32[a-z0-9]*)_common\.cmake$/.exec(base);
        if (byName)
            return byName[1];
    }
    return undefined;
}
function boardVariants(snapshot, board) {
    const entry = snapshot.boards[board];
    const names = new Set(entry?.variants ?? []);
    // v1.21 to v1.23 define variants inside mpconfigboard.cmake.
    for (const m of (entry?.cmake ?? '').matchAll(/MICROPY_BOARD_VARIANT\s+STREQUAL\s+"?([A-Za-z0-9_]+)"?/g)) {
        names.add(m[1]);
    }
    return [...names].filter(isBoardName).sort();
}

;// CONCATENATED MODULE: ./src/pipeline/resolve/choose-board.ts
/** Decision: the board and variant to build, and the chip they are for. */



function chooseBoard(context, options) {
    const requestedBoard = requestedName('board', options.board);
    const requestedVariant = requestedName('board-variant', options.boardVariant);
    if (context.boardless) {
        refuseBoardsOfBoardless(requestedBoard, requestedVariant, context.micropythonVersion);
        return { board: '', chip: 'esp32' };
    }
    const board = existingBoard(requestedBoard, context);
    const boardVariant = requestedVariant ? existingVariant(requestedVariant, board, context) : undefined;
    const variantFile = boardVariant
        ? context.snapshot.files[`${BOARDS_DIR}/${board}/mpconfigvariant_${boardVariant}.cmake`]
        : undefined;
    const chip = cmakeTarget(context.snapshot, board, variantFile) ??
        cmakeTarget(context.snapshot, board, context.snapshot.boards[board]?.cmake) ??
        'esp32';
    const choice = { board, chip };
    if (boardVariant)
        choice.boardVariant = boardVariant;
    return choice;
}
/** The trimmed name ('' when not given); throws when it could not be a board or variant. */
function requestedName(kind, value) {
    const name = value?.trim() ?? '';
    if (name && !isBoardName(name)) {
        throw new ResolveError(`Invalid ${kind} "${name}": only letters, digits and underscores are allowed.`);
    }
    return name;
}
function refuseBoardsOfBoardless(board, variant, micropythonVersion) {
    if (board && board !== 'GENERIC') {
        throw new ResolveError(`Board "${board}" cannot be built: this MicroPython (${micropythonVersion ?? 'unknown version'}) predates ` +
            'board definitions (added in v1.12) and only builds its one default configuration. Leave board empty.');
    }
    if (variant) {
        throw new ResolveError('board-variant needs MicroPython v1.21 or later; this tree has no boards at all.');
    }
}
/** The board requested, or the tree's default; it must exist. */
function existingBoard(requested, { boards, port }) {
    if (boards.length === 0) {
        throw new ResolveError(`No boards found: ${BOARDS_DIR} has no board directories.`);
    }
    const fallback = [port.defaultBoard, 'ESP32_GENERIC', 'GENERIC'].find((name) => name !== undefined && boards.includes(name));
    const board = requested || fallback || '';
    if (!board) {
        throw new ResolveError(`No default board (ESP32_GENERIC or GENERIC) in this tree; choose one of: ${boards.join(', ')}.`);
    }
    if (!boards.includes(board)) {
        throw new ResolveError(`Board "${board}" does not exist in this MicroPython tree (no ${BOARDS_DIR}/${board}). ` +
            `Boards: ${boards.join(', ')}.${renameHint(board, boards)}`);
    }
    return board;
}
function existingVariant(variant, board, { snapshot, port }) {
    if (!port.hasBoardVariant) {
        throw new ResolveError(`board-variant "${variant}" cannot be used: this MicroPython's ${TREE_FILES.makefile} has no BOARD_VARIANT (added in v1.21).`);
    }
    const variants = boardVariants(snapshot, board);
    if (!variants.includes(variant)) {
        throw new ResolveError(variants.length
            ? `Board ${board} has no variant "${variant}". Variants: ${variants.join(', ')}.`
            : `Board ${board} has no variants; leave board-variant empty.`);
    }
    return variant;
}
function renameHint(board, boards) {
    if (boards.includes(`ESP32_${board}`))
        return ` Boards were renamed in MicroPython v1.21: try ESP32_${board}.`;
    const spiram = /^GENERIC_(SPIRAM|D2WD|OTA|UNICORE)$/.exec(board);
    if (spiram && boards.includes('ESP32_GENERIC')) {
        return ` Since MicroPython v1.21 this is board ESP32_GENERIC with board-variant ${spiram[1]}.`;
    }
    const old = /^ESP32_(GENERIC\w*)$/.exec(board);
    if (old && boards.includes(old[1]))
        return ` This MicroPython predates the v1.21 board names: try ${old[1]}.`;
    return '';
}

;// CONCATENATED MODULE: ./src/toolchains.ts
/**
 * The standalone Xtensa toolchains that legacy (GNU make) MicroPython builds
 * download. From ESP-IDF v4 on, `install.sh` fetches the toolchain itself and
 * nothing here is used.
 *
 * Every URL and SHA-256 below is the `linux-amd64` entry of the toolchain in
 * ESP-IDF's own `tools/tools.json` at the tag named in `source` (the file was
 * backported to the v3.3 branch with v3.3.1). The archives unpack to
 * `xtensa-esp32-elf/`. Linux binaries only: the build runs in a Linux
 * container whatever the host is.
 */

const DL = 'https://dl.espressif.com/dl';
const LEGACY_TOOLCHAINS = [
    {
        name: 'xtensa-esp32-elf',
        version: '1.22.0-80-g6c4433a-5.2.0',
        url: `${DL}/xtensa-esp32-elf-linux64-1.22.0-80-g6c4433a-5.2.0.tar.gz`,
        sha256: '3fe96c151d46c1d4e5edc6ed690851b8e53634041114bad04729bc16b0445156',
        idfFrom: 'v3.1',
        idfTo: 'v3.3.2',
        // Same value in tools.json at v3.3.1 and v3.3.2; toolchain_versions.mk names
        // crosstool-ng-1.22.0-80-g6c4433a from v3.2 to v3.3.2, and the v3.1 docs link this archive.
        source: 'espressif/esp-idf v3.3.1 tools/tools.json'
    },
    {
        name: 'xtensa-esp32-elf',
        version: '1.22.0-96-g2852398-5.2.0',
        url: `${DL}/xtensa-esp32-elf-linux64-1.22.0-96-g2852398-5.2.0.tar.gz`,
        sha256: '798a8638f11ad37f41b9640582f869c61ffb4da6d932279fde94a2b636ad2dac',
        idfFrom: 'v3.3.3',
        idfTo: 'v3.3.4',
        source: 'espressif/esp-idf v3.3.3 tools/tools.json (same at v3.3.4)'
    },
    {
        name: 'xtensa-esp32-elf',
        version: '1.22.0-97-gc752ad5-5.2.0',
        url: `${DL}/xtensa-esp32-elf-linux64-1.22.0-97-gc752ad5-5.2.0.tar.gz`,
        sha256: '96f5f6e7611a0ed1dc47048c54c3113fc5cebffbf0ba90d8bfcd497afc7ef9f3',
        idfFrom: 'v3.3.5',
        idfTo: 'release/v3.3',
        source: 'espressif/esp-idf v3.3.5 tools/tools.json (same at v3.3.6)'
    },
    // The experimental IDF v4.0 pins of MicroPython v1.12 to v1.14 (ESPIDF_SUPHASH_V4)
    // also build with GNU make, with these newer compilers.
    {
        name: 'xtensa-esp32-elf',
        version: 'esp32-2019r1-8.2.0',
        url: `${DL}/xtensa-esp32-elf-gcc8_2_0-esp32-2019r1-linux-amd64.tar.gz`,
        sha256: '39db59b13f25e83e53c55f56979dbfce77b7f23126ad79de833509ad902d3f0a',
        idfFrom: 'v4.0-beta1',
        idfTo: 'v4.0-beta2',
        source: 'espressif/esp-idf v4.0-beta1 tools/tools.json'
    },
    {
        name: 'xtensa-esp32-elf',
        version: 'esp-2019r2-8.2.0',
        url: `${DL}/xtensa-esp32-elf-gcc8_2_0-esp-2019r2-linux-amd64.tar.gz`,
        sha256: 'e6d47c1dbd8c8cbfe37271e5e2aac53ee88c9e347ae937e22bf0c73f530efbdf',
        idfFrom: 'v4.0-rc',
        idfTo: 'v4.0.1',
        source: 'espressif/esp-idf v4.0.1 tools/tools.json (same at v4.0-rc and v4.0)'
    }
];
/** The toolchain used when the ESP-IDF ref cannot be placed. */
const DEFAULT_LEGACY_TOOLCHAIN = LEGACY_TOOLCHAINS[0];
function spec(entry) {
    return { name: entry.name, version: entry.version, url: entry.url, sha256: entry.sha256 };
}
function inRange(version, entry) {
    const from = parseIdfVersion(entry.idfFrom);
    const to = parseIdfVersion(entry.idfTo);
    if (!from || !to)
        return false;
    // A development snapshot (v3.1-dev, v3.3-beta1) belongs to the release it leads to,
    // except where the table names pre-releases itself (the v4.0 betas).
    const namesPre = from.pre !== undefined;
    const v = namesPre ? version : { ...version, pre: undefined };
    return compareIdfVersions(v, from) >= 0 && compareIdfVersions(v, to) <= 0;
}
/**
 * The standalone toolchain for a legacy build against an ESP-IDF ref: a tag
 * (`v3.3.4`), a `release/v3.3` branch, or one of the commits MicroPython
 * pinned. Unknown refs get the 1.22.0-80 toolchain, with a warning.
 */
function toolchainForIdf(ref) {
    const version = idfVersionOfRef(ref);
    if (version) {
        const entry = LEGACY_TOOLCHAINS.find((candidate) => inRange(version, candidate));
        if (entry)
            return { toolchain: spec(entry) };
    }
    const known = findKnownIdfCommit(ref);
    const what = known ? `${ref} (${known.describe})` : ref;
    return {
        toolchain: spec(DEFAULT_LEGACY_TOOLCHAIN),
        warning: `No known standalone toolchain for ESP-IDF ${what}; using xtensa-esp32-elf ${DEFAULT_LEGACY_TOOLCHAIN.version} ` +
            `(the one for ESP-IDF v3.1 to v3.3.2). Set toolchain-url and toolchain-sha256 if the build needs another.`
    };
}
/** The table entry with exactly this URL. */
function findToolchainByUrl(url) {
    return LEGACY_TOOLCHAINS.find((entry) => entry.url === url.trim());
}
const ARCHIVE_EXT = /\.(?:tar\.gz|tgz|tar\.xz|txz|tar\.bz2|tbz2|zip)$/i;
/**
 * A version label for a custom toolchain archive, read from its file name:
 * `xtensa-esp32-elf-linux64-1.22.0-80-g6c4433a-5.2.0.tar.gz` gives
 * `1.22.0-80-g6c4433a-5.2.0`, `xtensa-esp32-elf-gcc8_2_0-esp-2019r2-linux-amd64.tar.gz`
 * gives `gcc8_2_0-esp-2019r2`.
 */
function toolchainVersionFromUrl(url) {
    let file = url.trim();
    try {
        file = new URL(file).pathname;
    }
    catch {
        // not a URL: use the text as it is
    }
    file = decodeURIComponent(file.split('/').filter(Boolean).pop() ?? '');
    let name = file.replace(ARCHIVE_EXT, '');
    name = name.replace(/^xtensa-esp32-elf-/, '');
    name = name.replace(/^(?:linux64|linux32|linux-amd64|linux-armel|linux-i686|win32|win64|osx|macos)-/, '');
    name = name.replace(/-(?:linux64|linux-amd64|x86_64-linux-gnu|linux-armel|linux-i686|win32|win64|macos)$/, '');
    return name || file || 'custom';
}

;// CONCATENATED MODULE: ./src/pipeline/resolve/choose-toolchain.ts
/** Decision: the standalone toolchain of a legacy (GNU make) build. */



/** Null for CMake builds, which use the toolchain ESP-IDF installs: the toolchain inputs are ignored, with a warning. */
function chooseToolchain(buildSystem, ref, options, warnings) {
    if (buildSystem === 'make')
        return legacyToolchain(ref, options, warnings);
    if (options.toolchainUrl?.trim() || options.toolchainSha256?.trim()) {
        warnings.push('toolchain-url and toolchain-sha256 are ignored: CMake builds use the toolchain ESP-IDF installs.');
    }
    return null;
}
function legacyToolchain(ref, options, warnings) {
    const url = options.toolchainUrl?.trim() ?? '';
    const shaInput = options.toolchainSha256?.trim().toLowerCase() ?? '';
    if (shaInput && !isSha256(shaInput)) {
        throw new ResolveError(`Invalid toolchain-sha256 "${options.toolchainSha256}": expected 64 hexadecimal digits.`);
    }
    let spec;
    if (url) {
        spec = toolchainAt(url, shaInput);
    }
    else {
        const choice = toolchainForIdf(ref);
        if (choice.warning)
            warnings.push(choice.warning);
        spec = { ...choice.toolchain };
    }
    if (shaInput) {
        if (spec.sha256 && spec.sha256 !== shaInput) {
            warnings.push(`toolchain-sha256 differs from the known checksum of ${spec.url} (${spec.sha256}); using the one given.`);
        }
        spec.sha256 = shaInput;
    }
    if (!spec.sha256) {
        throw new ResolveError(`No checksum is known for the toolchain ${spec.url}: set toolchain-sha256.`);
    }
    return spec;
}
/** The toolchain at a URL given as input: one the table knows, or any other when its checksum is given. */
function toolchainAt(url, shaInput) {
    let parsed;
    try {
        parsed = new URL(url);
    }
    catch {
        throw new ResolveError(`Invalid toolchain-url "${url}": not a URL.`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
        throw new ResolveError(`Invalid toolchain-url "${url}": only http and https downloads are supported.`);
    }
    const known = findToolchainByUrl(url);
    if (known)
        return { name: known.name, version: known.version, url: known.url, sha256: known.sha256 };
    if (!shaInput) {
        throw new ResolveError(`toolchain-url ${url} is not a toolchain this action knows, so its checksum is unknown: set toolchain-sha256 ` +
            '(the SHA-256 of the archive) as well.');
    }
    return { name: 'xtensa-esp32-elf', version: toolchainVersionFromUrl(url), url, sha256: null };
}

;// CONCATENATED MODULE: ./src/pipeline/resolve/read-makefile.ts
/** Reader: what the port's Makefile says about boards, build directories and submodules. */
/** `makefile` is '' for trees without one (CMake only). */
function readPortMakefile(makefile, mkrules) {
    const facts = {
        hasBoard: /^\s*BOARD\s*\?=/m.test(makefile),
        hasBoardVariant: makefile.includes('BOARD_VARIANT'),
        variantBuildDir: makefile.includes('build-$(BOARD)-$(BOARD_VARIANT)'),
        submodules: /^submodules\s*:/m.test(makefile) ||
            (/^\s*include\s+\S*py\/mkrules\.mk\s*$/m.test(makefile) && /^submodules\s*:/m.test(mkrules))
    };
    const defaultBoard = /^\s*BOARD\s*\?=\s*([A-Za-z0-9_]+)\s*$/m.exec(makefile)?.[1];
    if (defaultBoard !== undefined)
        facts.defaultBoard = defaultBoard;
    return facts;
}

;// CONCATENATED MODULE: ./src/pipeline/resolve/read-version.ts
/** Reader: the MicroPython version of a tree, from its own files or `git describe`. */

function versionFromHeader(text) {
    if (!text)
        return null;
    const define = (name) => new RegExp(`^\\s*#define\\s+MICROPY_VERSION_${name}\\s+\\(?(\\d+)\\)?`, 'm').exec(text)?.[1];
    const major = define('MAJOR');
    const minor = define('MINOR');
    const micro = define('MICRO');
    if (major === undefined || minor === undefined || micro === undefined)
        return null;
    const pre = define('PRERELEASE');
    return `${major}.${minor}.${micro}${pre !== undefined && pre !== '0' ? '-preview' : ''}`;
}
function versionFromDocsConf(text) {
    if (!text)
        return null;
    const m = /^\s*(?:version\s*=\s*)?release\s*=\s*['"]v?(\d+\.\d+(?:\.\d+)?)['"]/m.exec(text);
    return m ? threePart(m[1]) : null;
}
function versionFromDescribe(text) {
    if (!text)
        return null;
    const m = /^v?(\d+\.\d+(?:\.\d+)?)(-preview)?/.exec(text.trim());
    return m ? `${threePart(m[1])}${m[2] ?? ''}` : null;
}
function threePart(version) {
    return version.split('.').length === 2 ? `${version}.0` : version;
}
function micropythonVersionOf(snapshot) {
    return (versionFromHeader(snapshot.files[TREE_FILES.mpconfig]) ??
        versionFromDocsConf(snapshot.files[TREE_FILES.docsConf]) ??
        versionFromDescribe(snapshot.gitDescribe));
}

;// CONCATENATED MODULE: ./src/pipeline/resolve/resolve-tree.ts
/**
 * The resolver: from the files of a MicroPython tree (read beforehand by
 * `readTreeSnapshot`) and the action's inputs to everything the build needs
 * to know: the ESP-IDF ref and the others the tree supports, the build system,
 * the standalone toolchain of legacy builds, the board, its chip and where the
 * firmware will appear.
 *
 * Pure: no file system, no processes. Every decision is made from the snapshot.
 */








function resolveTree(snapshot, options) {
    const buildSystem = portBuildSystem(snapshot);
    const warnings = [];
    const micropythonVersion = micropythonVersionOf(snapshot);
    const port = readPortMakefile(snapshot.files[TREE_FILES.makefile] ?? '', snapshot.files[TREE_FILES.mkrules] ?? '');
    const boardless = buildSystem === 'make' && !port.hasBoard;
    const boards = boardNames(snapshot);
    const choice = chooseBoard({ snapshot, port, boards, boardless, micropythonVersion }, options);
    const chips = [choice.chip];
    const pins = treePins(snapshot, buildSystem, choice.chip, warnings);
    const { ref, pinSource } = chooseIdfRef(options.idfVersion, pins, warnings);
    checkChipSupport(ref, chips, choice.board, pins.supported, warnings);
    const toolchain = chooseToolchain(buildSystem, ref, options, warnings);
    const resolution = {
        micropythonVersion,
        buildSystem,
        idf: { ref, supported: pins.supported.map((entry) => entry.ref), pinSource },
        toolchain,
        board: choice.board,
        boards,
        chips,
        buildDir: buildDirOf(choice, boardless, port),
        portSubmodules: port.submodules,
        warnings
    };
    if (choice.boardVariant)
        resolution.boardVariant = choice.boardVariant;
    return resolution;
}
/** A CMakeLists.txt means CMake, else the GNU Makefile; neither means no ESP32 port. */
function portBuildSystem(snapshot) {
    if (snapshot.files[TREE_FILES.cmakeLists] !== undefined)
        return 'cmake';
    if (snapshot.files[TREE_FILES.makefile] !== undefined)
        return 'make';
    throw new ResolveError(`No ESP32 port found: looked for ${TREE_FILES.makefile} (and ${TREE_FILES.cmakeLists}) in the MicroPython tree. ` +
        'Either this is not a MicroPython checkout, or it is older than v1.9.4, the first release with ports/esp32. ' +
        'MicroPython v1.9.4 or later is needed.');
}
/** Where the firmware appears, relative to the tree root. */
function buildDirOf({ board, boardVariant }, boardless, port) {
    if (boardless)
        return `${PORT_DIR}/build`;
    if (boardVariant && port.variantBuildDir)
        return `${PORT_DIR}/build-${board}-${boardVariant}`;
    return `${PORT_DIR}/build-${board}`;
}

;// CONCATENATED MODULE: ./src/pipeline/resolve/index.ts
/** The resolver's public face: `resolveTree` and what it reads and answers. */





;// CONCATENATED MODULE: ./src/pipeline/component-cache.ts
/**
 * The component manager's cache around a build: before it, put back the lock
 * the cache was solved with, evict what does not match this tool's record of
 * it, and decide whether the build can do without the registry; after it,
 * keep the lock, prune what the lock no longer names and record the rest.
 */





/** What this tool records of the cache after a good build: every file's sha256, per component directory. */
const RECORD = '.esp32-devel-contents.json';
/** The lock a tree without committed lock files generated (MicroPython v1.21 to v1.26.0). */
const KEPT_LOCK = '.esp32-devel-dependencies.lock';
const GENERATED_LOCK = external_node_path_default().join(PORT_DIR, 'dependencies.lock');
/** A directory's entries, sorted; none when it cannot be read. */
async function names(dir) {
    try {
        return (await (0,promises_namespaceObject.readdir)(dir)).sort();
    }
    catch {
        return [];
    }
}
async function exists(file) {
    return (0,promises_namespaceObject.lstat)(file).then(() => true, () => false);
}
/** The lock files a build of these chips reads: lockfiles/dependencies.lock.<chip> (v1.26.1+), else the generated one. */
async function lockFiles(tree, chips) {
    const lockfiles = external_node_path_default().join(tree, PORT_DIR, 'lockfiles');
    if ((await names(lockfiles)).length > 0)
        return chips.map((chip) => external_node_path_default().join(lockfiles, `dependencies.lock.${chip}`));
    return [external_node_path_default().join(tree, GENERATED_LOCK)];
}
async function readLocks(tree, chips) {
    const locks = [];
    for (const file of await lockFiles(tree, chips)) {
        const text = await (0,promises_namespaceObject.readFile)(file, 'utf8').catch(() => undefined);
        if (text === undefined)
            return undefined;
        const lock = parseLock(text);
        if (lock.target && !chips.includes(lock.target))
            return undefined;
        locks.push(lock);
    }
    return locks;
}
/** The component directories in the cache, as service_…/<component> paths. */
async function componentPaths(dir) {
    const found = [];
    for (const service of await names(dir)) {
        if (!service.startsWith('service_'))
            continue;
        for (const component of await names(external_node_path_default().join(dir, service)))
            found.push(`${service}/${component}`);
    }
    return found;
}
/** Every regular file's sha256 under dir; undefined when it holds anything else (a link, a device). */
async function fileHashes(dir) {
    const hashes = {};
    const walk = async (rel) => {
        for (const name of await names(external_node_path_default().join(dir, rel))) {
            const relative = rel ? `${rel}/${name}` : name;
            const info = await (0,promises_namespaceObject.lstat)(external_node_path_default().join(dir, relative));
            if (info.isDirectory()) {
                if (!(await walk(relative)))
                    return false;
            }
            else if (info.isFile()) {
                hashes[relative] = (0,external_node_crypto_namespaceObject.createHash)('sha256')
                    .update(await (0,promises_namespaceObject.readFile)(external_node_path_default().join(dir, relative)))
                    .digest('hex');
            }
            else
                return false;
        }
        return true;
    };
    return (await walk('')) ? hashes : undefined;
}
async function readRecord(dir) {
    try {
        return JSON.parse(await (0,promises_namespaceObject.readFile)(external_node_path_default().join(dir, RECORD), 'utf8'));
    }
    catch {
        return undefined;
    }
}
const sameFiles = (a, b) => Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([f, h]) => b[f] === h);
/**
 * The component directories whose files are exactly as recorded; with
 * `evict`, the others are removed (the manager then downloads them again)
 * rather than trusted.
 */
async function verified(dir, evict) {
    const record = (await readRecord(dir)) ?? {};
    const good = new Set();
    for (const component of await componentPaths(dir)) {
        const files = await fileHashes(external_node_path_default().join(dir, component));
        if (files && record[component] && sameFiles(files, record[component])) {
            good.add(component);
        }
        else if (evict && record[component]) {
            evict.warning(`The cached component ${component} is not what was saved: removed, to be downloaded again`);
            await (0,promises_namespaceObject.rm)(external_node_path_default().join(dir, component), { recursive: true, force: true });
        }
    }
    return good;
}
async function gitMirrors(dir) {
    return (await names(dir)).filter((name) => name.startsWith('b_git_'));
}
/**
 * How the build keeps away from the registry when the cache at `dir` holds
 * everything the tree's locks (or the kept lock) name, as recorded; undefined
 * when it does not. With `evict`, entries that are not as recorded are removed.
 */
async function offlineIfCovered(dir, tree, chips, registry, evict) {
    const good = await verified(dir, evict);
    const locks = (await readLocks(tree, chips)) ?? (await keptLock(dir, chips));
    const mirrors = await gitMirrors(dir);
    if (!locks || !covers(locks, { paths: good, gitMirrors: mirrors.length > 0 }))
        return undefined;
    return { storage: UNREACHABLE_STORAGE, hosts: registryHosts(locks, registry) };
}
async function keptLock(dir, chips) {
    const text = await (0,promises_namespaceObject.readFile)(external_node_path_default().join(dir, KEPT_LOCK), 'utf8').catch(() => undefined);
    const lock = text === undefined ? undefined : parseLock(text);
    return lock && (!lock.target || chips.includes(lock.target)) ? [lock] : undefined;
}
/**
 * Before the build: the tree gets back the lock its cache was solved with
 * (when it commits none and has none), corrupt entries go, and a cache that
 * covers the lock makes the build keep away from the registry.
 */
async function readyComponents(dir, tree, chips, registry, log) {
    const generated = external_node_path_default().join(tree, GENERATED_LOCK);
    const [target] = await lockFiles(tree, chips);
    if (target === generated && !(await exists(generated)) && (await keptLock(dir, chips))) {
        await (0,promises_namespaceObject.copyFile)(external_node_path_default().join(dir, KEPT_LOCK), generated);
        log.info(`Restored ${GENERATED_LOCK}, the lock the cached components were solved with`);
    }
    const offline = await offlineIfCovered(dir, tree, chips, registry, log);
    if (!offline) {
        log.info('The component cache does not hold everything the lock names: the build asks the registry');
        return undefined;
    }
    const mirrors = await gitMirrors(dir);
    // The manager fetches a git dependency's bare mirror (b_git_…) whenever its FETCH_HEAD is over a
    // minute old, which a restored one always is. Dated a day ahead, it is not fetched during this build.
    const ahead = new Date(Date.now() + 24 * 3600_000);
    for (const mirror of mirrors)
        await (0,promises_namespaceObject.utimes)(external_node_path_default().join(dir, mirror, 'FETCH_HEAD'), ahead, ahead).catch(() => { });
    log.info('The component cache holds everything the lock names: the build runs without the registry');
    return offline;
}
/**
 * After a good build: keep the generated lock, drop what the locks no longer
 * name (the cache never grows from run to run), and record what stays.
 */
async function keepComponents(dir, tree, chips, log) {
    const generated = external_node_path_default().join(tree, GENERATED_LOCK);
    const [target] = await lockFiles(tree, chips);
    if (target === generated && (await exists(generated))) {
        const [now, kept] = await Promise.all([
            (0,promises_namespaceObject.readFile)(generated, 'utf8'),
            (0,promises_namespaceObject.readFile)(external_node_path_default().join(dir, KEPT_LOCK), 'utf8').catch(() => '')
        ]);
        if (now !== kept)
            await (0,promises_namespaceObject.writeFile)(external_node_path_default().join(dir, KEPT_LOCK), now);
    }
    const locks = await readLocks(tree, chips);
    const named = new Set(locks?.flatMap((lock) => lock.components.map(cachedPath)) ?? []);
    const record = {};
    for (const component of await componentPaths(dir)) {
        if (locks && !named.has(component)) {
            log.info(`Pruned ${component} from the component cache: no lock names it`);
            await (0,promises_namespaceObject.rm)(external_node_path_default().join(dir, component), { recursive: true, force: true });
            continue;
        }
        const files = await fileHashes(external_node_path_default().join(dir, component));
        if (files)
            record[component] = files;
    }
    const before = await (0,promises_namespaceObject.readFile)(external_node_path_default().join(dir, RECORD), 'utf8').catch(() => '');
    const after = JSON.stringify(record);
    if (before !== after)
        await (0,promises_namespaceObject.writeFile)(external_node_path_default().join(dir, RECORD), after);
}

;// CONCATENATED MODULE: ./src/pipeline/components.ts
/**
 * ESP-IDF's component manager (MicroPython v1.21 and later) downloads the
 * managed components at CMake configure time into its cache,
 * IDF_COMPONENT_CACHE_PATH, which would otherwise sit in the container's
 * throwaway HOME: every fresh runner would download every component again.
 * This keeps that cache, per ESP-IDF and per set of the tree's manifests and
 * lock files, on this machine and in the Actions cache.
 */








/** The tree's component manifests and lock files, relative to the tree, sorted. */
async function componentFiles(tree) {
    const port = external_node_path_default().join(tree, PORT_DIR);
    const files = [];
    // v1.21 to v1.24 keep a manifest per chip (main_esp32/…), v1.25 and later one in main/.
    for (const name of await names(port)) {
        if (name !== 'main' && !name.startsWith('main_'))
            continue;
        if ((await names(external_node_path_default().join(port, name))).includes('idf_component.yml')) {
            files.push(`${PORT_DIR}/${name}/idf_component.yml`);
        }
    }
    // v1.26.1 and later commit a lock file per chip.
    for (const name of await names(external_node_path_default().join(port, 'lockfiles'))) {
        if (name.startsWith('dependencies.lock.'))
            files.push(`${PORT_DIR}/lockfiles/${name}`);
    }
    return files.sort();
}
/** The cache a tree's build uses, or undefined when the tree uses no managed components. */
async function planComponents(tree, build, root, scope = { tag: '' }) {
    const files = await componentFiles(tree);
    if (files.length === 0)
        return undefined;
    const chips = [...build.chips].sort();
    // One cache per chip set: each chip's lock names its own components (tinyusb on S2/S3 only).
    const hash = (0,external_node_crypto_namespaceObject.createHash)('sha256').update(`chips\0${chips.join(',')}\0`);
    for (const file of files)
        hash.update(`${file}\0${await (0,promises_namespaceObject.readFile)(external_node_path_default().join(tree, file))}\0`);
    const manifests = hash.digest('hex');
    const key = componentsKey(build.idfRef, manifests, scope.tag);
    const restoreKeys = scope.fallbackTag ? [componentsKey(build.idfRef, manifests, scope.fallbackTag)] : [];
    // One path whatever the scope (the Actions cache restores into the path it saved from).
    const dir = external_node_path_default().join(root, 'components', shortHash(componentsKey(build.idfRef, manifests), 16));
    const contents = await scopedContents(dir, scope.tag);
    const present = await hasAnyFile(contents);
    const offline = present ? await offlineIfCovered(contents, tree, chips, build.registry) : undefined;
    return {
        dir,
        present,
        key,
        restoreKeys,
        scopeTag: scope.tag,
        files,
        chips,
        registry: build.registry,
        offline
    };
}
/**
 * The cache as planned: kept on this machine, else restored from the Actions
 * cache under exactly its key; locked (KeptDir.lock).
 */
async function obtainComponents(plan, ctx, tree) {
    const kept = await obtainKeptDir(plan.dir, { key: plan.key, restoreKeys: plan.restoreKeys, scopeTag: plan.scopeTag }, 'managed components', ctx);
    try {
        return { ...kept, offline: await readyComponents(plan.dir, tree, plan.chips, plan.registry, ctx.log) };
    }
    catch (error) {
        await kept.lock?.release();
        throw error;
    }
}

;// CONCATENATED MODULE: ./src/pipeline/idf-verify.ts
/**
 * Whether an ESP-IDF checkout that this run did not just clone (kept on this
 * machine, or restored from the Actions cache) is what it claims to be: at
 * the expected commit, every submodule at the commit it pins, nothing
 * modified, added or removed. A checkout that is not is never repaired: it
 * is set aside and fetched again.
 *
 * Such a checkout's own git configuration is not trusted either, since git
 * runs what it names (a filter while `git status` hashes files, an fsmonitor,
 * a hook): before any command that could run one, the configuration of the
 * checkout and of each of its submodules must hold nothing but what a clone
 * writes.
 */




/** The keys a clone with submodules writes (git config --list spells sections and keys in lower case). */
const CLONE_KEYS = [
    /^core\.(repositoryformatversion|filemode|bare|logallrefupdates|symlinks|ignorecase|precomposeunicode)$/,
    /^core\.worktree$/,
    /^remote\.origin\.(url|fetch|tagopt|promisor|partialclonefilter)$/,
    /^branch\.[^\n]+\.(remote|merge)$/,
    /^submodule\.[^\n]+\.(url|active)$/
];
/**
 * What is wrong with a repository's configuration (`git config --list
 * --null` output), or undefined: a key a clone does not write, a bare
 * repository, or a work tree other than the expected one. Pure.
 */
function configProblem(listing, gitDir, worktree) {
    for (const entry of listing.split('\0')) {
        if (entry === '')
            continue;
        const newline = entry.indexOf('\n');
        const key = newline >= 0 ? entry.slice(0, newline) : entry;
        const value = newline >= 0 ? entry.slice(newline + 1) : '';
        if (!CLONE_KEYS.some((re) => re.test(key)))
            return `its git configuration sets ${key}`;
        if (key === 'core.bare' && value !== 'false')
            return 'its git configuration makes it bare';
        if (key === 'core.worktree' && external_node_path_default().resolve(gitDir, value) !== worktree) {
            return `its git configuration points the work tree elsewhere (${value})`;
        }
    }
    return undefined;
}
/** The submodule paths (gitlinks) of a `git ls-tree -r -z` listing. Pure. */
function gitlinks(listing) {
    const paths = [];
    for (const entry of listing.split('\0')) {
        const match = /^160000 commit [0-9a-f]+\t(.+)$/s.exec(entry);
        if (match)
            paths.push(match[1]);
    }
    return paths;
}
/** The paths of a `git status --porcelain -z` listing, with their status, for a message. Pure. */
function statusSummary(listing, max = 5) {
    const entries = listing.split('\0').filter((e) => e.length > 3);
    const shown = entries.slice(0, max).map((e) => `${e.slice(0, 2).trim()} ${e.slice(3)}`);
    return entries.length > max ? `${shown.join(', ')} and ${entries.length - max} more` : shown.join(', ');
}
/** The repository of a submodule's work tree: a .git file that points into the top's .git/modules, or a .git directory. */
async function submoduleRepo(worktree, modules) {
    const dotGit = external_node_path_default().join(worktree, '.git');
    const info = await (0,promises_namespaceObject.lstat)(dotGit).catch(() => undefined);
    if (!info)
        return `the submodule ${worktree} is not checked out`;
    if (info.isDirectory())
        return { worktree, gitDir: dotGit };
    if (!info.isFile())
        return `${dotGit} is neither a file nor a directory`;
    const match = /^gitdir: (.+?)\s*$/.exec(await (0,promises_namespaceObject.readFile)(dotGit, 'utf8'));
    const gitDir = match ? external_node_path_default().resolve(worktree, match[1]) : '';
    const inside = external_node_path_default().relative(modules, gitDir);
    if (!match || inside === '' || inside.startsWith('..') || external_node_path_default().isAbsolute(inside)) {
        return `${dotGit} does not point into ${modules}`;
    }
    return { worktree, gitDir };
}
/** The checkout's repository and its submodules', each with a configuration a clone would write. */
async function checkRepos(top, step) {
    const modules = external_node_path_default().join(top.gitDir, 'modules');
    const queue = [top];
    for (let repo = queue.shift(); repo; repo = queue.shift()) {
        const config = external_node_path_default().join(repo.gitDir, 'config');
        const listing = await step(['config', '--file', config, '--no-includes', '--null', '--list']);
        const problem = configProblem(listing, repo.gitDir, repo.worktree);
        if (problem)
            return `${external_node_path_default().relative(top.worktree, repo.worktree) || 'ESP-IDF'}: ${problem}`;
        if (await (0,promises_namespaceObject.lstat)(external_node_path_default().join(repo.gitDir, 'info', 'attributes')).catch(() => undefined)) {
            return `${repo.gitDir}/info/attributes exists, which no clone writes`;
        }
        for (const sub of gitlinks(await step(['-C', repo.worktree, 'ls-tree', '-r', '-z', '--full-tree', 'HEAD']))) {
            const found = await submoduleRepo(external_node_path_default().join(repo.worktree, sub), modules);
            if (typeof found === 'string')
                return found;
            queue.push(found);
        }
    }
    return undefined;
}
/**
 * Why the checkout at `idfPath` cannot be used, or undefined when it can: it
 * must be at `commit` (when given), with every submodule at the commit it
 * pins, and nothing modified, added or removed (git status, with the
 * untracked cache off so that the index cannot hide a file).
 */
async function idf_verify_checkoutProblem(idfPath, commit, signal) {
    const top = { worktree: idfPath, gitDir: external_node_path_default().join(idfPath, '.git') };
    const info = await (0,promises_namespaceObject.lstat)(top.gitDir).catch(() => undefined);
    if (!info?.isDirectory())
        return `${top.gitDir} is missing or not a directory`;
    // repo '': these commands talk to no repository, so no transport is allowed.
    const step = async (args) => (await git(args, { repo: '', signal, timeoutMs: 600_000 })).stdout;
    try {
        const head = (await step(['-C', idfPath, 'rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])).trim();
        if (commit !== undefined && head !== commit)
            return `it is at ${head || 'no commit'}, not at ${commit}`;
        const repos = await checkRepos(top, step);
        if (repos)
            return repos;
        const status = await step([
            '-C',
            idfPath,
            '-c',
            'core.untrackedCache=false',
            'status',
            '--porcelain=v1',
            '-z',
            '--ignore-submodules=none',
            '--untracked-files=normal'
        ]);
        if (status !== '')
            return `it differs from its commit: ${statusSummary(status)}`;
        return undefined;
    }
    catch (error) {
        if (error instanceof ExecError)
            return `git cannot read it: ${error.message.split('\n')[0]}`;
        throw error;
    }
}

;// CONCATENATED MODULE: ./src/pipeline/idf-entry.ts
/**
 * An ESP-IDF entry on this machine, `<root>/idf/<name>/` with `esp-idf/` (the
 * checkout) and `espressif/` (its installed tools), and its marker,
 * `complete.json`, which only this machine's runs write: after their own
 * clone and install, or after verifying what they restored. The Actions
 * cache never carries a marker: an entry is saved from, and restored into,
 * `<name>.transfer` (a hard-linked copy without the marker), verified there
 * and only then renamed into place. Every change happens under the entry's
 * lock (entry-lock.ts), and nothing is removed in place (partials.ts).
 */






const MARKER = 'complete.json';
async function readMarker(dir) {
    try {
        return JSON.parse(await (0,promises_namespaceObject.readFile)(external_node_path_default().join(dir, MARKER), 'utf8'));
    }
    catch {
        return undefined;
    }
}
/** Record that an entry is whole; only then may it be used or saved. */
async function writeMarker(dir, marker) {
    await (0,promises_namespaceObject.writeFile)(external_node_path_default().join(dir, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
}
/** Where an entry is saved to the Actions cache from, and restored into. Pure. */
function transferDir(dir) {
    return `${dir}.transfer`;
}
/** Where an entry keeps the checkout and ESP-IDF's installed tools. Pure. */
function entryPaths(dir) {
    return { idfPath: external_node_path_default().join(dir, 'esp-idf'), toolsPath: external_node_path_default().join(dir, 'espressif') };
}
/** Put the directory `staged` in place of the entry `dir`: an entry already there is renamed aside first, then removed. */
async function replaceEntry(dir, staged) {
    const aside = evictedName(dir);
    let old = true;
    await (0,promises_namespaceObject.rename)(dir, aside).catch((error) => {
        if (error.code !== 'ENOENT')
            throw error;
        old = false;
    });
    await (0,promises_namespaceObject.rename)(staged, dir);
    if (old)
        await (0,promises_namespaceObject.rm)(aside, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
}
/** A copy of the tree `src` at `dest` made of hard links (copies where no link can be made), without `skip` at its top. */
async function linkTree(src, dest, skip = []) {
    await mkdir(dest, { mode: (await lstat(src)).mode & 0o7777 });
    for (const entry of await readdir(src, { withFileTypes: true })) {
        if (skip.includes(entry.name))
            continue;
        const from = path.join(src, entry.name);
        const to = path.join(dest, entry.name);
        if (entry.isDirectory())
            await linkTree(from, to);
        else if (entry.isSymbolicLink())
            await symlink(await readlink(from), to);
        else if (entry.isFile())
            await link(from, to).catch(() => copyFile(from, to));
    }
}
/**
 * The entry at `dir` as this run may use it: absent (or unfinished), whole
 * but of another key (a branch's older commit), or whole and verified (good)
 * or not (bad). Without a key, any whole entry will do.
 */
async function checkLocal(dir, key, signal) {
    const marker = await readMarker(dir);
    if (!marker)
        return { state: 'absent' };
    if (key !== undefined && marker.key !== key)
        return { state: 'other', marker };
    const problem = await idf_verify_checkoutProblem(entryPaths(dir).idfPath, marker.commit, signal);
    return problem ? { state: 'bad', marker, problem } : { state: 'good', marker };
}
/** The commit a checkout is at. */
async function headOf(idfPath, signal) {
    const { stdout } = await git(['-C', idfPath, 'rev-parse', 'HEAD'], { repo: '', signal });
    return stdout.trim();
}
/**
 * Restore an entry from the Actions cache into its transfer directory,
 * verify it there, and only then rename it into place with a marker of this
 * run. Returns its key and commit, or undefined for a miss or an entry that
 * fails verification (discarded, with a warning). Call with the entry's lock held.
 */
async function restoreEntry(dir, req, ctx) {
    const transfer = transferDir(dir);
    await partials_removeAside(transfer);
    const hit = await ctx.cache.restore([transfer], req.key, req.restoreKeys ?? []);
    if (!hit) {
        await partials_removeAside(transfer);
        return undefined;
    }
    const expected = req.expected(hit);
    const problem = await idf_verify_checkoutProblem(entryPaths(transfer).idfPath, expected, ctx.signal);
    if (problem) {
        ctx.log.warning(`The ESP-IDF entry restored from the Actions cache (${hit}) fails verification: ${problem}. It is discarded and ESP-IDF fetched again; delete that cache entry so that no run restores it again.`);
        await partials_removeAside(transfer);
        return undefined;
    }
    const head = expected ?? (await headOf(entryPaths(transfer).idfPath, ctx.signal));
    // A marker from an archive of an older version of this tool is not this run's: it goes.
    await (0,promises_namespaceObject.rm)(external_node_path_default().join(transfer, MARKER), { force: true });
    await replaceEntry(dir, transfer);
    const marker = { key: hit, commit: head, chips: req.chips };
    await writeMarker(dir, marker);
    return marker;
}
/**
 * Saving an entry: under its lock, check that it is still what its marker
 * says (a build may have written into it), stage a hard-linked copy without
 * the marker in the transfer directory, `save` it from there, and remove the
 * copy. False when the entry fails the check and is not saved.
 */
async function saveFromTransfer(dir, commit, log, save) {
    const lock = await lockEntry(dir, { what: `the ESP-IDF entry ${dir}`, log });
    const transfer = transferDir(dir);
    try {
        const problem = await checkoutProblem(entryPaths(dir).idfPath, commit);
        if (problem) {
            log.warning(`Not saving the ESP-IDF entry ${dir}: ${problem}.`);
            return false;
        }
        await removeAside(transfer);
        await linkTree(dir, transfer, [MARKER]);
        await save();
        return true;
    }
    finally {
        await removeAside(transfer);
        await lock.release();
    }
}

;// CONCATENATED MODULE: ./src/pipeline/idf-clone.ts
/**
 * Cloning ESP-IDF with its submodules into a `.partial-<host>-<pid>` sibling
 * of the entry, moved into place only once the checkout and every submodule
 * are complete: an interrupted clone never looks like a finished one. The
 * whole clone is bounded in time; the credentials reach git through its
 * environment only, so the checkout's .git/config holds the URL without them.
 */





/** Whether a failed step may be retried another way: not once cancelled, nor once out of time. */
function retryable(ctx, deadline) {
    return !ctx.signal?.aborted && Date.now() < deadline;
}
/** Fetch the ref into an empty `checkout`, each step within what is left of the time. */
async function fetchRef(req, checkout, step, ctx) {
    const { progress } = ctx;
    const { log } = ctx;
    if (req.kind !== 'commit') {
        log.info(`Cloning ${req.repo} at ${req.ref} (shallow)`);
        await step(['clone', '--depth', '1', ...progress, `--branch=${req.ref}`, '--', req.repo, checkout]);
        return;
    }
    log.info(`Fetching commit ${req.ref} from ${req.repo}`);
    await step(['init', '--quiet', checkout]);
    await step(['-C', checkout, 'remote', 'add', '--', 'origin', req.repo]);
    try {
        await step(['-C', checkout, 'fetch', ...progress, '--depth', '1', 'origin', req.ref]);
    }
    catch (error) {
        if (!retryable(ctx, ctx.deadline))
            throw error;
        // Some servers refuse to serve an unadvertised commit: fetch everything instead.
        log.info('The server would not serve the commit alone; fetching the whole history');
        await step(['-C', checkout, 'fetch', '--tags', 'origin', '+refs/heads/*:refs/remotes/origin/*']);
    }
    await step(['-C', checkout, 'checkout', '--quiet', '--detach', req.ref]);
}
async function idf_clone_updateSubmodules(checkout, step, ctx) {
    const { progress } = ctx;
    ctx.log.info('Updating submodules (git submodule update --init --recursive)');
    const update = ['-C', checkout, 'submodule', 'update'];
    try {
        await step([...update, ...progress, '--init', '--recursive', '--depth', '1', '--jobs', '4']);
    }
    catch (error) {
        if (!retryable(ctx, ctx.deadline))
            throw error;
        ctx.log.info('A shallow submodule fetch was refused; retrying with full history');
        await step([...update, '--init', '--recursive', '--jobs', '4']);
    }
}
/**
 * Clone `req` with its submodules and put it in place of the entry `dir`
 * (with an empty tools directory). Throws git's ExecError, or exec's
 * AbortError when cancelled; either way nothing of the clone is left.
 */
async function cloneEntry(req, dir, ctx) {
    const staging = partialName(dir);
    const checkout = external_node_path_default().join(staging, 'esp-idf');
    await (0,promises_namespaceObject.rm)(staging, { recursive: true, force: true });
    await (0,promises_namespaceObject.mkdir)(checkout, { recursive: true });
    const deadline = Date.now() + (ctx.timeoutMs ?? CLONE_TIMEOUT_MS);
    const options = {
        repo: req.repo,
        credentials: req.credentials,
        debug: ctx.log.debug,
        onGitLine: ctx.onGitLine,
        signal: ctx.signal
    };
    const step = (args) => git(args, { ...options, timeoutMs: deadline - Date.now() });
    const stepCtx = { ...ctx, deadline, progress: progressArgs(options) };
    try {
        await fetchRef(req, checkout, step, stepCtx);
        await idf_clone_updateSubmodules(checkout, step, stepCtx);
        await (0,promises_namespaceObject.mkdir)(external_node_path_default().join(staging, 'espressif'), { recursive: true });
        await replaceEntry(dir, staging);
    }
    catch (error) {
        await (0,promises_namespaceObject.rm)(staging, { recursive: true, force: true });
        throw error;
    }
}

;// CONCATENATED MODULE: ./src/pipeline/idf.ts












class IdfError extends Error {
    constructor(message) {
        super(message);
        this.name = 'IdfError';
    }
}
const FULL_SHA = /^[0-9a-f]{40}$/;
/**
 * Classify `ref` from `git ls-remote --heads --tags` output. Pure. A tag wins
 * over a branch of the same name, as git itself resolves it; an annotated
 * tag's peeled commit (`^{}`) wins over the tag object.
 */
function classifyRef(lsRemote, ref) {
    const refs = new Map();
    for (const line of lsRemote.split('\n')) {
        const [sha, name] = line.trim().split(/\s+/);
        if (sha && name)
            refs.set(name, sha);
    }
    const tag = refs.get(`refs/tags/${ref}^{}`) ?? refs.get(`refs/tags/${ref}`);
    if (tag)
        return { kind: 'tag', commit: tag };
    const branch = refs.get(`refs/heads/${ref}`);
    if (branch)
        return { kind: 'branch', commit: branch };
    if (FULL_SHA.test(ref))
        return { kind: 'commit', commit: ref };
    return undefined;
}
/** The newest version tags in ls-remote output, to suggest when a ref is not found. Pure. */
function suggestTags(lsRemote, count = 5) {
    const names = [...lsRemote.matchAll(/refs\/tags\/([^\s^]+)(?:\^\{\})?$/gm)].map((m) => m[1]);
    return newestVersionTags(names, count);
}
/** Record that an entry is whole, once install.sh has run; then give up its lock. */
async function markComplete(idf, chips) {
    await writeMarker(idf.dir, { key: idf.key, commit: idf.commit, chips });
    await idf.lock?.release();
}
/** Ask the repository what `ref` is; a failure says why it could not be reached. */
async function lookUp(req, log, signal) {
    try {
        const { stdout } = await git(['ls-remote', '--heads', '--tags', '--', req.repo], {
            repo: req.repo,
            credentials: req.credentials,
            timeoutMs: LS_REMOTE_TIMEOUT_MS,
            debug: log.debug,
            signal
        });
        return { found: classifyRef(stdout, req.ref), listing: stdout };
    }
    catch (error) {
        if (signal?.aborted)
            throw error;
        const message = error.message;
        // git's first "fatal:" says why (not found, refused, dubious ownership…).
        const failure = /\bfatal: .*$/m.exec(message)?.[0] ?? message.split('\n').slice(-1)[0];
        log.warning(`Could not reach the ESP-IDF repository ${req.repo}: ${failure}`);
        return { failure };
    }
}
function unreachable(repo, ref, failure) {
    return new IdfError(`The ESP-IDF repository ${repo} cannot be reached${failure ? ` (${failure})` : ''} and no cached checkout of '${ref}' exists. Check the network, or set idf-repo to a mirror or fork this machine can reach (and idf-tools-mirror for ESP-IDF's tool downloads).`);
}
/** The entry of a ref whose kind (and, for a branch, commit) is known, for the image's Python. Pure. */
function idfEntry(root, req, remote, python) {
    const id = { repo: req.repo, ref: req.ref, chips: req.chips, python, kind: remote.kind };
    const dir = idfEntryDir(root, id);
    return { key: idfKey({ ...id, commit: remote.commit }), dir, ...entryPaths(dir) };
}
/**
 * What the ESP-IDF ref is and whether its entry is here. A tag already on
 * this machine needs no network (a tag never moves); anything else asks the
 * repository with `git ls-remote`, read-only. Unreachable, it is planned
 * offline: the run then looks in the caches only.
 */
async function planIdf(req, python, ctx) {
    const root = ctx.places.root;
    const known = (remote) => ({ ...req, remote, python, present: false });
    let plan;
    if (FULL_SHA.test(req.ref)) {
        plan = known({ kind: 'commit', commit: req.ref });
    }
    else {
        if (python !== undefined) {
            const tag = idfEntry(root, req, { kind: 'tag', commit: '' }, python);
            const marker = await readMarker(tag.dir);
            if (marker && marker.key === tag.key) {
                return { ...known({ kind: 'tag', commit: marker.commit }), entry: tag, present: true };
            }
        }
        const answer = await lookUp(req, ctx.log, ctx.signal);
        if ('failure' in answer)
            return { ...req, python, offline: answer.failure, present: false };
        if (!answer.found) {
            const tags = suggestTags(answer.listing);
            throw new IdfError(`ESP-IDF ref '${req.ref}' does not exist in ${req.repo}. Use a tag, a branch or a full 40-character commit hash` +
                (tags.length ? `; the newest tags are ${tags.join(', ')}.` : '.'));
        }
        plan = known(answer.found);
    }
    return withEntry(plan, root);
}
/** The plan with its entry, once the Python is known; whether that entry is complete here. */
async function withEntry(plan, root, python = plan.python) {
    if (!plan.remote || python === undefined)
        return { ...plan, python };
    const entry = idfEntry(root, plan, plan.remote, python);
    const marker = await readMarker(entry.dir);
    return { ...plan, python, entry, present: marker?.key === entry.key };
}
/** Run `fn` holding the entry's lock. */
async function locked(dir, what, ctx, fn) {
    const lock = await entry_lock_lockEntry(dir, { what, log: ctx.log, signal: ctx.signal });
    try {
        return await fn();
    }
    finally {
        await lock.release();
    }
}
/** Set aside an entry that fails verification: it is fetched again, never repaired in place. */
async function evict(dir, problem, log) {
    log.warning(`The ESP-IDF entry ${dir} fails verification: ${problem}. It is set aside and ESP-IDF fetched again.`);
    await partials_removeAside(dir);
}
/**
 * The ESP-IDF checkout as planned: used as it is on this machine once
 * verified, else restored from the Actions cache and verified, else cloned.
 * Planned offline: the newest cached commit of a branch, or a cached tag or
 * commit. Whatever is written happens under the entry's lock; a clone that
 * still needs install.sh keeps it (markComplete gives it up).
 */
async function obtainIdf(plan, ctx) {
    if (plan.python === undefined)
        throw new IdfError("ESP-IDF was planned without the image's Python.");
    if (plan.offline !== undefined || !plan.remote || !plan.entry) {
        return fromCacheOffline(plan, plan.python, ctx, plan.offline);
    }
    const { kind, commit } = plan.remote;
    const entry = plan.entry;
    ctx.log.info(`ESP-IDF ${plan.ref} is ${kind === 'commit' ? 'a commit' : `${kind === 'tag' ? 'a tag' : 'a branch'} at ${commit}`}`);
    const here = await checkLocal(entry.dir, entry.key, ctx.signal);
    if (here.state === 'good') {
        ctx.log.info(`Found on this machine, verified: ${entry.dir}`);
        return { ...entry, kind, commit: here.marker.commit, source: 'local', needsInstall: false };
    }
    const lock = await entry_lock_lockEntry(entry.dir, { what: `ESP-IDF ${plan.ref}`, log: ctx.log, signal: ctx.signal });
    try {
        const idf = await idf_obtainLocked(plan, entry, ctx);
        if (idf.needsInstall)
            return { ...idf, lock };
        await lock.release();
        return idf;
    }
    catch (error) {
        await lock.release();
        throw error;
    }
}
/** obtainIdf with the entry's lock held: look again (another run may have made it meanwhile), restore, clone. */
async function idf_obtainLocked(plan, entry, ctx) {
    const { kind, commit } = plan.remote;
    const { log } = ctx;
    const here = await checkLocal(entry.dir, entry.key, ctx.signal);
    if (here.state === 'good') {
        log.info(`Made by another run meanwhile, verified: ${entry.dir}`);
        return { ...entry, kind, commit: here.marker.commit, source: 'local', needsInstall: false };
    }
    if (here.state === 'bad')
        await evict(entry.dir, here.problem, log);
    if (ctx.useCache && ctx.cache.available) {
        log.info(`Restoring from the Actions cache: ${entry.key}`);
        const request = { key: entry.key, expected: () => commit, chips: plan.chips };
        const restored = await restoreEntry(entry.dir, request, ctx);
        if (restored) {
            log.info('Restored from the Actions cache and verified');
            return { ...entry, kind, commit: restored.commit, source: 'actions-cache', needsInstall: false };
        }
        log.info('Not restored from the Actions cache; cloning');
    }
    await clone({ repo: plan.repo, ref: plan.ref, kind, credentials: plan.credentials }, entry.dir, ctx);
    const head = await headOf(entry.idfPath, ctx.signal);
    const cloned = { ...entry, kind, commit: head, source: 'clone', needsInstall: plan.install };
    cloned.save = {
        kind: 'idf',
        key: entry.key,
        paths: [transferDir(entry.dir)],
        ready: external_node_path_default().join(entry.dir, MARKER),
        entry: { dir: entry.dir, commit: head }
    };
    if (!plan.install)
        await writeMarker(entry.dir, { key: entry.key, commit: head, chips: plan.chips });
    return cloned;
}
async function clone(req, dir, ctx) {
    try {
        await cloneEntry(req, dir, { ...ctx, timeoutMs: ctx.cloneTimeoutMs });
    }
    catch (error) {
        if (error instanceof ExecError) {
            const hint = diskFullHint(error.message, external_node_path_default().dirname(dir)) ??
                'If the repository is unreachable from here, set idf-repo to a mirror or fork.';
            throw new IdfError(`Could not check out ESP-IDF ${req.ref} from ${req.repo}: ${error.message}\n${hint}`);
        }
        throw error;
    }
}
/** The directory of an entry under the places' root. Pure. */
function idfEntryDir(root, id) {
    return external_node_path_default().join(root, 'idf', idfDirName(id));
}
/** The commit a branch's key names, after the restore key it matched. Pure. */
function branchCommit(key, prefix) {
    const commit = key.slice(prefix.length);
    return FULL_SHA.test(commit) ? commit : undefined;
}
/** No network: a cached tag or commit, or the newest cached commit of a branch, each verified. */
async function fromCacheOffline(plan, python, ctx, failure) {
    const at = (kind) => idfEntry(ctx.places.root, plan, { kind, commit: '' }, python);
    const found = (entry, kind, marker, source) => ({
        ...entry,
        key: marker.key,
        kind,
        commit: marker.commit,
        source,
        needsInstall: false
    });
    const what = `ESP-IDF ${plan.ref}`;
    const guess = `Could not resolve branch '${plan.ref}' in ${plan.repo}; using`;
    const [tag, branch] = [at('tag'), at('branch')];
    for (const [entry, kind] of [
        [tag, 'tag'],
        [branch, 'branch']
    ]) {
        // A branch's entry holds whichever commit it was last at: its key is not known here.
        const here = await checkLocal(entry.dir, kind === 'tag' ? entry.key : undefined, ctx.signal);
        if (here.state === 'good') {
            if (kind === 'branch')
                ctx.log.warning(`${guess} the commit cached on this machine, ${here.marker.commit}.`);
            return found(entry, kind, here.marker, 'local');
        }
        if (here.state === 'bad')
            await locked(entry.dir, what, ctx, () => evict(entry.dir, here.problem, ctx.log));
    }
    if (ctx.useCache && ctx.cache.available) {
        // Offline, a name may be a tag or a branch: try the tag's key, then any commit of the branch.
        const tagRequest = { key: tag.key, expected: () => undefined, chips: plan.chips };
        const tagHit = await locked(tag.dir, what, ctx, () => restoreEntry(tag.dir, tagRequest, ctx));
        if (tagHit)
            return found(tag, 'tag', tagHit, 'actions-cache');
        const anyCommit = idfRestoreKeys({
            repo: plan.repo,
            ref: plan.ref,
            chips: plan.chips,
            python,
            kind: 'branch'
        });
        const request = {
            key: anyCommit[0],
            restoreKeys: anyCommit,
            expected: (key) => branchCommit(key, anyCommit[0]),
            chips: plan.chips
        };
        const hit = await locked(branch.dir, what, ctx, () => restoreEntry(branch.dir, request, ctx));
        if (hit) {
            ctx.log.warning(`${guess} the newest cached commit of it, ${hit.commit}.`);
            return found(branch, 'branch', hit, 'actions-cache');
        }
    }
    throw unreachable(plan.repo, plan.ref, failure);
}
/** Remove what install.sh only needed while installing: the downloaded archives. */
async function pruneInstall(idf) {
    await (0,promises_namespaceObject.rm)(external_node_path_default().join(idf.toolsPath, 'dist'), { recursive: true, force: true });
}

;// CONCATENATED MODULE: external "node:url"
const external_node_url_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:url");
;// CONCATENATED MODULE: ./src/pipeline/era.ts
/**
 * Which build image an ESP-IDF needs. Each era's installer wants its own
 * Python: ESP-IDF v4.x pins packages (gdbgui 0.13.2.0, so gevent 1.5.0) that
 * install only up to Python 3.8 and creates its venv with virtualenv, which
 * a PEP 668 Python refuses to install; v5 wants 3.7 to 3.9 at least; the
 * legacy GNU make builds run on bookworm's Python 3.11. Pure.
 */

/** The label that says which era an image of ours serves (and lets older ones be pruned). */
const ERA_LABEL = 'org.esp32-micropython-build.era';
const ERA_IMAGES = {
    bookworm: { era: 'bookworm', dockerfile: 'Dockerfile', tagPrefix: '' },
    idf4: { era: 'idf4', dockerfile: 'Dockerfile.idf4', tagPrefix: 'idf4-' }
};
/** The era of the image a build needs, from its build system and ESP-IDF ref. */
function imageEra(buildSystem, idfRef) {
    if (buildSystem === 'make')
        return 'bookworm';
    return idfVersionOfRef(idfRef)?.major === 4 ? 'idf4' : 'bookworm';
}
/** The Python an ESP-IDF version installs with; undefined when any python3 will do. */
function pythonRange(buildSystem, idfRef) {
    if (buildSystem === 'make')
        return undefined;
    const version = idfVersionOfRef(idfRef);
    if (!version)
        return undefined;
    if (version.major === 4) {
        return {
            min: '3.6',
            max: '3.9',
            why: 'its requirements (gdbgui 0.13.2.0, gevent 1.5.0) install only up to Python 3.8 from wheels and do not build on 3.11'
        };
    }
    if (version.major === 5 && version.minor <= 1)
        return { min: '3.7', why: 'its installer needs Python 3.7 or later' };
    if (version.major === 5 && version.minor <= 4)
        return { min: '3.8', why: 'its installer needs Python 3.8 or later' };
    return { min: '3.9', why: 'its installer needs Python 3.9 or later' };
}
/** Whether a Python (major.minor) is within a range. */
function pythonFits(python, range) {
    if (!range)
        return true;
    if (!/^\d+\.\d+$/.test(python))
        return false;
    return ((!range.min || compareVersionTags(python, range.min) >= 0) &&
        (!range.max || compareVersionTags(python, range.max) <= 0));
}
/** The range in words: "Python 3.6 to 3.9", "Python 3.8 or later". */
function describeRange(range) {
    if (range.min && range.max)
        return `Python ${range.min} to ${range.max}`;
    return range.min ? `Python ${range.min} or later` : `Python up to ${range.max}`;
}

;// CONCATENATED MODULE: ./src/pipeline/image-load.ts
/**
 * An image archive restored from the Actions cache is loaded only when it
 * holds our image and nothing else: an entry written by another run could
 * otherwise retag images this machine runs (debian:bookworm-slim, or any
 * other), or stand in for ours. Its manifests are checked before
 * `docker load`, and what was loaded after it; anything amiss is a warning,
 * the tag is removed and the image is built instead.
 */

/** The label that holds an image's inputs hash. */
const INPUTS_LABEL = 'org.esp32-micropython-build.inputs';
/** docker.io/library/x:t and docker.io/x:t are x:t. Pure. */
function familiarRef(ref) {
    return ref.replace(/^docker\.io\/(library\/)?/, '');
}
/** The tag after the repository: `abc` of esp32-devel:abc. Pure. */
function image_load_tagOf(ref) {
    const at = ref.lastIndexOf(':');
    return at > ref.lastIndexOf('/') ? ref.slice(at + 1) : 'latest';
}
/**
 * The image ID that a manifest.json `Config` names: `blobs/sha256/<hex>` in
 * the OCI layout of Docker 25 and later, `<hex>.json` before. Pure.
 */
function configId(config) {
    if (typeof config !== 'string')
        return undefined;
    const match = /^(?:blobs\/sha256\/([0-9a-f]{64})|([0-9a-f]{64})\.json)$/.exec(config);
    return match ? `sha256:${match[1] ?? match[2]}` : undefined;
}
function parse(text) {
    try {
        return JSON.parse(text);
    }
    catch {
        return undefined;
    }
}
/**
 * index.json (OCI layout): the containerd image store names what it loads by
 * these annotations, so each name must be the expected one; the digests are
 * the IDs that store gives. Pure.
 */
function checkIndex(ref, indexJson) {
    const index = parse(indexJson);
    if (!index || !Array.isArray(index.manifests))
        return { problem: 'its index.json lists no manifests' };
    const ids = [];
    for (const descriptor of index.manifests) {
        const annotations = (descriptor.annotations ?? {});
        const name = annotations['io.containerd.image.name'];
        if (name !== undefined && familiarRef(String(name)) !== familiarRef(ref))
            return { problem: `its index.json names ${JSON.stringify(name)}, not ${ref}` };
        const refName = annotations['org.opencontainers.image.ref.name'];
        if (refName !== undefined && ![image_load_tagOf(ref), familiarRef(ref)].includes(familiarRef(String(refName))))
            return { problem: `its index.json names ${JSON.stringify(refName)}, not ${ref}` };
        if (typeof descriptor.digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(descriptor.digest))
            ids.push(descriptor.digest);
    }
    return { ids };
}
/**
 * Whether an archive may be loaded: its manifest.json holds exactly one image,
 * tagged exactly `ref`, and its index.json (when there is one) names nothing
 * else. Pure.
 */
function checkImageArchive(ref, manifestJson, indexJson) {
    const manifest = parse(manifestJson);
    if (!Array.isArray(manifest))
        return { problem: 'its manifest.json is not a list of images' };
    if (manifest.length !== 1)
        return { problem: `it holds ${manifest.length} images, not one` };
    const entry = (manifest[0] ?? {});
    const tags = Array.isArray(entry.RepoTags) ? entry.RepoTags.map(String) : [];
    if (tags.length !== 1 || familiarRef(tags[0]) !== familiarRef(ref))
        return { problem: `its image is tagged ${JSON.stringify(tags)}, not ["${ref}"]` };
    const id = configId(entry.Config);
    if (!id)
        return { problem: `its manifest.json names no image configuration (${JSON.stringify(entry.Config)})` };
    if (indexJson === undefined)
        return { ids: [id] };
    const index = checkIndex(ref, indexJson);
    return 'problem' in index ? index : { ids: [id, ...index.ids] };
}
/** Why the image now tagged `ref` is not the archive's, or undefined when it is. Pure. */
function loadedImageProblem(expected, ids, loaded) {
    if (!loaded)
        return `${expected.ref} is not in the Docker engine after loading it`;
    if (!ids.includes(loaded.id))
        return `${expected.ref} is ${loaded.id}, not the archive's ${ids[0]}`;
    if (loaded.inputsHash !== expected.inputsHash)
        return `its label ${INPUTS_LABEL} is '${loaded.inputsHash}', not ${expected.inputsHash}`;
    return undefined;
}
/** One file of the archive, or undefined when it has none (or is not a tar). */
async function archiveMember(tar, member, ctx) {
    const read = await run('tar', ['-xOf', tar, member], {
        allowFailure: true,
        debug: ctx.log.debug,
        signal: ctx.signal
    });
    return read.code === 0 ? read.stdout : undefined;
}
async function inspectLoaded(ref, docker) {
    const format = `{{.Id}} {{index .Config.Labels "${INPUTS_LABEL}"}}`;
    const inspect = await docker.run(['image', 'inspect', '--format', format, ref], { allowFailure: true });
    if (inspect.code !== 0)
        return undefined;
    const [id, inputsHash = ''] = inspect.stdout.trim().split(' ');
    return { id, inputsHash };
}
/**
 * Loads the archive at `tar` when it holds the expected image and nothing
 * else, and keeps what was loaded only when it is that image. Returns whether
 * the image is now here; a refusal is a warning, never an error.
 */
async function loadCheckedImage(tar, expected, ctx) {
    const { docker, log, signal } = ctx;
    const refuse = (why) => {
        log.warning(`The cached image archive was not used: ${why}; building instead.`);
        return false;
    };
    let loadStarted = false;
    try {
        const manifest = await archiveMember(tar, 'manifest.json', ctx);
        if (manifest === undefined)
            return refuse('it has no readable manifest.json');
        const verdict = checkImageArchive(expected.ref, manifest, await archiveMember(tar, 'index.json', ctx));
        if ('problem' in verdict)
            return refuse(verdict.problem);
        loadStarted = true;
        await docker.run(['load', '--input', tar], { debug: log.debug, signal });
        const problem = loadedImageProblem(expected, verdict.ids, await inspectLoaded(expected.ref, docker));
        if (!problem)
            return true;
        await docker.run(['image', 'rm', expected.ref], { allowFailure: true });
        return refuse(problem);
    }
    catch (error) {
        if (signal?.aborted)
            throw error;
        if (loadStarted)
            await docker.run(['image', 'rm', expected.ref], { allowFailure: true });
        return refuse(`loading it failed (${error.message})`);
    }
}

;// CONCATENATED MODULE: ./src/pipeline/image-published.ts
/**
 * The published image of an era, had by its digest: present here, or pulled
 * as `repository@sha256:…`. Either way it is used only when Docker records
 * exactly that repository and digest for it and it declares what the image
 * built from docker/ would: the era's label and the Dockerfile's Python.
 * Anything else is refused with the reason, and the build path follows.
 */




/** Why the image is not the published one expected, or undefined when it is. Pure. */
function publishedImageProblem(expected, seen) {
    if (!seen.repoDigests.some((d) => familiarRef(d) === familiarRef(expected.ref)))
        return `its RepoDigests ${JSON.stringify(seen.repoDigests)} do not include ${expected.ref}`;
    const era = seen.labels[ERA_LABEL];
    if (era !== expected.era)
        return `its label ${ERA_LABEL} is ${era === undefined ? 'missing' : `'${era}'`}, not '${expected.era}'`;
    const python = seen.env
        .find((e) => e.startsWith('ESP32_DEVEL_PYTHON='))
        ?.slice('ESP32_DEVEL_PYTHON='.length);
    if (python !== expected.python) {
        return `it declares ESP32_DEVEL_PYTHON=${python ?? '(nothing)'}, and docker/${ERA_IMAGES[expected.era].dockerfile} ${expected.python}`;
    }
    return undefined;
}
/** The fields of `docker image inspect`'s answer the checks read; undefined when absent. */
async function inspectImage(ref, docker) {
    if (!(await docker.hasImage(ref)))
        return undefined;
    const format = '{{json .RepoDigests}}\t{{json .Config.Labels}}\t{{json .Config.Env}}';
    const answer = await docker.run(['image', 'inspect', '--format', format, ref]);
    const [digests, labels, env] = answer.stdout.trim().split('\t');
    const parse = (json) => JSON.parse(json || 'null');
    return {
        repoDigests: parse(digests) ?? [],
        labels: parse(labels) ?? {},
        env: parse(env) ?? []
    };
}
/** The published image, if it is here by its digest and passes the checks (else removed). */
async function presentPublished(published, expected, ctx) {
    const seen = await inspectImage(published.ref, ctx.docker);
    if (!seen)
        return undefined;
    const problem = publishedImageProblem(expected, seen);
    if (!problem)
        return { ok: true };
    // Not left for the next run to find and refuse again.
    await ctx.docker.run(['image', 'rm', published.ref], { allowFailure: true });
    return { refused: `${published.ref} was refused: ${problem}` };
}
/** `docker pull repository@digest`, then the checks; a failure is a reason, never an error. */
async function pullPublished(published, expected, ctx) {
    const { docker, log, signal } = ctx;
    log.info(`Pulling the published image ${published.version} by digest: ${published.ref}`);
    try {
        await docker.run(['pull', published.ref], {
            debug: log.debug,
            onLine: (line) => log.output(line),
            signal
        });
    }
    catch (error) {
        if (error instanceof DockerError || signal?.aborted)
            throw error;
        const said = error.stderr?.trim();
        return {
            refused: `the pull of ${published.ref} failed: ${said ? lastLines(said, 1) : error.message}`
        };
    }
    const outcome = await presentPublished(published, expected, ctx);
    return outcome ?? { refused: `${published.ref} is not in the Docker engine after pulling it` };
}

;// CONCATENATED MODULE: ./src/pipeline/published.ts
/**
 * The images a release published: docker/published.json, beside the
 * Dockerfiles, which the release workflow writes and commits (the contract):
 *
 *   {"version": "v1.2.3" | null,
 *    "repository": "ghcr.io/<owner>/esp32-devel" | null,
 *    "images": {"bookworm"?: "sha256:<64 hex>", "idf4"?: "sha256:<64 hex>"}}
 *
 * A development checkout has {"version": null, "repository": null,
 * "images": {}}. The file is read strictly: anything else in it is an error
 * that names the file, never a pull of something unexpected.
 */





/** The file's name in docker/. */
const PUBLISHED_FILE = 'published.json';
const NO_PUBLISHED_IMAGES = { version: null, repository: null, images: {} };
/** A release's version: v1.2.3, with an optional pre-release (v1.2.3-rc.1). */
const published_VERSION_RE = /^v\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;
function isObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function checkKeys(what, value, allowed) {
    return Object.keys(value)
        .filter((key) => !allowed.includes(key))
        .map((key) => `${what} has an unknown key ${JSON.stringify(key)}`);
}
/** What is wrong with the file's content, each problem in words. Pure. */
function problems(data) {
    if (!isObject(data))
        return ['it is not a JSON object'];
    const found = checkKeys('it', data, ['version', 'repository', 'images']);
    const { version, repository, images } = data;
    if (version !== null && (typeof version !== 'string' || !published_VERSION_RE.test(version)))
        found.push(`"version" must be null or a release version such as "v1.2.3", not ${JSON.stringify(version)}`);
    if (repository !== null && (typeof repository !== 'string' || !isImageRepository(repository)))
        found.push(`"repository" must be null or an image repository without tag or digest, such as "ghcr.io/owner/esp32-devel", not ${JSON.stringify(repository)}`);
    if (!isObject(images))
        return [...found, '"images" must be an object of era: digest'];
    found.push(...checkKeys('"images"', images, Object.keys(ERA_IMAGES)));
    for (const [era, digest] of Object.entries(images)) {
        if (typeof digest !== 'string' || !isImageDigest(digest))
            found.push(`"images"."${era}" must be "sha256:" and 64 lowercase hex digits, not ${JSON.stringify(digest)}`);
    }
    if (Object.keys(images).length > 0 && (repository === null || version === null))
        found.push('images are listed, so "version" and "repository" must be set too');
    return found;
}
/** The file's content, checked; throws a DockerError naming `file`. Pure. */
function parsePublished(text, file) {
    let data;
    try {
        data = JSON.parse(text);
    }
    catch (error) {
        throw new DockerError(`${file} is not valid JSON (${error.message}).`);
    }
    const found = problems(data);
    if (found.length > 0) {
        throw new DockerError(`${file} is malformed: ${found.join('; ')}. It lists the images a release published; in a development checkout it is {"version": null, "repository": null, "images": {}}.`);
    }
    return data;
}
/** docker/published.json beside the Dockerfiles; none when the file is absent. */
async function readPublished(dockerDir) {
    const file = external_node_path_default().join(dockerDir, PUBLISHED_FILE);
    let text;
    try {
        text = await (0,promises_namespaceObject.readFile)(file, 'utf8');
    }
    catch (error) {
        if (error.code === 'ENOENT')
            return NO_PUBLISHED_IMAGES;
        throw new DockerError(`Could not read ${file}: ${error.message}`);
    }
    return parsePublished(text, file);
}
/** The era's published image, if the file lists one. Pure. */
function publishedImage(published, era) {
    const digest = published.images[era];
    if (!digest || !published.repository || !published.version)
        return undefined;
    const { repository, version } = published;
    return { version, repository, digest, ref: `${repository}@${digest}` };
}

;// CONCATENATED MODULE: ./src/pipeline/image-route.ts
/**
 * Which way the build image is had, decided once, in the plan: the ways are
 * tried in order at run time, the first that gives the image wins. Pure.
 *
 *   image: <reference>   the one named: present, else pulled
 *   image: build, with a published digest for the era (a released version)
 *                        the published image present by digest, else pulled
 *                        by digest; if that fails, the build path below
 *   image: build, otherwise (a development checkout, or image-build-args)
 *                        the image built from docker/: present, else the
 *                        Actions cache copy, else built
 */


/** The ways of having the image, in order. */
function imageRoute(input) {
    if (input.image !== 'build')
        return { steps: ['present', 'pull'] };
    const built = ['present', ...(input.cached ? ['actions-cache'] : []), 'build'];
    const published = publishedImage(input.published, input.era);
    if (!published)
        return { steps: built };
    const args = Object.keys(input.buildArgs);
    if (args.length > 0) {
        return {
            steps: built,
            passedOver: `image-build-args (${args.sort().join(', ')}) are given, and the published ${published.ref} was built without them`
        };
    }
    return { published, steps: ['published-present', 'pull-digest', ...built] };
}
/**
 * The steps the plan expects to take, given what is here: up to the first
 * image present, without the presence checks of images that are not.
 */
function expectedSteps(steps, presence) {
    const expected = [];
    for (const step of steps) {
        const here = step === 'published-present' ? presence.published : step === 'present' ? presence.image : undefined;
        if (here === false)
            continue;
        expected.push(step);
        if (here)
            break;
    }
    return expected;
}
/** The ways tried after a published image was not had, in words: what a warning says comes next. */
function fallbackWords(rest, era) {
    const dockerfile = `docker/${ERA_IMAGES[era].dockerfile}`;
    const ways = rest.flatMap((step) => {
        if (step === 'present')
            return ['the one here if present'];
        if (step === 'actions-cache')
            return ['the Actions cache copy'];
        if (step === 'build')
            return ['a build'];
        return [];
    });
    return `falling back to the image built from ${dockerfile}: ${ways.join(', else ')}`;
}

;// CONCATENATED MODULE: ./src/pipeline/image.ts












const IMAGE_NAME = 'esp32-devel';
/** What every era's image is built from besides its Dockerfile. */
const SHARED_INPUTS = ['entrypoint.sh'];

/** docker/ beside the bundle or the sources, wherever this file runs from. */
function findDockerDir(start = external_node_path_default().dirname((0,external_node_url_namespaceObject.fileURLToPath)(import.meta.url))) {
    for (let dir = start;; dir = external_node_path_default().dirname(dir)) {
        if ((0,external_node_fs_namespaceObject.existsSync)(external_node_path_default().join(dir, 'docker', 'Dockerfile')))
            return external_node_path_default().join(dir, 'docker');
        if (external_node_path_default().dirname(dir) === dir)
            throw new DockerError(`docker/Dockerfile was not found above ${start}.`);
    }
}
/** The tag of an era's image built from inputs with this hash. Pure. */
function imageRef(hash, era = 'bookworm') {
    return `${IMAGE_NAME}:${ERA_IMAGES[era].tagPrefix}${hash}`;
}
/**
 * The image's identity: a hash of its Dockerfile, the files it copies, its
 * build arguments and its refresh period (this week by default), so that it is
 * rebuilt each week with its distribution's security updates.
 */
async function imageInputsHash(dockerDir, era = 'bookworm', buildArgs = {}, period = imageRefreshPeriod(new Date())) {
    const hash = (0,external_node_crypto_namespaceObject.createHash)('sha256');
    for (const name of [ERA_IMAGES[era].dockerfile, ...SHARED_INPUTS]) {
        hash.update(`${name}\0`);
        hash.update(await (0,promises_namespaceObject.readFile)(external_node_path_default().join(dockerDir, name)));
        hash.update('\0');
    }
    for (const [name, value] of Object.entries(buildArgs).sort())
        hash.update(`--build-arg ${name}=${value}\0`);
    hash.update(`period ${period}\0`);
    return hash.digest('hex').slice(0, 16);
}
/**
 * The Python a Dockerfile declares (`ARG` or `ENV ESP32_DEVEL_PYTHON=x.y`,
 * which its build checks), unless a build argument says otherwise. Pure.
 */
function declaredPython(dockerfile, buildArgs = {}) {
    const given = buildArgs.ESP32_DEVEL_PYTHON;
    if (given !== undefined) {
        if (!/^\d+\.\d+$/.test(given)) {
            throw new DockerError(`The build argument ESP32_DEVEL_PYTHON must be major.minor, such as 3.8; got '${given}'.`);
        }
        return given;
    }
    const match = /^(?:ARG|ENV)\s+ESP32_DEVEL_PYTHON=(\d+\.\d+)\s*$/m.exec(dockerfile);
    if (!match) {
        throw new DockerError('The Dockerfile does not declare ARG ESP32_DEVEL_PYTHON=<major.minor>.');
    }
    return match[1];
}
/**
 * The argv (after `docker`) that builds an era's image. The refresh period is
 * a build argument too: a new one runs the Dockerfile's apt step again rather
 * than reusing its cached layer. Pure.
 */
function imageBuildArgs(ref, hash, req, period) {
    const args = [
        'build',
        '--force-rm',
        '--tag',
        ref,
        '--file',
        external_node_path_default().join(req.dockerDir, ERA_IMAGES[req.era].dockerfile),
        '--label',
        `${INPUTS_LABEL}=${hash}`,
        '--label',
        `${ERA_LABEL}=${req.era}`
    ];
    for (const [name, value] of Object.entries(req.buildArgs).sort())
        args.push('--build-arg', `${name}=${value}`);
    args.push('--build-arg', `ESP32_DEVEL_REFRESH=${period}`);
    if (req.network)
        args.push('--network', req.network);
    return [...args, req.dockerDir];
}
/**
 * The image to run and the ways of having it: the one named, or for image:
 * build the era's published image by digest when docker/published.json lists
 * one, then the era's own, tagged by its inputs' hash. Asks Docker only.
 */
async function planImage(req, docker, places) {
    if (req.image !== 'build') {
        const present = await docker.hasImage(req.image);
        const python = present ? await imagePython(req.image, docker) : undefined;
        if (python !== undefined)
            checkPython(req.image, python, req);
        const { steps } = imageRoute({ ...req, published: NO_PUBLISHED_IMAGES, cached: false });
        return {
            mode: 'pull',
            era: req.era,
            ref: req.image,
            runs: req.image,
            steps,
            present,
            python,
            needs: req.python
        };
    }
    const period = imageRefreshPeriod(req.now ?? new Date());
    const hash = await imageInputsHash(req.dockerDir, req.era, req.buildArgs, period);
    const ref = imageRef(hash, req.era);
    const dockerfile = await (0,promises_namespaceObject.readFile)(external_node_path_default().join(req.dockerDir, ERA_IMAGES[req.era].dockerfile), 'utf8');
    const route = imageRoute({
        ...req,
        published: await readPublished(req.dockerDir),
        cached: req.cached ?? false
    });
    const published = route.published && {
        ...route.published,
        present: await docker.hasImage(route.published.ref)
    };
    return {
        mode: 'build',
        era: req.era,
        ref,
        runs: published?.ref ?? ref,
        ...(published ? { published } : {}),
        ...(route.passedOver ? { passedOver: route.passedOver } : {}),
        steps: route.steps,
        python: declaredPython(dockerfile, req.buildArgs),
        present: await docker.hasImage(ref),
        build: {
            args: imageBuildArgs(ref, hash, req, period),
            cacheKey: imageKey(hash),
            tar: external_node_path_default().join(places.root, 'images', `${hash}.tar`),
            era: req.era,
            hash,
            period
        }
    };
}
/** An image given by name must have a Python the ESP-IDF installer works with. */
function checkPython(ref, python, req) {
    if (pythonFits(python, req.python))
        return;
    const needed = ERA_IMAGES[req.era].dockerfile;
    throw new DockerError(`The image ${ref} has Python ${python}, and this ESP-IDF needs ${describeRange(req.python)}: ${req.python.why}. ` +
        `Set image: build, which builds docker/${needed} for it, or name an image with such a Python.`);
}
/**
 * The image as planned: each of the plan's steps in turn until one gives it
 * (image-route.ts). A published image not had is a warning naming why and
 * what comes next; a failed build or pull of an image named is an error.
 */
async function obtainImage(plan, ctx) {
    let fallback;
    for (const [i, step] of plan.steps.entries()) {
        // The same digest is the same image: one refused when present is refused when pulled.
        if (fallback !== undefined && step === 'pull-digest')
            continue;
        const outcome = await takeStep(step, plan, ctx);
        if (outcome && 'refused' in outcome) {
            fallback = outcome.refused;
            ctx.log.warning(`The published image was not used: ${fallback}; ${fallbackWords(plan.steps.slice(i + 1), plan.era)}.`);
        }
        else if (outcome) {
            return fallback === undefined ? outcome : { ...outcome, fallback };
        }
    }
    throw new DockerError(`None of the ways planned gave the image ${plan.ref}: ${plan.steps.join(', ')}.`);
}
function takeStep(step, plan, ctx) {
    switch (step) {
        case 'published-present':
        case 'pull-digest':
            return publishedStep(step, plan, ctx);
        case 'present':
            return presentImage(plan, ctx);
        case 'actions-cache':
            return restoreImage(plan, plan.build, ctx);
        case 'build':
            return buildImage(plan, plan.build, ctx);
        case 'pull':
            return pull(plan.ref, ctx);
    }
}
async function publishedStep(step, plan, ctx) {
    const published = plan.published;
    const expected = { ref: published.ref, era: plan.era, python: plan.python };
    const present = step === 'published-present';
    const outcome = present
        ? await presentPublished(published, expected, ctx)
        : await pullPublished(published, expected, ctx);
    if (!outcome || 'refused' in outcome)
        return outcome;
    ctx.log.info(`${present ? 'Present' : 'Pulled'}: the published image ${published.version}, ${published.ref}`);
    return {
        ref: published.ref,
        python: plan.python,
        source: present ? 'published-present' : 'published-pulled',
        version: published.version
    };
}
async function presentImage(plan, ctx) {
    if (!(await ctx.docker.hasImage(plan.ref)))
        return undefined;
    ctx.log.info(`Image ${plan.ref} is present`);
    return { ref: plan.ref, python: plan.python ?? (await imagePython(plan.ref, ctx.docker)), source: 'local' };
}
async function restoreImage(plan, build, ctx) {
    if (!ctx.useCache || !ctx.cache.available)
        return undefined;
    ctx.log.info(`Restoring image from the Actions cache: ${build.cacheKey}`);
    if (!(await ctx.cache.restore([build.tar], build.cacheKey))) {
        ctx.log.info('Not in the Actions cache');
        return undefined;
    }
    try {
        if (!(await loadCheckedImage(build.tar, { ref: plan.ref, inputsHash: build.hash }, ctx)))
            return undefined;
        ctx.log.info(`Loaded ${plan.ref}`);
        return { ref: plan.ref, python: plan.python, source: 'actions-cache' };
    }
    finally {
        await (0,promises_namespaceObject.rm)(build.tar, { force: true });
    }
}
async function buildImage(plan, build, ctx) {
    const { docker, log, signal } = ctx;
    log.info(`Building ${plan.ref} from ${build.args[build.args.length - 1]}`);
    await docker.run(build.args, { debug: log.debug, onLine: (line) => log.output(line), signal });
    await pruneOlder(plan.ref, build.era, ctx);
    return {
        ref: plan.ref,
        python: plan.python,
        source: 'built',
        save: { kind: 'image', key: build.cacheKey, paths: [build.tar], image: plan.ref }
    };
}
async function pull(ref, ctx) {
    const { docker, log, signal } = ctx;
    log.info(`Pulling ${ref}`);
    try {
        await docker.run(['pull', ref], { debug: log.debug, onLine: (line) => log.output(line), signal });
    }
    catch (error) {
        if (error instanceof DockerError || signal?.aborted)
            throw error;
        throw new DockerError(`Could not pull ${ref}: ${error.message}\nCheck the reference and registry access, or set image: build to build the image from this action's Dockerfile.`);
    }
    return { ref, python: await imagePython(ref, docker), source: 'pulled' };
}
/** Older images of an era, built from other inputs: each takes hundreds of megabytes. */
async function pruneOlder(ref, era, ctx) {
    const listed = await ctx.docker.run(['image', 'ls', '--filter', `label=${ERA_LABEL}=${era}`, '--format', '{{.Repository}}:{{.Tag}}'], { allowFailure: true });
    const older = listed.stdout.split('\n').filter((line) => line.startsWith(`${IMAGE_NAME}:`) && line !== ref);
    for (const image of older) {
        // One still used by a container (another build running now) stays.
        const removed = await ctx.docker.run(['image', 'rm', image], { allowFailure: true });
        if (removed.code === 0)
            ctx.log.info(`Removed ${image}, an older image of this era`);
    }
}
/** An image's Python: its declared ESP32_DEVEL_PYTHON, else asked of python3. */
async function imagePython(ref, docker) {
    const inspect = await docker.run(['image', 'inspect', '--format', '{{json .Config.Env}}', ref]);
    const env = JSON.parse(inspect.stdout || '[]');
    const declared = (env ?? []).find((e) => e.startsWith('ESP32_DEVEL_PYTHON='));
    if (declared)
        return declared.split('=')[1];
    const probe = await docker.run([
        'run',
        '--rm',
        ...HARDENING,
        '--network',
        'none',
        '--entrypoint',
        'python3',
        ref,
        '-c',
        'import sys; print("%d.%d" % sys.version_info[:2])'
    ]);
    return probe.stdout.trim();
}

;// CONCATENATED MODULE: ./src/pipeline/mirrors.ts
function escapeRegex(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
function trustedHost(url) {
    return url.startsWith('http://') ? new URL(url).hostname : undefined;
}
/**
 * What the install container's environment gets for these mirrors. ESP-IDF
 * v4.x always adds https://dl.espressif.com/pypi as an extra index (its
 * idf_tools.py has it built in, and no variable rewrites it): with an
 * Espressif mirror, so with that host presumably unreachable, pip tries it
 * once per package instead of five times.
 */
function mirrorEnv(mirrors, idfMajor) {
    const env = {};
    const map = [];
    if (mirrors.github)
        map.push(`^${escapeRegex('https://github.com')},${mirrors.github}`);
    if (mirrors.espressif)
        map.push(`^${escapeRegex('https://dl.espressif.com')},${mirrors.espressif}`);
    if (map.length)
        env.IDF_MIRROR_PREFIX_MAP = map.join(';');
    if (mirrors.githubAssets)
        env.IDF_GITHUB_ASSETS = mirrors.githubAssets;
    const wheels = mirrors.pipWheels ?? (mirrors.espressif ? `${mirrors.espressif}/pypi` : undefined);
    if (mirrors.pipIndex)
        env.PIP_INDEX_URL = mirrors.pipIndex;
    if (wheels)
        env.IDF_PIP_WHEELS_URL = wheels;
    const trusted = [mirrors.pipIndex, wheels].flatMap((url) => (url ? [trustedHost(url)] : []));
    const hosts = [...new Set(trusted.filter((h) => h !== undefined))];
    if (hosts.length)
        env.PIP_TRUSTED_HOST = hosts.join(' ');
    if (idfMajor === 4 && mirrors.espressif)
        env.PIP_RETRIES = '1';
    return env;
}
/**
 * What the build containers get for a mirror of the component registry: the
 * manager asks its storage first (and a lock file's registry_url beats
 * IDF_COMPONENT_REGISTRY_URL), so both are set. Pure.
 */
function componentEnv(mirrors) {
    if (!mirrors.componentRegistry)
        return {};
    return {
        IDF_COMPONENT_REGISTRY_URL: mirrors.componentRegistry,
        IDF_COMPONENT_STORAGE_URL: mirrors.componentRegistry
    };
}
/** Which input mirrors a download host, for an error that says what to set. Pure. */
function mirrorInputFor(host) {
    if (host === 'github.com' || host.endsWith('.githubusercontent.com'))
        return 'idf-tools-mirror';
    if (host === 'dl.espressif.com')
        return 'espressif-mirror';
    if (host === 'pypi.org' || host === 'files.pythonhosted.org')
        return 'pip-index';
    if (host === 'components.espressif.com' || host === 'components-file.espressif.com') {
        return 'component-registry-mirror';
    }
    return undefined;
}
/** Lines of installer output that say a download failed. */
const DOWNLOAD_FAILED = /Failed to download|Download failure|urlopen error|Could not fetch URL|Max retries exceeded|Failed to establish a new connection|Temporary failure in name resolution|Could not find a version that satisfies|Network is unreachable/i;
/**
 * When install.sh failed for want of a download: the host it could not
 * reach and the input that mirrors it, in words. Pure.
 */
function downloadFailureHint(output) {
    const lines = output.split('\n').slice(-80);
    if (!lines.some((line) => DOWNLOAD_FAILED.test(line)))
        return undefined;
    const hosts = lines.flatMap((line) => [...line.matchAll(/\bhttps?:\/\/([A-Za-z0-9.-]+)/g)].map((m) => m[1]));
    const host = hosts.at(-1);
    if (!host)
        return undefined;
    const input = mirrorInputFor(host);
    return input
        ? `ESP-IDF's install.sh could not download from ${host}. If this machine cannot reach it, set ${input} to a mirror of it (the README's mirror table says which input covers which host).`
        : `ESP-IDF's install.sh could not download from ${host}: check that this mirror answers from inside the container (network input).`;
}
/**
 * When a build failed because the component manager could not reach the
 * registry (a cold cache, or one that lacks what the lock names): the
 * component, the host and the input that mirrors it. The manager reports
 * requests' error, `HTTPSConnectionPool(host='…', port=…): Max retries
 * exceeded with url: /components/<ns>/<name>.json`, or names the component
 * in `Cannot download component <ns>/<name>@<version>`. Pure.
 */
function componentFailureHint(output) {
    const lines = output.split('\n').slice(-120);
    const pool = lines
        .map((line) => /ConnectionPool\(host='([^']+)', port=(\d+)\): Max retries exceeded with url: (\S*)/.exec(line))
        .find((m) => m !== null);
    if (!pool)
        return undefined;
    const named = /\/components\/([\w.-]+)\/([\w.-]+)\.json/.exec(pool[3]) ??
        lines.map((line) => /Cannot download component ([\w.-]+)\/([\w.-]+)@/.exec(line)).find((m) => m !== null);
    const component = named ? `${named[1]}/${named[2]}` : 'a managed component';
    return `ESP-IDF's component manager could not reach ${pool[1]} (port ${pool[2]}) to fetch ${component}, and the component cache does not hold it yet. If this machine cannot reach the registry, set component-registry-mirror (--component-registry-mirror) to a mirror of components.espressif.com; a warm build with the cache restored needs no registry.`;
}

;// CONCATENATED MODULE: ./src/pipeline/resources.ts
/**
 * The plan's resources in words: for each thing a build needs, what it is,
 * where it lives, whether it is here, and how it will be had. Pure.
 */



const USE = 'use it as it is';
function builtIdentity(image) {
    const from = `built from docker/${ERA_IMAGES[image.era].dockerfile}, Python ${image.python}`;
    return `${image.ref} (${from}${image.build ? `, rebuilt weekly: ${image.build.period}` : ''})`;
}
function imageIdentity(image) {
    if (image.mode !== 'build')
        return image.ref;
    const { published } = image;
    if (published) {
        return `${published.ref} (published ${published.version} for the ${image.era} era, Python ${image.python}); if it cannot be had, ${builtIdentity(image)}`;
    }
    return `${builtIdentity(image)}${image.passedOver ? `; not the published image: ${image.passedOver}` : ''}`;
}
/** One way of having the image, in words, as it will run. */
function stepWords(step, image, first) {
    const { published, build } = image;
    const otherwise = first ? '' : 'otherwise ';
    switch (step) {
        case 'published-present':
            return USE;
        case 'pull-digest':
            return `pull it by digest: docker pull ${published.ref}; use it if Docker records that digest for it, its label ${ERA_LABEL} is ${image.era} and it declares ESP32_DEVEL_PYTHON=${image.python}`;
        case 'present':
            return `${otherwise}use ${image.ref}, which is here`;
        case 'actions-cache':
            return `${otherwise}restore ${build.tar} from the Actions cache (key ${build.cacheKey}) and docker load it if it holds that image and no other tag`;
        case 'build':
            return `${otherwise}build it (older images of its era are then removed): ${formatArgv('docker', build.args)}`;
        case 'pull':
            return `pull it: docker pull ${image.ref}`;
    }
}
function imageUnknown(steps) {
    const cache = 'whether the Actions cache has the image: a hit loads it, a miss builds it';
    if (steps.includes('pull-digest')) {
        return `whether the registry gives the published image and it passes the checks: if not, a warning says why and the next way is taken${steps.includes('actions-cache') ? `; ${cache}` : ''}`;
    }
    if (steps.includes('actions-cache'))
        return cache;
    if (steps.includes('pull'))
        return "its Python, asked once it is pulled (the ESP-IDF entry's key depends on it)";
    return undefined;
}
/** The image's resource: the ways of having it the plan expects to take, given what is here. */
function imageView(image) {
    const presence = { published: image.published?.present ?? false, image: image.present };
    const steps = expectedSteps(image.steps, presence);
    const present = steps.length === 1 && (steps[0] === 'published-present' || steps[0] === 'present');
    const view = {
        name: 'image',
        identity: imageIdentity(image),
        where: 'the Docker engine',
        presence: present ? 'present' : 'absent',
        steps: present ? [USE] : steps.map((step, i) => stepWords(step, image, i === 0))
    };
    const unknown = present ? undefined : imageUnknown(steps);
    return unknown ? { ...view, unknown } : view;
}
function toolchainView(tc, cached) {
    const view = {
        name: 'toolchain',
        identity: `xtensa-esp32-elf ${tc.version} (sha256 ${tc.sha256})`,
        where: tc.dir,
        presence: tc.present ? 'present' : 'absent',
        steps: [USE]
    };
    if (tc.present)
        return view;
    const download = `download ${tc.url}, check its SHA-256, extract it into the tool cache`;
    view.steps = cached ? [`restore from the Actions cache (key ${tc.cacheKey})`, download] : [download];
    if (cached)
        view.unknown = 'whether the Actions cache has it: a hit uses it, a miss downloads it';
    return view;
}
function idfView(idf, cached) {
    const install = idf.install ? [`run install.sh for ${idf.chips.join(',')} in the image`] : [];
    if (idf.offline !== undefined) {
        return {
            name: 'esp-idf',
            identity: `${idf.ref} from ${idf.repo} (not resolved)`,
            where: 'unknown until run',
            presence: 'unknown',
            steps: [
                'use the commit of the branch kept on this machine',
                ...(cached
                    ? ['restore the tag from the Actions cache', 'restore the newest cached commit of the branch']
                    : []),
                'otherwise fail: the repository is unreachable'
            ],
            unknown: `the repository could not be asked (${idf.offline}): what ${idf.ref} is, and which cached entry serves it`
        };
    }
    const remote = idf.remote;
    const view = {
        name: 'esp-idf',
        identity: `${idf.ref} (${remote.kind}${remote.kind === 'commit' ? '' : ` at ${remote.commit}`}) from ${idf.repo}`,
        where: idf.entry?.dir ?? 'unknown until run',
        presence: idf.entry ? (idf.present ? 'present' : 'absent') : 'unknown',
        steps: [USE]
    };
    if (idf.present)
        return view;
    const clone = `clone ${idf.repo} at ${idf.ref} with its submodules`;
    view.steps = [
        ...(idf.entry ? [] : [USE + ', if this machine has it']),
        ...(cached
            ? [`restore from the Actions cache (key ${idf.entry?.key ?? 'known once the Python is'})`]
            : []),
        clone,
        ...install
    ];
    if (!idf.entry)
        view.unknown = "the entry's directory and key: they depend on the pulled image's Python";
    else if (cached)
        view.unknown = 'whether the Actions cache has it: a hit uses it, a miss clones and installs';
    return view;
}
function ccacheView(cc, resolution, cached) {
    const view = {
        name: 'ccache',
        identity: `ESP-IDF ${resolution.idf.ref}, board ${resolution.board || '(default)'}${resolution.boardVariant ? ` variant ${resolution.boardVariant}` : ''}`,
        where: cc.dir,
        presence: cc.present ? 'present' : 'absent',
        steps: [USE]
    };
    if (cc.present)
        return view;
    view.steps = cached
        ? [`restore the newest entry whose key starts with ${cc.restoreKeys[0]}`, 'otherwise start empty']
        : ['start empty'];
    if (cached)
        view.unknown = 'whether the Actions cache has one: a hit starts warm, a miss cold';
    return view;
}
function componentsView(plan, cached) {
    const view = {
        name: 'components',
        identity: `the component manager's downloads for ${plan.files.join(', ')}`,
        where: plan.dir,
        presence: plan.present ? 'present' : 'absent',
        steps: [
            plan.offline
                ? `use it: it holds everything the lock names, so the build runs without the registry (${plan.offline.hosts.join(', ') || 'storage'} unreachable)`
                : 'use it; the build asks the registry for what it lacks'
        ]
    };
    if (plan.present)
        return view;
    view.steps = cached
        ? [`restore from the Actions cache (key ${plan.key})`, 'otherwise the build downloads them']
        : ['the build downloads them'];
    if (cached) {
        view.unknown =
            'whether the Actions cache has them: a hit that holds everything the lock names builds without the registry, a miss downloads everything';
    }
    return view;
}
function describeResources(plan) {
    const cached = plan.cache.available;
    const views = [imageView(plan.image)];
    if (plan.toolchain)
        views.push(toolchainView(plan.toolchain, cached));
    views.push(idfView(plan.idf, cached));
    if (plan.ccache)
        views.push(ccacheView(plan.ccache, plan.resolution, cached));
    if (plan.components)
        views.push(componentsView(plan.components, cached));
    return views;
}

;// CONCATENATED MODULE: ./src/pipeline/stale-containers.ts
/**
 * Every container this tool starts is labelled with the run that started it.
 * A run killed outright (kill -9, a runner that lost its machine) cannot
 * remove its container, and a `docker run` client that dies leaves the
 * container running: the next run removes those.
 */

/** The label every container of this tool carries; the others are `LABEL.<what>`. */
const LABEL = 'esp32-micropython-build';
/**
 * How old a container of another machine (or of a process that may have been
 * reused) must be to count as left behind: longer than any job runs on GitHub.
 */
const STALE_AFTER_MINUTES = 6 * 60;
/** The labels of a container the run starts. Pure. */
function containerLabels(run) {
    return labelsOf({ run: run.run, pid: String(run.pid), host: run.host, started: String(run.started) });
}
/** The same labels, as a plan shows them before the run. Pure. */
function plannedLabels() {
    return labelsOf({ run: '<run>', pid: '<pid>', host: '<host>', started: '<start>' });
}
function labelsOf(values) {
    const labels = { [LABEL]: '1' };
    for (const [what, value] of Object.entries(values))
        labels[`${LABEL}.${what}`] = value;
    return labels;
}
const FIELDS = ['run', 'pid', 'host', 'started'];
/** The `docker ps` that lists them, one tab-separated line each. */
const LIST_ARGS = [
    'ps',
    '--all',
    '--no-trunc',
    '--filter',
    `label=${LABEL}`,
    '--format',
    ['{{.ID}}', ...FIELDS.map((f) => `{{.Label "${LABEL}.${f}"}}`)].join('\t')
];
/** `docker ps` output, read. Pure. */
function parseContainerList(stdout) {
    const number = (text) => (text && /^\d+$/.test(text) ? Number(text) : undefined);
    return stdout
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => {
        const [id, run = '', pid, host = '', started] = line.split('\t');
        return { id, run, pid: number(pid), host, started: number(started) };
    });
}
/**
 * Why a container is left behind, or undefined while its run may still be
 * going: its process on this machine is gone, or it is older than any run.
 * Pure.
 */
function staleReason(container, self, now, alive) {
    const here = container.host === self.host;
    if (here && container.pid === self.pid)
        return undefined;
    if (here && container.pid !== undefined && !alive(container.pid)) {
        return `its process ${container.pid} is gone`;
    }
    if (container.started !== undefined && now - container.started > STALE_AFTER_MINUTES * 60_000) {
        return `it started ${Math.round((now - container.started) / 60_000)} minutes ago`;
    }
    return undefined;
}
/** Remove the containers earlier runs left behind. A failure here is only a debug line. */
async function removeStaleContainers(docker, self, log, alive = processAlive) {
    const listed = await docker.run(LIST_ARGS, { allowFailure: true, debug: log.debug }).catch(() => undefined);
    if (!listed || listed.code !== 0) {
        log.debug(`Could not list this tool's containers: ${listed?.stderr.trim() ?? 'docker did not run'}`);
        return [];
    }
    const removed = [];
    for (const container of parseContainerList(listed.stdout)) {
        const why = staleReason(container, self, Date.now(), alive);
        if (!why)
            continue;
        await docker.remove(container.id);
        log.info(`Removed container ${container.id.slice(0, 12)} of run ${container.run || '?'} on ${container.host || '?'}, left behind: ${why}`);
        removed.push(container.id);
    }
    return removed;
}

;// CONCATENATED MODULE: external "node:stream"
const external_node_stream_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream");
;// CONCATENATED MODULE: external "node:stream/promises"
const external_node_stream_promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream/promises");
;// CONCATENATED MODULE: ./src/pipeline/download.ts









const DEFAULT_RETRY = { attempts: 4, baseDelayMs: 1000, maxDelayMs: 60_000 };
/** A download that could not be completed; says which URL. */
class DownloadError extends Error {
    constructor(message) {
        super(message);
        this.name = 'DownloadError';
    }
}
/** One failed attempt: why, whether another may succeed, and how long the server asked us to wait. */
class AttemptFailure extends Error {
    reason;
    transient;
    retryAfterMs;
    constructor(reason, transient, retryAfterMs) {
        super(reason);
        this.reason = reason;
        this.transient = transient;
        this.retryAfterMs = retryAfterMs;
    }
}
/** Whether an HTTP status may go away if asked again: server errors, a timeout, too many requests. Pure. */
function isTransientStatus(status) {
    return status >= 500 || status === 408 || status === 429;
}
/** A Retry-After header in seconds, as milliseconds (an HTTP date or anything else: undefined). Pure. */
function retryAfterMs(header) {
    return header !== null && /^\s*\d+\s*$/.test(header) ? Number(header) * 1000 : undefined;
}
/**
 * The wait before attempt `attempt + 1`: what the server asked for, or
 * baseDelayMs doubled per attempt with up to a quarter more at random (so
 * runs that failed together do not come back together); never over
 * maxDelayMs. Pure.
 */
function retryDelay(attempt, policy, serverAskedMs, random) {
    const backoff = policy.baseDelayMs * 2 ** (attempt - 1) * (1 + random / 4);
    return Math.round(Math.min(serverAskedMs ?? backoff, policy.maxDelayMs));
}
function errorCode(error) {
    const cause = error.cause;
    return cause?.code ?? cause?.message ?? error.message ?? String(error);
}
/** One attempt: the response streamed into `partial`, hashed; renamed to `file` only when whole. */
async function attempt(url, file, signal, options) {
    const partial = partialName(file);
    let response;
    try {
        response = await fetch(url, { signal, redirect: 'follow' });
    }
    catch (error) {
        if (signal.aborted)
            throw error;
        throw new AttemptFailure(`could not connect: ${errorCode(error)}`, true);
    }
    if (!response.ok || !response.body) {
        await response.body?.cancel().catch(() => undefined);
        const status = `HTTP ${response.status} ${response.statusText}`.trim();
        const asked = retryAfterMs(response.headers.get('retry-after'));
        throw new AttemptFailure(status, isTransientStatus(response.status), asked);
    }
    const total = Number(response.headers.get('content-length')) || undefined;
    const hash = (0,external_node_crypto_namespaceObject.createHash)('sha256');
    let received = 0;
    const meter = new external_node_stream_namespaceObject.Transform({
        transform(chunk, _encoding, callback) {
            hash.update(chunk);
            received += chunk.length;
            options.onProgress?.({ received, total });
            callback(null, chunk);
        }
    });
    try {
        const body = external_node_stream_namespaceObject.Readable.fromWeb(response.body);
        await (0,external_node_stream_promises_namespaceObject.pipeline)(body, meter, (0,external_node_fs_namespaceObject.createWriteStream)(partial));
        if (total !== undefined && received !== total) {
            throw new AttemptFailure(`the body ended early: got ${received} of ${total} bytes`, true);
        }
    }
    catch (error) {
        await (0,promises_namespaceObject.rm)(partial, { force: true });
        if (error instanceof AttemptFailure || signal.aborted)
            throw error;
        throw new AttemptFailure(`the body broke off after ${received} bytes: ${errorCode(error)}`, true);
    }
    await (0,promises_namespaceObject.rename)(partial, file).catch(async (error) => {
        await (0,promises_namespaceObject.rm)(partial, { force: true });
        throw error;
    });
    return { file, sha256: hash.digest('hex'), size: received };
}
/**
 * Downloads `url` to `file`, hashing as it streams. The bytes land in a
 * staging sibling (partials.ts) and are renamed into place only when
 * complete, so an interrupted download never leaves a file that looks
 * finished. A transient failure (no connection, a body that breaks off,
 * HTTP 5xx, 408, 429) is tried again, a bounded number of times with a
 * growing wait; any other fails at once. Cancelling `signal` stops at once,
 * waits included, with an AbortError.
 */
async function download(url, file, options = {}) {
    const policy = { ...DEFAULT_RETRY, ...options.retry };
    const timeoutMs = options.timeoutMs ?? 15 * 60_000;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
    await (0,promises_namespaceObject.mkdir)(external_node_path_default().dirname(file), { recursive: true });
    const stopped = (error) => {
        if (options.signal?.aborted)
            return new AbortError(`Downloading ${url} was cancelled`, { cause: error });
        return new DownloadError(`Downloading ${url} took longer than ${Math.round(timeoutMs / 1000)} s`);
    };
    for (let n = 1;; n++) {
        let failure;
        try {
            return await attempt(url, file, signal, options);
        }
        catch (error) {
            if (signal.aborted)
                throw stopped(error);
            if (!(error instanceof AttemptFailure))
                throw error;
            failure = error;
        }
        const tries = n === 1 ? '1 attempt' : `${n} attempts`;
        if (!failure.transient || n >= policy.attempts) {
            throw new DownloadError(`Downloading ${url} failed after ${tries}: ${failure.reason}`);
        }
        const delayMs = retryDelay(n, policy, failure.retryAfterMs, Math.random());
        options.onRetry?.(n, failure.reason, delayMs);
        try {
            await (0,external_node_timers_promises_namespaceObject.setTimeout)(delayMs, undefined, { signal });
        }
        catch (error) {
            throw stopped(error);
        }
    }
}

;// CONCATENATED MODULE: ./src/pipeline/toolchain.ts








const TOOL_NAME = 'xtensa-esp32-elf';
const TOOL_ARCH = 'x64';
class ToolchainError extends Error {
    constructor(message) {
        super(message);
        this.name = 'ToolchainError';
    }
}
function hasCompiler(dir) {
    return dir !== undefined && (0,external_node_fs_namespaceObject.existsSync)(external_node_path_default().join(dir, 'bin', `${TOOL_NAME}-gcc`));
}
/**
 * Where the legacy Xtensa toolchain comes from. Refuses, before anything is
 * fetched, a machine it cannot run on and an archive with no known checksum.
 */
function planToolchain(spec, tools, arch = process.arch) {
    if (arch !== 'x64') {
        throw new ToolchainError(`Legacy builds (ESP-IDF v3) use the ${TOOL_NAME} ${spec.version} toolchain, which exists for x86-64 Linux only, and this machine is ${arch}. Use an x86-64 runner, or a MicroPython release of v1.15 or later, whose ESP-IDF installs tools for ${arch}.`);
    }
    const sha256 = spec.sha256;
    if (!sha256) {
        throw new ToolchainError(`No checksum is known for the ${TOOL_NAME} toolchain ${spec.version}: set toolchain-sha256 to the SHA-256 of ${spec.url}.`);
    }
    const storeVersion = toolCacheVersion(spec.version, sha256);
    const dir = tools.dir(TOOL_NAME, storeVersion, TOOL_ARCH);
    return {
        version: spec.version,
        url: spec.url,
        sha256,
        storeVersion,
        dir,
        present: hasCompiler(tools.find(TOOL_NAME, storeVersion, TOOL_ARCH)),
        cacheKey: toolchainKey(spec.version, sha256),
        cachePaths: [dir, `${dir}.complete`]
    };
}
/**
 * The legacy Xtensa toolchain as planned: the tool store, then the Actions
 * cache, then a download whose SHA-256 must match before anything is stored.
 * One run at a time per tool store entry: a run that waited looks again, and
 * finds what the other one stored.
 */
async function obtainToolchain(plan, ctx) {
    const what = `the ${TOOL_NAME} ${plan.version} toolchain in the tool cache`;
    const lock = await entry_lock_lockEntry(plan.dir, { what, log: ctx.log, signal: ctx.signal });
    try {
        return await toolchain_obtainLocked(plan, ctx);
    }
    finally {
        await lock.release();
        // A failed run leaves no trace in the tool cache: not even the directories its lock made.
        if (!hasCompiler(plan.dir))
            await removeEmptyParents(plan.dir);
    }
}
/**
 * The entry's version and tool directories (<store>/<tool>/<version>/<arch>),
 * each removed only if empty: another run may be filling them.
 */
async function removeEmptyParents(dir) {
    const versionDir = external_node_path_default().dirname(dir);
    const toolDir = external_node_path_default().dirname(versionDir);
    if (external_node_path_default().basename(toolDir) !== TOOL_NAME)
        return;
    for (const candidate of [versionDir, toolDir]) {
        try {
            await (0,promises_namespaceObject.rmdir)(candidate);
        }
        catch {
            return;
        }
    }
}
async function toolchain_obtainLocked(plan, ctx) {
    const { log, tools } = ctx;
    const base = { version: plan.version, sha256: plan.sha256 };
    log.info(`Looking for ${TOOL_NAME} ${plan.version} in the tool cache`);
    const found = tools.find(TOOL_NAME, plan.storeVersion, TOOL_ARCH);
    if (hasCompiler(found)) {
        log.info(`Found in the tool cache: ${found}`);
        return { ...base, dir: found, source: 'tool-cache' };
    }
    if (ctx.useCache && ctx.cache.available) {
        log.info(`Restoring from the Actions cache: ${plan.cacheKey}`);
        const hit = await ctx.cache.restore(plan.cachePaths, plan.cacheKey);
        const restored = hit ? tools.find(TOOL_NAME, plan.storeVersion, TOOL_ARCH) : undefined;
        if (hasCompiler(restored)) {
            log.info(`Restored from the Actions cache: ${restored}`);
            return { ...base, dir: restored, source: 'actions-cache' };
        }
        log.info('Not in the Actions cache');
    }
    const dir = await downloadToolchain(plan, ctx);
    log.info(`Added to the tool cache: ${dir}`);
    const save = {
        kind: 'toolchain',
        key: plan.cacheKey,
        paths: plan.cachePaths,
        ready: plan.cachePaths[1]
    };
    return { ...base, dir, source: 'download', save };
}
/** The archive, downloaded (tried again on transient failures) and checked against its SHA-256. */
async function fetchArchive(plan, archive, ctx) {
    const { log } = ctx;
    log.info(`Downloading ${plan.url}`);
    let got;
    try {
        got = await download(plan.url, archive, {
            onProgress: ctx.onProgress,
            signal: ctx.signal,
            retry: ctx.retry,
            onRetry: (attempt, reason, delayMs) => log.warning(`Download attempt ${attempt} of ${plan.url} failed (${reason}); trying again in ${(delayMs / 1000).toFixed(1)} s`)
        });
    }
    catch (error) {
        if (!(error instanceof DownloadError))
            throw error;
        throw new ToolchainError(`${error.message}. If this machine cannot reach it, put the archive on a server it can reach and set toolchain-url (and toolchain-sha256).`);
    }
    log.info(`Verifying SHA-256 (${got.size} bytes)`);
    if (got.sha256 !== plan.sha256) {
        throw new ToolchainError(`SHA-256 mismatch for ${plan.url}: expected ${plan.sha256}, got ${got.sha256}. The download is corrupt or the URL serves another file; nothing was cached. Check toolchain-url and toolchain-sha256.`);
    }
}
async function downloadToolchain(plan, ctx) {
    // A staging name (host, pid): what a killed run leaves here, the next run's sweep removes.
    const work = partialName(external_node_path_default().join(ctx.places.temp, `toolchain-${plan.storeVersion}`));
    await (0,promises_namespaceObject.rm)(work, { recursive: true, force: true });
    await (0,promises_namespaceObject.mkdir)(work, { recursive: true });
    try {
        const archive = external_node_path_default().join(work, external_node_path_default().basename(new URL(plan.url).pathname) || 'toolchain.tar.gz');
        await fetchArchive(plan, archive, ctx);
        ctx.log.info('Extracting');
        const extracted = external_node_path_default().join(work, 'x');
        await extract(archive, extracted, ctx);
        const root = [external_node_path_default().join(extracted, TOOL_NAME), extracted].find(hasCompiler);
        if (!root) {
            throw new ToolchainError(`The archive from ${plan.url} has no ${TOOL_NAME}/bin/${TOOL_NAME}-gcc: is it an ESP32 Xtensa toolchain for Linux?`);
        }
        return await ctx.tools.add(root, TOOL_NAME, plan.storeVersion, TOOL_ARCH);
    }
    finally {
        await (0,promises_namespaceObject.rm)(work, { recursive: true, force: true });
    }
}
/** tar's flag for an archive's compression, from its name. Pure. */
function tarCompression(archive) {
    if (/\.(tar\.xz|txz)$/.test(archive))
        return '-J';
    if (/\.(tar\.bz2|tbz2?)$/.test(archive))
        return '-j';
    return '-z';
}
async function extract(archive, dest, ctx) {
    await (0,promises_namespaceObject.mkdir)(dest, { recursive: true });
    const options = { debug: ctx.log.debug, signal: ctx.signal };
    if (archive.endsWith('.zip'))
        await run('unzip', ['-q', '-o', archive, '-d', dest], options);
    else
        await run('tar', ['-x', tarCompression(archive), '-f', archive, '-C', dest], options);
}

;// CONCATENATED MODULE: ./src/pipeline/plan.ts
















/** The run-specific values a plan holds in place of the real ones. */
const RUN_SPECIFIC = [
    'containers[].spec.name (each run names its containers afresh)',
    'containers[].spec.labels (the run, its process, machine and start time)',
    'the read-only .git mounts (looked for again before each container: a submodule updated on this machine brings one)',
    'the ccache save key (it ends in the run id)',
    'download and clone staging paths (under the scratch directory, and .partial-<host>-<pid> siblings)'
];
const ARTIFACTS_COPY = 'the directory the artifacts are copied to (a fresh artifacts-XXXXXX in artifacts.copyTo)';
/** A path shown where the ESP-IDF entry is not known before the run. */
const UNKNOWN_IDF_DIR = '/unknown-until-run/esp-idf-entry';
/** The caches the build itself writes (CMake builds): ccache, and the component manager's downloads. */
async function planBuildCaches(inputs, resolution, root, scope) {
    if (resolution.buildSystem !== 'cmake')
        return {};
    const ccache = inputs.ccache
        ? await planCcache({
            repo: inputs.idfRepo,
            ref: resolution.idf.ref,
            chips: resolution.chips,
            board: resolution.board,
            variant: resolution.boardVariant
        }, root, scope)
        : undefined;
    const components = await planComponents(inputs.micropythonPath, { idfRef: resolution.idf.ref, chips: resolution.chips, registry: inputs.mirrors.componentRegistry }, root, scope);
    return { ccache, components };
}
/** Plans a goal for a resolved tree. Writes nothing. */
async function makePlan(inputs, resolution, goal, env) {
    const engine = await env.docker.check();
    const image = await planImage({ ...imageRequest(inputs, env.dockerDir, resolution), cached: inputs.cache && env.cache.available }, env.docker, env.places);
    const toolchain = resolution.toolchain ? planToolchain(resolution.toolchain, env.tools) : undefined;
    const idf = await planIdf({
        repo: inputs.idfRepo,
        ...(inputs.idfRepoCredentials ? { credentials: inputs.idfRepoCredentials } : {}),
        ref: resolution.idf.ref,
        chips: resolution.chips,
        install: resolution.buildSystem === 'cmake'
    }, image.python, env);
    const scope = cacheScope(inputs.buildCachePolicy, env.run ?? {});
    const { ccache, components } = await planBuildCaches(inputs, resolution, env.places.root, scope);
    const settings = await containerSettings(inputs, resolution, env);
    const cache = {
        use: inputs.cache,
        available: inputs.cache && env.cache.available,
        ccache: inputs.ccache,
        scope
    };
    const core = { goal, resolution, engine, cache, image, toolchain, idf, ccache, components, settings };
    const artifacts = goal.kind === 'build'
        ? planArtifacts(settings.tree, resolution.buildDir, resolution.buildSystem, env.places.artifacts)
        : undefined;
    return {
        ...core,
        artifacts,
        resources: describeResources(core),
        containers: plannedContainers(core, {
            idfPath: idf.entry?.idfPath ?? entryPaths(UNKNOWN_IDF_DIR).idfPath,
            toolsPath: idf.entry?.toolsPath ?? entryPaths(UNKNOWN_IDF_DIR).toolsPath,
            idfEntry: idf.entry ? { dir: idf.entry.dir, key: idf.entry.key } : undefined,
            toolchainDir: toolchain?.dir,
            ccacheDir: ccache?.dir,
            componentsDir: components?.dir,
            componentsOffline: components?.offline,
            gitEntries: protectedPaths(await findGitEntries([inputs.micropythonPath]))
        }),
        runSpecific: artifacts?.copyTo ? [...RUN_SPECIFIC, ARTIFACTS_COPY] : RUN_SPECIFIC
    };
}
/** The containers' settings: the inputs', and their users (the log says who, when not simply this process's). */
async function containerSettings(inputs, resolution, env) {
    const users = containerUsers(env.user, await treeOwner(inputs.micropythonPath));
    if (users.note)
        env.log.info(users.note);
    return {
        tree: inputs.micropythonPath,
        mountRoot: env.mountRoot,
        jobs: inputs.jobs,
        makeArgs: inputs.makeArgs,
        targets: inputs.targets,
        user: users.build,
        installUser: users.install,
        ...(env.hostPaths ? { hostPaths: env.hostPaths } : {}),
        network: inputs.network,
        mirrorEnv: mirrorEnv(inputs.mirrors, idfVersionOfRef(resolution.idf.ref)?.major),
        componentEnv: componentEnv(inputs.mirrors)
    };
}
/** The image a resolved tree needs: its era's, built with the inputs' build arguments, or the one named. Pure. */
function imageRequest(inputs, dockerDir, needs) {
    return {
        image: inputs.image,
        dockerDir,
        network: inputs.network,
        era: imageEra(needs.buildSystem, needs.idf.ref),
        buildArgs: inputs.imageBuildArgs,
        python: pythonRange(needs.buildSystem, needs.idf.ref)
    };
}
/** The build container's inputs: the plan's settings and the resources' paths. Pure. */
function buildPlanOf(plan, paths, serial) {
    return {
        ...plan.settings,
        resolution: plan.resolution,
        image: plan.image.runs,
        ...paths,
        serial
    };
}
/** A make step's full argv: the resolved board first when asked. Pure. */
function makeStepArgs(step, resolution) {
    return step.board ? [...boardArgs(resolution), ...step.args] : step.args;
}
/**
 * Where the port's `make submodules` is asked, if at all, and make's arguments
 * for the make step after it (none: no make step). A build asks whenever the
 * port has the target; a make (the esp32 alias) when `submodules` is among
 * its goals, and then runs make only for the other goals. Pure.
 */
function splitSubmodules(plan, step) {
    const { goal, resolution, settings } = plan;
    const makeArgs = step ? makeStepArgs(step, resolution) : undefined;
    if (goal.kind === 'build') {
        const args = ['-C', 'ports/esp32', ...boardArgs(resolution)];
        return { ask: resolution.portSubmodules ? { cwd: settings.tree, args } : undefined, make: makeArgs };
    }
    if (!step || !makeArgs)
        return {};
    const goals = makeGoalIndices(makeArgs);
    if (!goals.some((i) => makeArgs[i] === 'submodules'))
        return { make: makeArgs };
    const others = goals.some((i) => makeArgs[i] !== 'submodules');
    return {
        ask: { cwd: step.cwd, args: makeArgs.filter((_, i) => !goals.includes(i)) },
        make: others ? makeArgs.filter((arg, i) => arg !== 'submodules' || !goals.includes(i)) : undefined
    };
}
/**
 * Every container the goal runs, in order, with its full argv. The plan
 * and the run both make them with this one function: the plan with what it
 * knows, the run with the paths it prepared. Pure.
 */
function plannedContainers(plan, paths) {
    const { goal, resolution, settings } = plan;
    const containers = [];
    if (plan.idf.install && !plan.idf.present) {
        containers.push({
            role: 'install',
            title: `ESP-IDF tools for ${resolution.chips.join(', ')}`,
            when: plan.idf.entry
                ? 'when ESP-IDF is cloned (not found here or in the Actions cache)'
                : 'when ESP-IDF is cloned',
            spec: installContainer({
                image: plan.image.runs,
                idfPath: paths.idfPath,
                toolsPath: paths.toolsPath,
                chips: resolution.chips,
                mirrorEnv: settings.mirrorEnv,
                user: settings.installUser,
                hostPaths: settings.hostPaths,
                network: settings.network
            }, 'esp32-build-install-<run>')
        });
    }
    const step = goal.kind === 'build' ? goal.then : goal.kind === 'make' ? goal.step : undefined;
    const { ask, make } = splitSubmodules(plan, step);
    if (ask) {
        containers.push({
            role: 'submodules',
            title: 'The submodules the port needs',
            then: 'git submodule sync and update --init of the paths it names, on this machine (no fsmonitor, no hooks, no file:// unless the tree is a local clone)',
            spec: submodulesContainer(buildPlanOf(plan, paths), ask.cwd, ask.args, 'esp32-build-submodules-<run>')
        });
    }
    if (goal.kind === 'build') {
        containers.push({
            role: 'build',
            title: 'Build the firmware',
            spec: buildContainer(buildPlanOf(plan, paths), 'esp32-build-make-<run>')
        });
    }
    if (step && make) {
        containers.push({
            role: 'make',
            title: step.title,
            spec: makeContainer(buildPlanOf(plan, paths, step.serial), step.cwd, make, 'esp32-build-make-<run>')
        });
    }
    return containers.map((c) => {
        const spec = { ...c.spec, labels: plannedLabels() };
        return { ...c, spec, argv: ['docker', ...dockerRunArgs(spec)] };
    });
}

;// CONCATENATED MODULE: ./src/pipeline/execute.ts
/**
 * The run: executes a plan. Its only inputs are the plan and what it learns
 * as it goes (a restore's hit, a pulled image's Python, the commit a clone
 * got); it never reads the options again and never decides anew.
 */



















async function timed(durations, name, fn) {
    const start = performance.now();
    try {
        return await fn();
    }
    finally {
        durations[name] = Math.round(performance.now() - start);
    }
}
/** Runs the plan: prepares its resources, then runs its containers in order. */
async function execute_execute(plan, env, durations = {}) {
    const self = { run: env.runId, pid: process.pid, host: external_node_os_default().hostname(), started: Date.now() };
    await removeStaleContainers(env.docker, self, env.progress.log);
    const prepared = await prepareResources(plan, env, durations);
    const { makeMs, artifacts } = await runContainers(plan, prepared, { ...env, self }, durations);
    return { ...prepared, plan, artifacts, saves: pendingSaves(plan, prepared, env.runId), makeMs };
}
/** The caches the build writes into (mounted read-write). */
function buildCaches(prepared) {
    return [prepared.ccache?.dir, prepared.components?.dir].filter((d) => d !== undefined);
}
/** The host directories a container of this role may write besides its own scratch. */
function writableRoots(role, plan, prepared) {
    return role === 'install' ? [] : [plan.settings.tree, ...buildCaches(prepared)];
}
/**
 * The containers as planned, with the paths the run prepared and what the
 * plan could not know: whether install.sh has to run, and the `.git`
 * entries in the tree just before each container (each is mounted
 * read-only; one that a container created is removed after it).
 */
async function runContainers(plan, prepared, env, durations) {
    const known = {
        ...plan,
        // The image had: the published one, or the fallback when it was not.
        image: { ...plan.image, runs: prepared.image.ref },
        idf: { ...plan.idf, present: !prepared.idf.needsInstall }
    };
    const paths = {
        idfPath: prepared.idf.idfPath,
        toolsPath: prepared.idf.toolsPath,
        idfEntry: { dir: prepared.idf.dir, key: prepared.idf.key },
        toolchainDir: prepared.toolchain?.dir,
        ccacheDir: prepared.ccache?.dir,
        componentsDir: prepared.components?.dir,
        componentsOffline: prepared.components?.offline
    };
    let makeMs;
    let artifacts;
    try {
        const count = plannedContainers(known, paths).length;
        // This process, as root, made or restored the caches the build writes: they must be the build
        // user's, whoever wrote them last (root in a container has no capability to override permissions).
        const { installUser, user } = plan.settings;
        if (installUser?.uid === 0 && user)
            await handOver(buildCaches(prepared), user);
        for (let i = 0; i < count; i++) {
            const gitBefore = await findGitEntries([plan.settings.tree]);
            const container = plannedContainers(known, { ...paths, gitEntries: protectedPaths(gitBefore) })[i];
            let output;
            try {
                output = await runPlanned(container, prepared, env, durations);
            }
            finally {
                const roots = writableRoots(container.role, plan, prepared);
                if (roots.length)
                    await removePlantedGit(gitBefore, roots, env.progress.log);
            }
            if (container.role === 'install') {
                await pruneInstall(prepared.idf);
                await markComplete(prepared.idf, plan.idf.chips);
            }
            if (container.role === 'submodules')
                await submodulesOnHost(output, plan, env);
            if (container.role === 'build') {
                makeMs = makeDuration(output);
                if (prepared.components) {
                    await keepComponents(prepared.components.dir, plan.settings.tree, plan.components.chips, env.progress.log);
                }
                // Before anything runs after the build (a deploy): only regular files count.
                artifacts = await builtFirmware(plan, env);
            }
        }
    }
    finally {
        await releaseLocks(prepared);
    }
    return { makeMs, artifacts };
}
/**
 * The locks the resources hold: ESP-IDF's while install.sh runs (given up
 * by markComplete, or here when it failed); ccache's and the component
 * cache's while any container may write them.
 */
async function releaseLocks(prepared) {
    await Promise.all([
        prepared.idf?.lock?.release(),
        prepared.ccache?.lock?.release(),
        prepared.components?.lock?.release()
    ]);
}
/** The tree's owner, when the build runs as that user rather than as this process's. */
function asOwner(plan) {
    const { user, installUser } = plan.settings;
    if (!user || !installUser)
        return undefined;
    return user.uid !== installUser.uid || user.gid !== installUser.gid ? user : undefined;
}
/** The submodules the port named in its container, updated on this machine. */
async function submodulesOnHost(output, plan, env) {
    const tree = plan.settings.tree;
    const { paths, refused } = requestedSubmodules(output, containerPath(tree, plan.settings.hostPaths));
    await env.progress.phase('Update the submodules', async (log) => {
        for (const name of refused)
            log.warning(`Ignored a submodule the port named outside the tree or not as a plain path: ${name}`);
        if (paths.length === 0)
            log.info('The port names no submodule to update.');
        await updateSubmodules(tree, paths, { log, signal: env.signal, user: asOwner(plan) });
    });
}
async function runPlanned(container, prepared, env, durations) {
    const spec = { ...container.spec, name: containerName(container.role), labels: containerLabels(env.self) };
    const what = {
        install: 'ESP-IDF install.sh',
        submodules: "The port's make submodules",
        build: 'The build',
        make: `make ${spec.command.slice(1).join(' ')}`
    }[container.role];
    return timed(durations, container.role, () => env.progress.phase(container.title, async (log) => {
        if (container.role === 'install')
            await (0,promises_namespaceObject.mkdir)(prepared.idf.toolsPath, { recursive: true });
        try {
            return await runContainer(env.docker, spec, log, what, env.signal);
        }
        catch (error) {
            if (!(error instanceof BuildError))
                throw error;
            const hint = container.role === 'install'
                ? downloadFailureHint(error.output)
                : componentFailureHint(error.output);
            throw hint ? new BuildError(`${error.message}\n${hint}`, error.output) : error;
        }
    }));
}
async function builtFirmware(plan, env) {
    if (!plan.artifacts)
        return undefined;
    const artifacts = await collectArtifacts(plan.artifacts);
    if (artifacts.copiedTo) {
        env.progress.log.info(`Artifacts copied, without following links, to ${artifacts.copiedTo}`);
    }
    if (plan.settings.targets.length === 0 && !artifacts.firmware) {
        throw new BuildError(`make succeeded but left no firmware.bin in ${artifacts.buildDir}. Is this a MicroPython ESP32 port whose build writes there?`);
    }
    return artifacts;
}
/**
 * The locks of the directories the build writes, taken before ESP-IDF's: every run takes
 * them in this one order (ccache's, the component cache's, then ESP-IDF's, which a run
 * may hold until install.sh is over), so no two runs each hold a lock the other waits for.
 */
async function lockKeptDirs(plan, ctx) {
    const ccache = plan.ccache ? await lockKeptDir(plan.ccache.dir, 'ccache', ctx) : undefined;
    try {
        const components = plan.components
            ? await lockKeptDir(plan.components.dir, 'managed components', ctx)
            : undefined;
        return { ccache, components };
    }
    catch (error) {
        await ccache?.release();
        throw error;
    }
}
/** The image, the toolchain, ESP-IDF and ccache at once, each as planned. */
async function prepareResources(plan, env, durations) {
    const { progress } = env;
    await (0,promises_namespaceObject.mkdir)(env.places.root, { recursive: true });
    await (0,promises_namespaceObject.mkdir)(env.places.temp, { recursive: true });
    const base = { cache: env.cache, useCache: plan.cache.use, signal: env.signal };
    const concurrent = { concurrent: true };
    const phase = (name, title, fn) => timed(durations, name, () => progress.phase(title, fn, concurrent));
    const imageReady = phase('image', 'Build image', (log) => obtainImage(plan.image, { ...base, docker: env.docker, log }));
    const toolchainReady = plan.toolchain
        ? phase('toolchain', 'Xtensa toolchain', (log) => obtainToolchain(plan.toolchain, {
            ...base,
            tools: env.tools,
            places: env.places,
            log,
            onProgress: env.onDownloadProgress
        }))
        : Promise.resolve(undefined);
    const kept = lockKeptDirs(plan, { log: progress.log, signal: env.signal });
    const idfReady = phase('idf', 'ESP-IDF', async (log) => {
        // A pulled image's Python is known only now; the entry depends on it.
        const idfPlan = plan.idf.python === undefined
            ? await withEntry(plan.idf, env.places.root, (await imageReady).python)
            : plan.idf;
        await kept;
        return obtainIdf(idfPlan, { ...base, places: env.places, log, onGitLine: env.onGitLine });
    });
    const ccacheReady = plan.ccache
        ? phase('ccache', 'ccache', async (log) => obtainCcache(plan.ccache, { ...base, log, lock: (await kept).ccache }))
        : Promise.resolve(undefined);
    const componentsReady = plan.components
        ? phase('components', 'Managed components', async (log) => obtainComponents(plan.components, { ...base, log, lock: (await kept).components }, plan.settings.tree))
        : Promise.resolve(undefined);
    // Wait for every phase, so none is left running when one fails.
    const settled = await Promise.allSettled([
        imageReady,
        toolchainReady,
        idfReady,
        ccacheReady,
        componentsReady
    ]);
    const [image, toolchain, idf, ccache, components] = settled.map((s) => s.status === 'fulfilled' ? s.value : undefined);
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) {
        await releaseLocks({ idf, ccache, components });
        throw failed.reason;
    }
    return { resolution: plan.resolution, image, toolchain, idf, ccache, components, durations };
}
function pendingSaves(plan, prepared, runId) {
    if (!plan.cache.use)
        return [];
    const saves = [];
    for (const s of [prepared.image.save, prepared.toolchain?.save, prepared.idf.save])
        if (s)
            saves.push(s);
    // What the build itself wrote is saved only where the cache scope allows (cache-scope.ts).
    if (!plan.cache.scope.save)
        return saves;
    if (plan.components && prepared.components) {
        // Exactly its key: a restore never mixes in what other manifests or locks needed.
        saves.push({
            kind: 'components',
            key: plan.components.key,
            paths: [prepared.components.dir],
            unchanged: prepared.components.fingerprint,
            kept: { scopeTag: plan.components.scopeTag, what: 'managed components' }
        });
    }
    if (plan.ccache && prepared.ccache) {
        saves.push({
            kind: 'ccache',
            key: ccacheSaveKey(plan.ccache, runId),
            paths: [prepared.ccache.dir],
            unchanged: prepared.ccache.fingerprint,
            kept: { scopeTag: plan.ccache.scope.tag, what: 'ccache' }
        });
    }
    return saves;
}

;// CONCATENATED MODULE: ./src/pipeline/tree.ts
/**
 * Reads, from a MicroPython tree on disk, exactly the files the resolver
 * needs. All the side effects of resolution live here; `resolveTree` then
 * decides from the snapshot alone.
 */





const VARIANT_FILE = /^mpconfigvariant_([A-Za-z0-9_]+)\.cmake$/;
/**
 * A file of the tree, as text; undefined when it is missing, or is not a
 * regular file inside the tree (a link out of it, which could make a runner
 * file part of the resolution; a FIFO, which would block the read forever).
 */
async function readText(file, root) {
    try {
        const [real, realRoot] = await Promise.all([(0,promises_namespaceObject.realpath)(file), (0,promises_namespaceObject.realpath)(root)]);
        if (!real.startsWith(realRoot + (external_node_path_default()).sep) || !(await (0,promises_namespaceObject.stat)(real)).isFile())
            return undefined;
        return await (0,promises_namespaceObject.readFile)(real, 'utf8');
    }
    catch (error) {
        const code = error.code;
        if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'ELOOP')
            return undefined;
        throw error;
    }
}
async function listDir(dir) {
    try {
        const entries = await (0,promises_namespaceObject.readdir)(dir, { withFileTypes: true });
        return entries.map((entry) => ({ name: entry.name, isDir: entry.isDirectory(), isFile: entry.isFile() }));
    }
    catch (error) {
        const code = error.code;
        if (code === 'ENOENT' || code === 'ENOTDIR')
            return [];
        throw error;
    }
}
async function tree_exists(file) {
    try {
        await (0,promises_namespaceObject.stat)(file);
        return true;
    }
    catch {
        return false;
    }
}
async function gitDescribe(root) {
    // Only the tree's own repository: a tree copied inside another checkout must
    // not borrow that checkout's tags.
    if (!(await tree_exists(external_node_path_default().join(root, '.git'))))
        return undefined;
    try {
        const result = await run('git', [...git_HARDENING, '-C', root, 'describe', '--tags'], {
            allowFailure: true,
            timeoutMs: 15000
        });
        const text = result.stdout.trim();
        return result.code === 0 && text ? text : undefined;
    }
    catch {
        return undefined;
    }
}
/**
 * The files of a MicroPython tree that decide how it builds: the version
 * header, the port Makefile and CMakeLists.txt, tools/ci.sh, the port README,
 * the ESP-IDF lockfiles, the CI workflow, py/mkrules.mk, and per board its
 * mpconfigboard.cmake and variant files. Missing files are left undefined.
 * Throws when root is not an existing directory.
 */
async function readTreeSnapshot(root) {
    let info;
    try {
        info = await (0,promises_namespaceObject.stat)(root);
    }
    catch {
        throw new Error(`MicroPython tree not found: ${root} does not exist.`);
    }
    if (!info.isDirectory())
        throw new Error(`MicroPython tree ${root} is not a directory.`);
    const files = {};
    const read = async (relative) => {
        files[relative] = await readText(external_node_path_default().join(root, ...relative.split('/')), root);
    };
    await Promise.all(Object.values(TREE_FILES).map(read));
    const lockDir = LOCKFILE_PREFIX.slice(0, LOCKFILE_PREFIX.lastIndexOf('/'));
    const lockBase = LOCKFILE_PREFIX.slice(lockDir.length + 1);
    const lockfiles = (await listDir(external_node_path_default().join(root, ...lockDir.split('/'))))
        .filter((entry) => entry.isFile && entry.name.startsWith(lockBase))
        .map((entry) => `${lockDir}/${entry.name}`);
    await Promise.all(lockfiles.map(read));
    const boardsDir = external_node_path_default().join(root, ...BOARDS_DIR.split('/'));
    const boardsInfo = await (0,promises_namespaceObject.stat)(boardsDir).catch(() => undefined);
    const hasBoardsDir = boardsInfo?.isDirectory() ?? false;
    const boards = {};
    if (hasBoardsDir) {
        const entries = await listDir(boardsDir);
        // Shared board fragments (mpconfigboard_esp32s3_common.cmake) that boards include.
        await Promise.all(entries
            .filter((entry) => entry.isFile && entry.name.endsWith('.cmake'))
            .map((entry) => read(`${BOARDS_DIR}/${entry.name}`)));
        await Promise.all(entries
            .filter((entry) => entry.isDir)
            .map(async (entry) => {
            const dir = `${BOARDS_DIR}/${entry.name}`;
            const inside = await listDir(external_node_path_default().join(boardsDir, entry.name));
            const variants = [];
            for (const file of inside) {
                const m = file.isFile ? VARIANT_FILE.exec(file.name) : null;
                if (!m)
                    continue;
                variants.push(m[1]);
                await read(`${dir}/${file.name}`);
            }
            const cmake = await readText(external_node_path_default().join(boardsDir, entry.name, 'mpconfigboard.cmake'), root);
            boards[entry.name] = { variants: variants.sort(), ...(cmake !== undefined ? { cmake } : {}) };
        }));
    }
    const snapshot = { files, boards, hasBoardsDir };
    const describe = await gitDescribe(root);
    if (describe)
        snapshot.gitDescribe = describe;
    return snapshot;
}

;// CONCATENATED MODULE: ./src/pipeline/index.ts




/** What the resolver needs from the inputs. Pure. */
function resolveOptions(inputs) {
    return {
        idfVersion: inputs.idfVersion,
        board: inputs.board,
        boardVariant: inputs.boardVariant,
        toolchainUrl: inputs.toolchainUrl,
        toolchainSha256: inputs.toolchainSha256
    };
}
/**
 * Read the tree and decide everything about the build. No network, no
 * Docker. `readFrom` holds the same files when the tree is not in place yet
 * (a dry run reads a scratch clone of the release it would clone).
 */
async function resolveInputs(inputs, readFrom = inputs.micropythonPath) {
    return resolveTree(await readTreeSnapshot(readFrom), resolveOptions(inputs));
}
/** Resolve the tree and plan the goal, as one phase. Writes nothing. */
async function planGoal(inputs, goal, env, options = {}) {
    return timed(options.durations ?? {}, 'resolve', () => env.progress.phase('Resolve the MicroPython tree', async (log) => {
        const resolution = await resolveInputs(inputs, options.readFrom);
        for (const warning of resolution.warnings)
            log.warning(warning);
        log.info(`MicroPython ${resolution.micropythonVersion ?? '(unknown version)'}, ${resolution.buildSystem} build, board ${resolution.board || '(default)'}` +
            `${resolution.boardVariant ? ` variant ${resolution.boardVariant}` : ''}, chips ${resolution.chips.join(', ')}, ESP-IDF ${resolution.idf.ref} (from ${resolution.idf.pinSource})`);
        const plan = await makePlan(inputs, resolution, goal, { ...env, log });
        log.info(`Docker engine ${plan.engine}`);
        const { scope } = plan.cache;
        if (scope.name) {
            log.info(`ccache and the component cache: scope ${scope.name}${scope.fallbackTag ? ', restored from the default branch when this scope has none' : ''}${scope.save ? '' : `; not saved: ${scope.why}`}`);
        }
        for (const resource of plan.resources) {
            log.debug(`Plan: ${resource.name} ${resource.identity}: ${resource.presence}; ${resource.steps.join(', then ')}`);
        }
        return plan;
    }));
}
/** Plan the goal, then execute the plan. */
async function runGoal(inputs, goal, env) {
    const durations = {};
    const plan = await planGoal(inputs, goal, env, { durations });
    return execute(plan, env, durations);
}
/** The action's job: build the firmware. */
async function runPipeline(inputs, env) {
    const result = await runGoal(inputs, { kind: 'build' }, env);
    return { ...result, artifacts: result.artifacts };
}

;// CONCATENATED MODULE: ./src/pipeline/summary.ts

/** Where each cached thing came from: true when it was not made afresh. */
function cacheHits(result) {
    const hits = {
        image: result.image.source !== 'built',
        idf: result.idf.source !== 'clone'
    };
    if (result.toolchain)
        hits.toolchain = result.toolchain.source !== 'download';
    if (result.ccache)
        hits.ccache = result.ccache.hit !== undefined;
    if (result.components)
        hits.components = result.components.hit !== undefined;
    return hits;
}
const SOURCE_WORDS = {
    local: 'on this machine',
    'tool-cache': 'tool cache',
    'actions-cache': 'Actions cache',
    clone: 'cloned',
    download: 'downloaded',
    built: 'built',
    pulled: 'pulled'
};
/** Which way the image was had, in words: published (pulled or present), or the fallback and why. Pure. */
function imageWords(image) {
    if (image.source === 'published-pulled')
        return `published ${image.version} (pulled by digest)`;
    if (image.source === 'published-present')
        return `published ${image.version} (present)`;
    const words = SOURCE_WORDS[image.source];
    return image.fallback ? `${words}; the published image was not used: ${image.fallback}` : words;
}
function seconds(ms) {
    return ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`;
}
/** The rows of the job summary: plain data, rendered by the front end. Pure. */
function summaryRows(result) {
    const r = result.resolution;
    const rows = [
        ['Board', r.board ? `${r.board}${r.boardVariant ? ` (${r.boardVariant})` : ''}` : '(default)'],
        ['Chips', r.chips.join(', ')],
        ['MicroPython', r.micropythonVersion ?? 'unknown'],
        ['Build system', r.buildSystem === 'make' ? 'GNU make (legacy)' : 'CMake / idf.py'],
        ['ESP-IDF', `${r.idf.ref} (${result.idf.kind}, from ${r.idf.pinSource})`],
        ['ESP-IDF commit', result.idf.commit],
        ['ESP-IDF checkout', SOURCE_WORDS[result.idf.source]],
        ['Image', `${result.image.ref} (${imageWords(result.image)})`]
    ];
    if (result.toolchain) {
        rows.push([
            'Toolchain',
            `xtensa-esp32-elf ${result.toolchain.version} (${SOURCE_WORDS[result.toolchain.source]})`
        ]);
    }
    if (result.ccache)
        rows.push(['ccache', result.ccache.hit ? `warm (${result.ccache.hit})` : 'cold']);
    if (result.components) {
        rows.push([
            'Components',
            result.components.hit ? `cached (${result.components.hit})` : 'downloaded by the build'
        ]);
    }
    const phases = Object.entries(result.durations)
        .map(([name, ms]) => `${name} ${seconds(ms)}`)
        .join(', ');
    rows.push(['Phases', phases]);
    if (result.makeMs !== undefined)
        rows.push(['make', seconds(result.makeMs)]);
    const firmware = result.artifacts?.firmware;
    if (firmware) {
        rows.push([
            'Firmware',
            `${external_node_path_default().basename(firmware)}: ${result.artifacts?.firmwareSize?.toLocaleString('en-US')} bytes`
        ]);
    }
    return rows;
}

;// CONCATENATED MODULE: ./src/cli/format.ts
/** How the terminal front end words and draws things. Pure. */
/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
function useColour(isTTY, env) {
    if (env.NO_COLOR !== undefined && env.NO_COLOR !== '')
        return false;
    if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0')
        return true;
    return isTTY && env.TERM !== 'dumb';
}
const CODES = {
    green: [32, 39],
    red: [31, 39],
    yellow: [33, 39],
    cyan: [36, 39],
    dim: [2, 22],
    bold: [1, 22]
};
function painter(enabled) {
    return (colour, text) => (enabled ? `\x1b[${CODES[colour][0]}m${text}\x1b[${CODES[colour][1]}m` : text);
}
/** 0.4 s, 12.3 s, 2 min 05 s, 1 h 02 min. */
function formatDuration(ms) {
    if (ms < 60_000)
        return `${(ms / 1000).toFixed(1)} s`;
    const s = Math.round(ms / 1000);
    if (s < 3600)
        return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
    return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}
/** 512 B, 3.4 KiB, 12.0 MiB, 1.25 GiB. */
function formatBytes(bytes) {
    if (bytes < 1024)
        return `${bytes} B`;
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let value = bytes / 1024;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit++;
    }
    return `${value.toFixed(unit >= 2 ? 2 : 1)} ${units[unit]}`;
}
/** A bar of `width` cells for a fraction from 0 to 1. */
function bar(fraction, width) {
    const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
    const full = Math.round(clamped * width);
    return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
}
/**
 * One line for a download or a clone stage:
 * `Xtensa toolchain  ████░░░░  45%  12.0 MiB / 26.6 MiB  3.1 MiB/s`.
 */
function meterLine(meter, elapsedMs, barWidth = 24) {
    const parts = [meter.label];
    const known = meter.total !== undefined && meter.total > 0;
    if (known) {
        const fraction = meter.done / meter.total;
        parts.push(bar(fraction, barWidth), `${String(Math.floor(fraction * 100)).padStart(3)}%`);
    }
    if (meter.unit === 'bytes') {
        parts.push(known ? `${formatBytes(meter.done)} / ${formatBytes(meter.total)}` : formatBytes(meter.done));
        if (elapsedMs >= 500)
            parts.push(`${formatBytes(Math.round((meter.done * 1000) / elapsedMs))}/s`);
    }
    else if (known) {
        parts.push(`${meter.done}/${meter.total}`);
    }
    return parts.join('  ');
}
/**
 * A progress line of `git clone --progress` / `git fetch --progress`, e.g.
 * `Receiving objects:  45% (123/273), 1.20 MiB | 2.00 MiB/s` or
 * `remote: Counting objects: 100% (10/10), done.`; undefined otherwise.
 */
function parseGitProgress(line) {
    const m = /^(?:remote:\s*)?([A-Z][A-Za-z ]+):\s+(\d{1,3})% \((\d+)\/(\d+)\)/.exec(line.trim());
    if (!m)
        return undefined;
    return { stage: m[1], percent: Number(m[2]), done: Number(m[3]), total: Number(m[4]) };
}
const ESC = String.fromCharCode(27);
/** An escape sequence (a colour or style), or one code point. */
const PIECE = new RegExp(`${ESC}\\[[0-9;]*[A-Za-z]|[\\s\\S]`, 'gu');
/** Cut a line to the terminal's width (counting code points, not escape codes). */
function fitWidth(line, columns) {
    // Colour codes take no room on the screen: count only what shows.
    const pieces = line.match(PIECE) ?? [];
    const visible = pieces.filter((p) => !p.startsWith(ESC)).length;
    if (visible <= columns)
        return line;
    let kept = '';
    let shown = 0;
    for (const piece of pieces) {
        const escape = piece.startsWith(ESC);
        if (!escape && shown === Math.max(0, columns - 1))
            break;
        kept += piece;
        if (!escape)
            shown++;
    }
    // A cut line may have left a style on: reset it, so the terminal is not left dim.
    return `${kept}…${pieces.length > visible ? '\x1b[0m' : ''}`;
}
/** Rows of label/value pairs, aligned. */
function table(rows, indent = 2) {
    const width = Math.max(0, ...rows.map(([label]) => label.length)) + 2;
    return rows.map(([label, value]) => `${' '.repeat(indent)}${label.padEnd(width)}${value}`);
}

;// CONCATENATED MODULE: ./src/cli/host.ts
/**
 * Facts about this machine, gathered for the pure decisions in serial.ts and
 * doctor.ts: devices, groups, processes. Linux paths (/proc, /etc/group);
 * elsewhere the answers are simply empty.
 */




/** /etc/group, parsed. Pure. */
function parseEtcGroup(text) {
    const groups = [];
    for (const line of text.split('\n')) {
        if (!line.trim() || line.startsWith('#'))
            continue;
        const [name, , gid, members = ''] = line.split(':');
        if (!name || !/^\d+$/.test(gid ?? ''))
            continue;
        groups.push({
            name,
            gid: Number(gid),
            members: members
                .split(',')
                .map((m) => m.trim())
                .filter(Boolean)
        });
    }
    return groups;
}
/** /etc/passwd: uid → name. Pure. */
function parseEtcPasswd(text) {
    const users = new Map();
    for (const line of text.split('\n')) {
        const [name, , uid] = line.split(':');
        if (name && /^\d+$/.test(uid ?? ''))
            users.set(Number(uid), name);
    }
    return users;
}
function readOr(file, fallback = '') {
    try {
        return (0,external_node_fs_namespaceObject.readFileSync)(file, 'utf8');
    }
    catch {
        return fallback;
    }
}
function groups() {
    return parseEtcGroup(readOr('/etc/group'));
}
function users() {
    return parseEtcPasswd(readOr('/etc/passwd'));
}
function currentUser() {
    const uid = process.getuid?.() ?? 0;
    let name = users().get(uid);
    if (!name) {
        try {
            name = external_node_os_default().userInfo().username;
        }
        catch {
            name = undefined;
        }
    }
    const own = process.getgroups?.() ?? [];
    const primary = process.getgid?.();
    const session = primary !== undefined && !own.includes(primary) ? [primary, ...own] : own;
    const listed = name
        ? groups()
            .filter((g) => g.members.includes(name))
            .map((g) => g.gid)
        : [];
    return { uid, name, groups: session, listedGroups: listed };
}
function devNames() {
    try {
        return (0,external_node_fs_namespaceObject.readdirSync)('/dev');
    }
    catch {
        return [];
    }
}
/** /proc/PID/stat: the command and the parent. Pure. */
function parseProcStat(text) {
    const open = text.indexOf('(');
    const close = text.lastIndexOf(')');
    if (open < 0 || close < open)
        return undefined;
    const fields = text.slice(close + 2).split(' ');
    const ppid = Number(fields[1]);
    return Number.isInteger(ppid) ? { command: text.slice(open + 1, close), ppid } : undefined;
}
function pids() {
    try {
        return (0,external_node_fs_namespaceObject.readdirSync)('/proc')
            .filter((name) => /^\d+$/.test(name))
            .map(Number);
    }
    catch {
        return [];
    }
}
function commandOf(pid) {
    return parseProcStat(readOr(`/proc/${pid}/stat`))?.command ?? '?';
}
/** Processes (other than this one) with `target` open. Only those this user may inspect. */
function processesHolding(target) {
    const holders = [];
    for (const pid of pids()) {
        if (pid === process.pid)
            continue;
        let fds;
        try {
            fds = (0,external_node_fs_namespaceObject.readdirSync)(`/proc/${pid}/fd`);
        }
        catch {
            continue;
        }
        for (const fd of fds) {
            let link;
            try {
                link = (0,external_node_fs_namespaceObject.readlinkSync)(`/proc/${pid}/fd/${fd}`);
            }
            catch {
                continue;
            }
            if (link === target) {
                holders.push({ pid, command: commandOf(pid) });
                break;
            }
        }
    }
    return holders;
}
/** Every process below `root`, children before their parents' siblings. */
function descendants(root) {
    const children = new Map();
    for (const pid of pids()) {
        const parsed = parseProcStat(readOr(`/proc/${pid}/stat`));
        if (!parsed)
            continue;
        const list = children.get(parsed.ppid) ?? [];
        list.push(pid);
        children.set(parsed.ppid, list);
    }
    const found = [];
    const walk = (pid) => {
        for (const child of children.get(pid) ?? []) {
            found.push(child);
            walk(child);
        }
    };
    walk(root);
    return found;
}

/** Linux encodes the major number in bits 8–19 (and 32+) of st_rdev. */
function majorOf(rdev) {
    return ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}
/** The minor number, from the same encoding. */
function minorOf(rdev) {
    const dev = BigInt(rdev);
    return Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
}
/** Whether the kernel lists a character device in its tty class. */
async function inTtyClass(major, minor) {
    try {
        return external_node_path_default().basename(await (0,promises_namespaceObject.realpath)(`/sys/dev/char/${major}:${minor}/subsystem`)) === 'tty';
    }
    catch {
        return undefined;
    }
}
/** Everything serial.ts needs to decide about a port. */
async function portFacts(port) {
    const facts = { path: port, exists: false, holders: [] };
    try {
        await (0,promises_namespaceObject.lstat)(port);
    }
    catch {
        return facts;
    }
    let info;
    try {
        facts.realPath = await (0,promises_namespaceObject.realpath)(port);
        info = await (0,promises_namespaceObject.stat)(facts.realPath);
    }
    catch {
        return facts; // a dangling symlink
    }
    facts.exists = true;
    facts.isCharDevice = info.isCharacterDevice();
    facts.major = majorOf(info.rdev);
    facts.minor = minorOf(info.rdev);
    if (facts.isCharDevice)
        facts.ttyClass = await inTtyClass(facts.major, facts.minor);
    facts.mode = info.mode & 0o777;
    facts.uid = info.uid;
    facts.gid = info.gid;
    facts.ownerName = users().get(info.uid);
    facts.groupName = groups().find((g) => g.gid === info.gid)?.name;
    facts.accessible = await (0,promises_namespaceObject.access)(facts.realPath, external_node_fs_namespaceObject.constants.R_OK | external_node_fs_namespaceObject.constants.W_OK).then(() => true, () => false);
    if ((0,external_node_fs_namespaceObject.existsSync)('/proc/self/fd'))
        facts.holders = processesHolding(facts.realPath);
    return facts;
}

;// CONCATENATED MODULE: ./src/cli/serial.ts
/**
 * The board's serial port: which one, whether this user may open it, and how
 * it reaches the container. Pure decisions over facts gathered by host.ts.
 */

class SerialError extends Error {
    constructor(message) {
        super(message);
        this.name = 'SerialError';
    }
}
/** rfc2217:// and socket:// ports are reached over the network: nothing to attach. */
function isNetworkPort(port) {
    return /^(rfc2217|socket):\/\//i.test(port);
}
function ttyNumber(name) {
    return Number(/(\d+)$/.exec(name)?.[1] ?? Number.MAX_SAFE_INTEGER);
}
/** The port to use: the one given, else the first /dev/ttyUSB*, then /dev/ttyACM*. */
function choosePort(explicit, devNames) {
    if (explicit)
        return explicit;
    for (const prefix of ['ttyUSB', 'ttyACM']) {
        const found = devNames
            .filter((name) => new RegExp(`^${prefix}\\d+$`).test(name))
            .sort((a, b) => ttyNumber(a) - ttyNumber(b));
        if (found.length)
            return `/dev/${found[0]}`;
    }
    return undefined;
}
/** Unix98 pseudo-terminal slaves: /dev/pts/N, major numbers 136–143. */
function isPseudoTerminal(realPath, major) {
    return /^\/dev\/pts\/\d+$/.test(realPath) || (major !== undefined && major >= 136 && major <= 143);
}
/**
 * What kind of serial port a device is, from its device numbers and the name
 * it really has (devices.txt: ttyUSB 188, ttyACM 166, ttyS 4 from minor 64,
 * low-density UARTs 204, pty slaves 136–143; a UART driver with a dynamic
 * major is in the kernel's tty class). Undefined for anything else: a
 * console, /dev/tty, a disk. Pure.
 */
function portKind(facts) {
    const real = facts.realPath ?? facts.path;
    const { major, minor } = facts;
    if (major === undefined)
        return undefined;
    if (major >= 136 && major <= 143)
        return /^\/dev\/pts\/\d+$/.test(real) ? 'pseudo-terminal' : undefined;
    if (!/^\/dev\/tty[A-Za-z]/.test(real))
        return undefined;
    if (major === 188)
        return 'USB serial adapter';
    if (major === 166)
        return 'USB modem (CDC-ACM)';
    if ((major === 4 && minor !== undefined && minor >= 64) || major === 204)
        return 'UART';
    // 4 below minor 64 are virtual consoles; 5 is /dev/tty, /dev/console, /dev/ptmx.
    if (major !== 4 && major !== 5 && facts.ttyClass)
        return 'UART';
    return undefined;
}
/** Docker Desktop (macOS, Windows) runs containers in a VM: no USB devices reach them. */
function platformProblem(platform, port) {
    if (platform !== 'darwin' && platform !== 'win32')
        return undefined;
    if (port && isNetworkPort(port))
        return undefined;
    const example = platform === 'darwin' ? '/dev/cu.usbserial-0001' : 'COM3';
    return [
        `Docker on ${platform === 'darwin' ? 'macOS' : 'Windows'} cannot pass USB serial devices into a container, so the board cannot be reached from the build container.`,
        'Either:',
        `  - flash from this machine, which is the default here: leave out --flasher container (or give --flasher host) with --port ${example}, or`,
        `  - bridge the port over the network: pip install esptool && esp_rfc2217_server -p 4000 ${example}, then run this command with --port 'rfc2217://host.docker.internal:4000?ign_set_control'.`
    ].join('\n');
}
/** How to join the group that owns a port, on the common distributions. */
function groupFix(group) {
    const names = group === 'dialout' || group === 'uucp'
        ? ' (the serial group is dialout on Debian, Ubuntu and Fedora, uucp on Arch: sudo usermod -aG uucp $USER)'
        : '';
    return `sudo usermod -aG ${group} $USER, then log out and back in${names}`;
}
function modeString(mode) {
    const bits = 'rwxrwxrwx';
    return [...bits].map((c, i) => (mode & (1 << (8 - i)) ? c : '-')).join('');
}
/**
 * Whether the container, given the port's group, may read and write it
 * although this user may not: the group has rw, and is not root. Pure.
 */
function groupGrants(facts) {
    return (facts.mode !== undefined && (facts.mode & 0o060) === 0o060 && facts.gid !== undefined && facts.gid !== 0);
}
/**
 * The line that says the container opens the port with its group, when this
 * user could not open it themselves: what docker/build.sh always did, so
 * that anyone allowed to use Docker may flash. Undefined otherwise. Pure.
 */
function groupGrantNote(facts, user, by) {
    if (by !== 'container' || facts.accessible !== false || !groupGrants(facts))
        return undefined;
    const group = facts.groupName ?? String(facts.gid);
    const who = user.name ?? `uid ${user.uid}`;
    return `${who} is not in group ${group}: the container gets the port's group (--group-add ${facts.gid}), as the old scripts did; Docker access already allows it.`;
}
/**
 * Why the port cannot be used, with the fix; undefined when it can. Checked
 * on the host exactly as the device would refuse whoever opens it: the
 * container, which gets the port's group (never root's), or this process
 * (host flashing).
 */
function portProblem(facts, user, by = 'container') {
    const forContainer = by === 'container';
    if (!facts.exists) {
        return `Serial port ${facts.path} does not exist. Is the board plugged in? (dmesg | tail shows which port an adapter gets.) Name another with --port.`;
    }
    if (facts.isCharDevice === false) {
        return `${facts.path} is not a serial port (not a character device). Name the board's port with --port, e.g. /dev/ttyUSB0.`;
    }
    if (!portKind(facts)) {
        const numbers = facts.major !== undefined ? `, device ${facts.major}:${facts.minor ?? '?'}` : '';
        return `${facts.path}${facts.realPath && facts.realPath !== facts.path ? ` (${facts.realPath})` : ''} is not a serial port${numbers}: only a USB serial adapter (/dev/ttyUSB*), a USB modem (/dev/ttyACM*), a UART (/dev/ttyS*, /dev/ttyAMA*) or a pseudo-terminal (/dev/pts/*) ${forContainer ? 'is passed to the container' : 'is written to'}. Name the board's port with --port.`;
    }
    if (forContainer && facts.gid === 0) {
        const port = facts.realPath ?? facts.path;
        return `Serial port ${facts.path} belongs to group root (GID 0), and the container is never given group root. Give the port a serial group: sudo chgrp dialout ${port} (uucp on Arch), and make it last with a udev rule, e.g. KERNEL=="${external_node_path_default().basename(port)}", GROUP="dialout", MODE="0660" in /etc/udev/rules.d/50-serial.rules. Or flash from this machine: --flasher host.`;
    }
    if (facts.accessible === false && !(by === 'container' && groupGrants(facts))) {
        const group = facts.groupName ?? String(facts.gid ?? '?');
        const mode = facts.mode !== undefined
            ? ` (${modeString(facts.mode)}, owner ${facts.ownerName ?? facts.uid}, group ${group})`
            : '';
        const who = user.name ?? `uid ${user.uid}`;
        const groupMayWrite = facts.mode !== undefined && (facts.mode & 0o060) === 0o060;
        if (groupMayWrite && facts.gid !== undefined) {
            if (user.listedGroups.includes(facts.gid) && !user.groups.includes(facts.gid)) {
                return `Cannot open ${facts.path}${mode}: ${who} was added to group ${group}, but this session started before that. Log out and back in (or run: newgrp ${group}).`;
            }
            return `Cannot open ${facts.path}${mode}: ${who} is not in group ${group}. Fix: ${groupFix(group)}.`;
        }
        return `Cannot open ${facts.path}${mode}: only its owner may read and write it. Give the group access (sudo chmod g+rw ${facts.realPath ?? facts.path}; a udev rule makes it last), or name another port with --port.`;
    }
    if (facts.holders.length) {
        const who = facts.holders.map((h) => `process ${h.pid} (${h.command})`).join(', ');
        return `Serial port ${facts.path} is busy: ${who} has it open. Close that program (a serial monitor such as screen, minicom or picocom) and try again.`;
    }
    return undefined;
}
/** The port inside the container: a device at its own name, a pty bind-mounted as /dev/ttyUSB0. */
function serialAttachment(facts) {
    const real = facts.realPath ?? facts.path;
    if (isPseudoTerminal(real, facts.major)) {
        return { host: real, container: '/dev/ttyUSB0', kind: 'bind', gid: facts.gid };
    }
    return { host: real, container: real, kind: 'device', gid: facts.gid };
}
/** PORT= and BAUD= for the port Makefile. */
function serialMakeArgs(port, baud) {
    return [`PORT=${port}`, ...(baud ? [`BAUD=${baud}`] : [])];
}
/** A baud rate as the options take it: bits per second. */
const BAUD_PATTERN = /^\d{3,8}$/;
function checkBaud(baud) {
    if (baud === undefined)
        return undefined;
    if (!BAUD_PATTERN.test(baud))
        throw new SerialError(`--baud must be a number of bits per second such as 460800, got '${baud}'.`);
    return baud;
}
/** make goals that talk to the board: they need the port. */
const SERIAL_GOALS = new Set([
    'deploy',
    'erase',
    'monitor',
    'flash',
    'erase_flash',
    'erase-flash',
    'app-flash',
    'bootloader-flash'
]);
/** Whether `make ARGS` talks to the board. */
function needsSerial(makeArgs) {
    return makeArgs.some((arg) => SERIAL_GOALS.has(arg));
}

;// CONCATENATED MODULE: ./src/cli/store.ts
/**
 * $HOME/esp32-devel, the CLI's cache store: one directory per ESP-IDF entry
 * (the pipeline keys them), the Xtensa toolchains in a tool cache, ccache,
 * MicroPython release clones, and per-run scratch space under tmp/<pid>.
 *
 * Everything written there lands atomically (a `.partial-<host>-<pid>`
 * sibling that is renamed into place, see pipeline/partials.ts), so what an
 * interrupted run leaves is recognisable: its own partials are removed on
 * Ctrl-C, and those of a run of this host that died outright are removed by
 * the next one.
 */







/** The store: esp32-devel in the user's home (os.homedir(): HOME, or USERPROFILE on Windows), joined as the platform joins. */
function develRoot(home = external_node_os_default().homedir(), platform = process.platform) {
    return (platform === 'win32' ? (external_node_path_default()).win32 : (external_node_path_default()).posix).join(home, 'esp32-devel');
}
function layout(root) {
    return {
        root,
        idf: external_node_path_default().join(root, 'idf'),
        toolCache: external_node_path_default().join(root, 'toolcache'),
        micropython: external_node_path_default().join(root, 'micropython'),
        tmp: external_node_path_default().join(root, 'tmp')
    };
}
/** The pipeline's places for this run: the store, and a scratch directory of its own. */
function placesFor(root, pid = process.pid) {
    return { root, temp: external_node_path_default().join(layout(root).tmp, String(pid)) };
}
/**
 * Tools in plain directories, `toolcache/<name>/<version>/<arch>`, each
 * counted only once the `<arch>.complete` file beside it exists: the layout
 * of the runner's tool cache, so `doctor` reads both alike.
 */
class DirectoryToolStore {
    root;
    constructor(root) {
        this.root = root;
    }
    dir(name, version, arch) {
        return external_node_path_default().join(this.root, name, version, arch);
    }
    find(name, version, arch) {
        const dir = this.dir(name, version, arch);
        return (0,external_node_fs_namespaceObject.existsSync)(`${dir}.complete`) && (0,external_node_fs_namespaceObject.existsSync)(dir) ? dir : undefined;
    }
    async add(source, name, version, arch) {
        const dir = this.dir(name, version, arch);
        await (0,promises_namespaceObject.rm)(`${dir}.complete`, { force: true });
        await (0,promises_namespaceObject.rm)(dir, { recursive: true, force: true });
        await (0,promises_namespaceObject.mkdir)(external_node_path_default().dirname(dir), { recursive: true });
        try {
            await (0,promises_namespaceObject.rename)(source, dir);
        }
        catch (error) {
            if (error.code !== 'EXDEV')
                throw error;
            await (0,promises_namespaceObject.cp)(source, dir, { recursive: true, verbatimSymlinks: true });
        }
        await (0,promises_namespaceObject.writeFile)(`${dir}.complete`, '');
        return dir;
    }
}
/** The pid in a `name.partial-<host>-<pid>` staging name (or an evicted one). Pure. */
function partialOwner(name) {
    return leftoverOwner(name)?.pid;
}
/** Where staging directories of a run can be. */
function stagingParents(root) {
    const dirs = layout(root);
    return [dirs.idf, dirs.micropython];
}
function store_list(dir) {
    try {
        return (0,external_node_fs_namespaceObject.readdirSync)(dir);
    }
    catch {
        return [];
    }
}
/**
 * Remove a tree that processes being stopped may still be touching: retry
 * what a concurrent writer makes fail (ENOTEMPTY, EBUSY), and never throw, so
 * a cleanup on Ctrl-C cannot itself crash the exit. A tree left behind is
 * removed by the next run, as a dead pid's.
 */
function removeQuietly(target) {
    try {
        (0,external_node_fs_namespaceObject.rmSync)(target, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
        return true;
    }
    catch {
        return false;
    }
}
/** Remove what a run of this host (alive or not) left half-written or set aside. */
function removeLeftovers(root, owner) {
    const removed = sweepLeftovers(stagingParents(root), owner);
    const tmp = layout(root).tmp;
    for (const name of store_list(tmp)) {
        if (/^\d+$/.test(name) && owner(Number(name))) {
            if (removeQuietly(external_node_path_default().join(tmp, name)))
                removed.push(external_node_path_default().join(tmp, name));
        }
    }
    return removed;
}
/** The state of a leftover named `name` in `parent`, or undefined when it is none. */
function partialState(parent, name, alive) {
    const owner = partials_leftoverOwner(name);
    if (!owner)
        return undefined;
    const state = { path: external_node_path_default().join(parent, name), pid: owner.pid, alive: true };
    if (isOwnHost(owner))
        state.alive = alive(owner.pid);
    else
        state.host = owner.host;
    return state;
}
async function dirs(dir) {
    try {
        return (await (0,promises_namespaceObject.readdir)(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    }
    catch {
        return [];
    }
}
async function nearestExisting(dir) {
    for (let d = dir;; d = external_node_path_default().dirname(d)) {
        if (await (0,promises_namespaceObject.stat)(d).then(() => true, () => false))
            return d;
        if (external_node_path_default().dirname(d) === d)
            return d;
    }
}
/** What the store holds, for doctor. */
async function storeState(root, alive) {
    const dirsOf = layout(root);
    const exists = await (0,promises_namespaceObject.stat)(root).then(() => true, () => false);
    const state = { root, exists, idf: [], toolchains: [], micropython: [], partials: [] };
    try {
        const fsInfo = await (0,promises_namespaceObject.statfs)(await nearestExisting(root));
        state.freeBytes = Number(fsInfo.bavail) * Number(fsInfo.bsize);
    }
    catch {
        state.freeBytes = undefined;
    }
    if (!exists)
        return state;
    for (const name of await dirs(dirsOf.idf)) {
        const dir = external_node_path_default().join(dirsOf.idf, name);
        const partial = partialState(dirsOf.idf, name, alive);
        if (partial) {
            state.partials.push(partial);
            continue;
        }
        const marker = await (0,promises_namespaceObject.readFile)(external_node_path_default().join(dir, MARKER), 'utf8').then((text) => JSON.parse(text), () => undefined);
        state.idf.push({
            name,
            dir,
            complete: marker !== undefined,
            commit: marker?.commit,
            chips: marker?.chips
        });
    }
    const tools = external_node_path_default().join(dirsOf.toolCache, TOOL_NAME);
    for (const version of await dirs(tools)) {
        for (const arch of await dirs(external_node_path_default().join(tools, version))) {
            const dir = external_node_path_default().join(tools, version, arch);
            const complete = await (0,promises_namespaceObject.stat)(`${dir}.complete`).then(() => true, () => false);
            state.toolchains.push({ version, dir, complete });
        }
    }
    for (const name of await dirs(dirsOf.micropython)) {
        const partial = partialState(dirsOf.micropython, name, alive);
        if (partial)
            state.partials.push(partial);
        else
            state.micropython.push(name);
    }
    for (const name of await dirs(dirsOf.tmp)) {
        if (/^\d+$/.test(name))
            state.partials.push({
                path: external_node_path_default().join(dirsOf.tmp, name),
                pid: Number(name),
                alive: alive(Number(name))
            });
    }
    return state;
}
/** Remove this run's scratch directory once it is done. */
async function removeScratch(places) {
    await (0,promises_namespaceObject.rm)(places.temp, { recursive: true, force: true });
}

;// CONCATENATED MODULE: ./src/cli/doctor.ts
/**
 * `esp32-build doctor`: what stands between this machine and a flashed board.
 * The checks are pure functions of gathered facts; each problem names the
 * command that fixes it on the common distributions.
 */






/** The free space below which a build cannot fit (ESP-IDF with its tools is 2–3 GiB). */
const DISK_PROBLEM_BYTES = 3 * 1024 ** 3;
const DISK_WARNING_BYTES = 10 * 1024 ** 3;
const ROOT_EQUIVALENT = 'membership of the docker group is equivalent to root on this machine (a container can mount / and write anywhere): only give it to people who may use sudo; rootless Docker (dockerd-rootless-setuptool.sh install) avoids that';
function dockerFindings(facts) {
    const { docker, user } = facts;
    const section = 'Docker';
    const mac = facts.platform === 'darwin' || facts.platform === 'win32';
    if (docker.client === 'missing') {
        return [
            {
                section,
                level: 'problem',
                message: 'The docker client is not installed (or not on PATH).',
                fix: mac
                    ? 'install Docker Desktop (https://docs.docker.com/desktop/)'
                    : 'Debian/Ubuntu: sudo apt-get install docker.io; Fedora: sudo dnf install moby-engine; Arch: sudo pacman -S docker; then sudo systemctl enable --now docker'
            }
        ];
    }
    if (!docker.serverVersion) {
        const failure = classifyDockerFailure(docker.failure ?? '');
        const detail = (docker.failure ?? '').trim().split('\n').slice(-1)[0];
        if (failure === 'permission') {
            return [
                {
                    section,
                    level: 'problem',
                    message: `This user (${user.name ?? `uid ${user.uid}`}) may not use the Docker engine: ${detail}`,
                    fix: `sudo usermod -aG docker $USER, then log out and back in. Beware: ${ROOT_EQUIVALENT}.`
                }
            ];
        }
        if (failure === 'unreachable') {
            return [
                {
                    section,
                    level: 'problem',
                    message: `No Docker engine answers: ${detail}`,
                    fix: mac
                        ? 'start Docker Desktop'
                        : 'sudo systemctl enable --now docker (without systemd, e.g. WSL: sudo service docker start); check DOCKER_HOST if you set it'
                }
            ];
        }
        return [
            {
                section,
                level: 'problem',
                message: `docker version failed: ${detail}`,
                fix: 'run docker info to see what is wrong'
            }
        ];
    }
    const findings = [
        {
            section,
            level: 'ok',
            message: `Docker engine ${docker.serverVersion}, usable by ${user.name ?? `uid ${user.uid}`}`
        }
    ];
    const socket = docker.socket;
    if (user.uid !== 0 && socket && user.groups.includes(socket.gid) && (socket.mode & 0o060) === 0o060) {
        findings.push({
            section,
            level: 'warning',
            message: `${user.name ?? `uid ${user.uid}`} reaches Docker through group ${socket.group ?? socket.gid}: ${ROOT_EQUIVALENT}.`
        });
    }
    return findings;
}
function portFindings(facts) {
    const section = 'Serial port';
    const { requested, chosen } = facts.port;
    const platform = platformProblem(facts.platform, chosen ?? requested);
    if (platform)
        return [{ section, level: 'warning', message: platform }];
    if (!chosen) {
        return [
            {
                section,
                level: 'warning',
                message: 'No serial port found (no /dev/ttyUSB* or /dev/ttyACM*): building works, deploy and erase need the board plugged in.',
                fix: 'plug the board in (dmesg | tail names its port), or give one with --port'
            }
        ];
    }
    if (isNetworkPort(chosen))
        return [{ section, level: 'ok', message: `${chosen}: a network port, reached from the container` }];
    const port = facts.port.facts ?? { path: chosen, exists: false, holders: [] };
    const problem = portProblem(port, facts.user, 'container');
    if (problem) {
        const group = port.groupName ?? (port.gid !== undefined ? String(port.gid) : undefined);
        const needsGroup = port.exists && port.accessible === false && group !== undefined && ((port.mode ?? 0) & 0o060) === 0o060;
        return [{ section, level: 'problem', message: problem, fix: needsGroup ? groupFix(group) : undefined }];
    }
    const pty = isPseudoTerminal(port.realPath ?? chosen, port.major);
    const via = pty
        ? 'a pseudo-terminal, bind-mounted into the container'
        : 'passed to the container with --device';
    const group = port.groupName ?? port.gid;
    const granted = groupGrantNote(port, facts.user, 'container');
    const access = granted
        ? 'not read-write for this user (the container gets its group)'
        : 'read-write for this user';
    const found = [
        {
            section,
            level: 'ok',
            message: `${chosen}${port.realPath && port.realPath !== chosen ? ` (${port.realPath})` : ''}: group ${group}, ${access}, not in use; ${via} with --group-add ${port.gid}`
        }
    ];
    if (granted) {
        found.push({
            section,
            level: 'warning',
            message: `Flashing from this machine (--flasher host) needs ${facts.user.name ?? 'this user'} in group ${group}; the container flasher does not.`,
            fix: groupFix(String(group))
        });
    }
    return found;
}
function diskFindings(facts) {
    const section = 'Disk';
    const free = facts.store.freeBytes;
    if (free === undefined)
        return [{ section, level: 'warning', message: `Cannot tell the free space for ${facts.store.root}.` }];
    const message = `${formatBytes(free)} free for ${facts.store.root}`;
    const fix = `free space on that file system (docker system prune removes unused images; old entries under ${facts.store.root}/idf can go)`;
    if (free < DISK_PROBLEM_BYTES) {
        return [
            {
                section,
                level: 'problem',
                message: `${message}: ESP-IDF and its tools need about ${formatBytes(DISK_PROBLEM_BYTES)}.`,
                fix
            }
        ];
    }
    if (free < DISK_WARNING_BYTES)
        return [{ section, level: 'warning', message: `${message}: room for few ESP-IDF versions.`, fix }];
    return [{ section, level: 'ok', message }];
}
function storeFindings(facts) {
    const section = 'esp32-devel';
    const { store } = facts;
    if (!store.exists)
        return [
            { section, level: 'ok', message: `${store.root} does not exist yet: esp32-build setup creates it.` }
        ];
    const findings = [];
    for (const entry of store.idf) {
        findings.push(entry.complete
            ? {
                section,
                level: 'ok',
                message: `ESP-IDF ${entry.name}: complete${entry.commit ? `, commit ${entry.commit.slice(0, 12)}` : ''}${entry.chips?.length ? `, tools for ${entry.chips.join(', ')}` : ''}`
            }
            : {
                section,
                level: 'warning',
                message: `ESP-IDF ${entry.name}: incomplete (a clone or tool install was interrupted); the next setup or build redoes it.`,
                fix: `esp32-build setup, or remove it: rm -rf ${entry.dir}`
            });
    }
    for (const tool of store.toolchains) {
        findings.push(tool.complete
            ? { section, level: 'ok', message: `Toolchain xtensa-esp32-elf ${tool.version}: complete` }
            : {
                section,
                level: 'warning',
                message: `Toolchain xtensa-esp32-elf ${tool.version}: incomplete (interrupted while being unpacked); the next setup redoes it.`,
                fix: `esp32-build setup, or remove it: rm -rf ${tool.dir}`
            });
    }
    for (const tag of store.micropython)
        findings.push({ section, level: 'ok', message: `MicroPython ${tag} (cloned release)` });
    for (const partial of store.partials) {
        findings.push(partial.alive
            ? {
                section,
                level: 'ok',
                message: `${partial.path}: being written by the running process ${partial.pid}${partial.host ? ` on ${partial.host}` : ''}`
            }
            : {
                section,
                level: 'warning',
                message: `${partial.path}: left half-written by an interrupted run (process ${partial.pid} is gone); the next run removes it.`,
                fix: `rm -rf ${partial.path}`
            });
    }
    if (findings.length === 0)
        findings.push({
            section,
            level: 'ok',
            message: `${store.root} is empty: esp32-build setup populates it.`
        });
    return findings;
}
/** Every finding, in the order a person fixes things. Pure. */
function doctorFindings(facts) {
    return [...dockerFindings(facts), ...portFindings(facts), ...diskFindings(facts), ...storeFindings(facts)];
}
/** The report, and whether anything is a problem. Pure. */
function renderFindings(findings, paint) {
    const mark = {
        ok: paint('green', '✓'),
        warning: paint('yellow', '!'),
        problem: paint('red', '✗')
    };
    const lines = [];
    let section;
    for (const finding of findings) {
        if (finding.section !== section) {
            section = finding.section;
            lines.push(paint('bold', section));
        }
        const [first, ...more] = finding.message.split('\n');
        lines.push(`  ${mark[finding.level]} ${first}`, ...more.map((line) => `    ${line}`));
        if (finding.fix)
            lines.push(`    ${paint('dim', 'fix:')} ${finding.fix}`);
    }
    const problems = findings.filter((f) => f.level === 'problem').length;
    const warnings = findings.filter((f) => f.level === 'warning').length;
    lines.push('', problems
        ? paint('red', `${problems} problem${problems > 1 ? 's' : ''}${warnings ? `, ${warnings} warning${warnings > 1 ? 's' : ''}` : ''}`)
        : warnings
            ? paint('yellow', `No problems, ${warnings} warning${warnings > 1 ? 's' : ''}.`)
            : paint('green', 'All good.'));
    return { text: lines.join('\n'), problems, warnings };
}
function dockerSocketPath(env) {
    const host = env.DOCKER_HOST;
    if (!host)
        return '/var/run/docker.sock';
    return host.startsWith('unix://') ? host.slice('unix://'.length) : undefined;
}
/** Ask the machine. */
async function gatherFacts(options) {
    const user = currentUser();
    const docker = { client: 'present' };
    try {
        const result = await options.docker.run(['version', '--format', '{{.Server.Version}}'], {
            allowFailure: true,
            timeoutMs: 30_000
        });
        if (result.code === 0 && result.stdout.trim())
            docker.serverVersion = result.stdout.trim();
        else
            docker.failure = result.stderr || result.stdout;
    }
    catch (error) {
        if (error instanceof DockerError && /not installed/.test(error.message))
            docker.client = 'missing';
        else
            docker.failure = error.message;
    }
    const socketPath = dockerSocketPath(process.env);
    if (socketPath) {
        const info = await (0,promises_namespaceObject.stat)(socketPath).catch(() => undefined);
        if (info) {
            docker.socket = {
                path: socketPath,
                gid: info.gid,
                group: groups().find((g) => g.gid === info.gid)?.name,
                mode: info.mode & 0o777
            };
        }
    }
    const chosen = choosePort(options.port, devNames());
    const port = { requested: options.port, chosen };
    if (chosen && !isNetworkPort(chosen) && process.platform === 'linux')
        port.facts = await portFacts(chosen);
    return {
        platform: process.platform,
        user,
        docker,
        port,
        store: await storeState(options.root, processAlive)
    };
}

;// CONCATENATED MODULE: ./src/cli/micropython.ts
/**
 * Which MicroPython tree a command works on: the one given, the one around
 * the current directory, or (for a newcomer with none) the latest release,
 * cloned into $HOME/esp32-devel/micropython/<tag>.
 */







const DEFAULT_MICROPYTHON_REPO = 'https://github.com/micropython/micropython.git';
class TreeError extends Error {
    constructor(message) {
        super(message);
        this.name = 'TreeError';
    }
}
/** A MicroPython checkout has py/ and ports/esp32/ at its root. */
function looksLikeMicroPython(dir) {
    return (0,external_node_fs_namespaceObject.existsSync)(external_node_path_default().join(dir, 'py', 'mpconfig.h')) && (0,external_node_fs_namespaceObject.existsSync)(external_node_path_default().join(dir, 'ports', 'esp32'));
}
/** The nearest directory at or above `start` that is a MicroPython tree. Pure but for `isTree`. */
function findTreeAbove(start, isTree) {
    for (let dir = external_node_path_default().resolve(start);; dir = external_node_path_default().dirname(dir)) {
        if (isTree(dir))
            return dir;
        if (external_node_path_default().dirname(dir) === dir)
            return undefined;
    }
}
/** Whether `inner` is `outer` or inside it. Pure. */
function isInside(inner, outer) {
    const relative = external_node_path_default().relative(outer, inner);
    return relative === '' || (!relative.startsWith('..') && !external_node_path_default().isAbsolute(relative));
}
/** The newest release tag (vX.Y or vX.Y.Z, no previews) in `git ls-remote --tags` output. Pure. */
function latestRelease(lsRemote) {
    const tags = [...lsRemote.matchAll(/refs\/tags\/(v\d+\.\d+(?:\.\d+)?)(?:\^\{\})?$/gm)].map((match) => match[1]);
    return newestVersionTags(tags, 1)[0];
}
/**
 * The latest release of `repo`, cloned (shallow) into `<dir>/<tag>` unless it
 * is there already. The clone lands in a `.partial-<host>-<pid>` sibling first.
 */
async function latestReleaseTree(repo, ctx) {
    const { log } = ctx;
    let listing;
    try {
        listing = (await git(['ls-remote', '--tags', '--', repo], {
            repo,
            timeoutMs: LS_REMOTE_TIMEOUT_MS,
            debug: log.debug,
            signal: ctx.signal,
            credentials: ctx.credentials
        })).stdout;
    }
    catch (error) {
        throw new TreeError(`No MicroPython tree here, and the latest release cannot be looked up in ${repo}: ${error.message.split('\n').slice(-1)[0]}\n` +
            'Run this inside a MicroPython checkout, give one with --micropython DIR, or point --micropython-repo at a reachable mirror.');
    }
    const tag = latestRelease(listing);
    if (!tag)
        throw new TreeError(`${repo} has no release tags (vX.Y.Z): is it MicroPython's repository?`);
    const root = external_node_path_default().join(ctx.dir, tag);
    if ((0,external_node_fs_namespaceObject.existsSync)(root)) {
        log.info(`Using MicroPython ${tag} in ${root}`);
        return { root, tag, cloned: false };
    }
    const staging = partialName(root);
    await (0,promises_namespaceObject.mkdir)(ctx.dir, { recursive: true });
    await (0,promises_namespaceObject.rm)(staging, { recursive: true, force: true });
    log.info(`Cloning MicroPython ${tag}, the latest release of ${repo}, into ${root}`);
    const options = {
        repo,
        debug: log.debug,
        onGitLine: ctx.onGitLine,
        signal: ctx.signal,
        credentials: ctx.credentials,
        timeoutMs: CLONE_TIMEOUT_MS
    };
    try {
        await git(['clone', '--depth', '1', ...progressArgs(options), `--branch=${tag}`, '--', repo, staging], options);
        await (0,promises_namespaceObject.rename)(staging, root);
    }
    catch (error) {
        await (0,promises_namespaceObject.rm)(staging, { recursive: true, force: true });
        if (error instanceof ExecError)
            throw new TreeError(`Could not clone MicroPython ${tag} from ${repo}: ${error.message}`);
        throw error;
    }
    return { root, tag, cloned: true };
}

;// CONCATENATED MODULE: ./src/cli/plan-text.ts
/**
 * A plan in words for `--dry-run`: every resource with where it lives,
 * whether it is here and how it would be had, then every container with the
 * exact docker command. Lines that are not commands start with '#'. Pure.
 */


function resourceLines(view) {
    const lines = [`# ${view.name}: ${view.identity}`, `#   ${view.presence}: ${view.where}`];
    if (view.presence === 'present')
        return lines;
    view.steps.forEach((step, i) => lines.push(`#   ${i + 1}. ${step}`));
    if (view.unknown)
        lines.push(`#   unknown until run: ${view.unknown}`);
    return lines;
}
function goalLine(plan) {
    const r = plan.resolution;
    const board = `${r.board || 'the only configuration'}${r.boardVariant ? ` variant ${r.boardVariant}` : ''}`;
    const what = plan.goal.kind === 'setup'
        ? 'set up'
        : plan.goal.kind === 'build'
            ? `build${plan.goal.then ? `, then ${plan.goal.then.title}` : ''}`
            : plan.goal.step.title;
    return `# Plan: ${what}: ${board} (${r.chips.join(', ')}), MicroPython ${r.micropythonVersion ?? '(unknown version)'}, ${r.buildSystem} build, ESP-IDF ${r.idf.ref} (from ${r.idf.pinSource})`;
}
function artifactsLine(artifacts) {
    const where = artifacts.copyTo
        ? `copied from ${artifacts.buildDir} to a fresh ${artifacts.copyTo}/artifacts-XXXXXX`
        : `in ${artifacts.buildDir}`;
    return `# Artifacts: regular files only, never through a link, ${where}`;
}
function planText(plan) {
    const lines = [goalLine(plan), `# Docker engine ${plan.engine}`, '#', '# Resources, prepared at once:'];
    for (const view of plan.resources)
        lines.push(...resourceLines(view));
    lines.push('#', plan.containers.length ? '# Containers, in order:' : '# No container runs beyond the above.');
    plan.containers.forEach((c, i) => {
        lines.push(`# ${i + 1}. ${c.title}${c.when ? ` (${c.when})` : ''}`, formatArgv(c.argv[0], c.argv.slice(1)));
        if (c.then)
            lines.push(`#    then: ${c.then}`);
    });
    if (plan.artifacts)
        lines.push('#', artifactsLine(plan.artifacts));
    lines.push('#', `# Differs from run to run: ${plan.runSpecific.join('; ')}`);
    return lines.join('\n');
}
/** The image command's dry run. */
function imagePlanText(plan) {
    return resourceLines(imageView(plan)).join('\n');
}
/** With no tree, the plan starts with the clone of the latest release. */
function treeCloneLines(clone) {
    return [
        `# micropython: ${clone.tag}, the latest release of ${clone.repo}`,
        `#   absent: ${clone.dir}`,
        `#   1. clone it: ${formatArgv('git', ['clone', '--depth', '1', `--branch=${clone.tag}`, '--', clone.repo, clone.dir])}`,
        '#   (this plan was made from a scratch clone of it, removed again)'
    ];
}

;// CONCATENATED MODULE: external "node:events"
const external_node_events_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:events");
;// CONCATENATED MODULE: external "node:net"
const external_node_net_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:net");
var external_node_net_default = /*#__PURE__*/__nccwpck_require__.n(external_node_net_namespaceObject);
;// CONCATENATED MODULE: ./src/flash/rfc2217.ts
/**
 * A serial port on another machine, over RFC 2217 (Telnet's COM-PORT-OPTION):
 * what `esp_rfc2217_server` or pyserial's server offers for a board plugged
 * into a Raspberry Pi or a Docker Desktop host. The same shape as a local
 * port from the `serialport` package (write, set, update, close, 'data'), so
 * the flasher and the monitor use either.
 */


const IAC = 0xff;
const DONT = 0xfe;
const DO = 0xfd;
const WONT = 0xfc;
const WILL = 0xfb;
const SB = 0xfa;
const SE = 0xf0;
const BINARY = 0x00;
const SGA = 0x03;
const COM_PORT_OPTION = 0x2c;
/** Options this client takes part in; any other is refused. */
const AGREED = new Set([BINARY, SGA, COM_PORT_OPTION]);
const SET_BAUDRATE = 1;
const SET_DATASIZE = 2;
const SET_PARITY = 3;
const SET_STOPSIZE = 4;
const SET_CONTROL = 5;
/** A server's answer to a client's subcommand is the subcommand + 100. */
const SERVER_OFFSET = 100;
const CONTROL = { noFlowControl: 1, dtrOn: 8, dtrOff: 9, rtsOn: 11, rtsOff: 12 };
class Rfc2217Error extends Error {
    constructor(message) {
        super(message);
        this.name = 'Rfc2217Error';
    }
}
/** Whether a port is named as an RFC 2217 URL (then parseRfc2217Url says if it is a good one). Pure. */
function isRfc2217Url(port) {
    return /^rfc2217:\/\//i.test(port);
}
/** rfc2217://host:port[?ign_set_control]; anything else is refused with what to write. Pure. */
function parseRfc2217Url(url) {
    const example = 'rfc2217://raspberrypi.local:4000';
    let parsed;
    try {
        parsed = new URL(url);
    }
    catch {
        throw new Rfc2217Error(`'${url}' is not an RFC 2217 URL such as ${example}.`);
    }
    if (parsed.protocol !== 'rfc2217:' || !parsed.hostname || !parsed.port) {
        throw new Rfc2217Error(`'${url}' is not an RFC 2217 URL with a host and a port, such as ${example}.`);
    }
    const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    if (host.startsWith('-'))
        throw new Rfc2217Error(`'${url}': a host name cannot start with '-'.`);
    const options = [...parsed.searchParams.keys()];
    const unknown = options.filter((name) => name !== 'ign_set_control');
    if (unknown.length) {
        throw new Rfc2217Error(`'${url}': unknown option ${unknown.join(', ')} (only ign_set_control is understood).`);
    }
    return { host, port: Number(parsed.port), ignoreControlAck: options.includes('ign_set_control') };
}
/** Data as it goes on the wire: every 0xFF doubled. Pure. */
function escapeData(data) {
    const count = data.reduce((n, byte) => n + (byte === IAC ? 1 : 0), 0);
    if (count === 0)
        return Buffer.from(data);
    const out = Buffer.alloc(data.length + count);
    let at = 0;
    for (const byte of data) {
        out[at++] = byte;
        if (byte === IAC)
            out[at++] = IAC;
    }
    return out;
}
/** A COM-PORT-OPTION subnegotiation from the client. Pure. */
function subnegotiation(command, value) {
    return Buffer.concat([
        Buffer.from([IAC, SB, COM_PORT_OPTION, command]),
        escapeData(value),
        Buffer.from([IAC, SE])
    ]);
}
/**
 * Splits what a Telnet peer sends into data, option negotiations and
 * subnegotiations, across chunk boundaries. Pure apart from its own state.
 */
class TelnetParser {
    state = 'data';
    verb = 0;
    sub = [];
    push(chunk) {
        const events = [];
        let data = [];
        const flush = () => {
            if (data.length)
                events.push({ kind: 'data', data: Buffer.from(data) });
            data = [];
        };
        for (const byte of chunk) {
            switch (this.state) {
                case 'data':
                    if (byte === IAC)
                        this.state = 'iac';
                    else
                        data.push(byte);
                    break;
                case 'iac':
                    this.state = 'data';
                    if (byte === IAC)
                        data.push(IAC);
                    else if (byte === SB) {
                        this.sub = [];
                        this.state = 'sb';
                    }
                    else if (byte >= WILL) {
                        this.verb = byte;
                        this.state = 'verb';
                    }
                    // Other commands (NOP, GA, …) carry nothing here.
                    break;
                case 'verb':
                    flush();
                    events.push({ kind: 'negotiate', verb: this.verb, option: byte });
                    this.state = 'data';
                    break;
                case 'sb':
                    if (byte === IAC)
                        this.state = 'sb-iac';
                    else
                        this.sub.push(byte);
                    break;
                case 'sb-iac':
                    if (byte === IAC) {
                        this.sub.push(IAC);
                        this.state = 'sb';
                    }
                    else {
                        flush();
                        if (byte === SE && this.sub.length) {
                            events.push({
                                kind: 'subnegotiation',
                                option: this.sub[0],
                                payload: Buffer.from(this.sub.slice(1))
                            });
                        }
                        this.state = 'data';
                    }
                    break;
            }
        }
        flush();
        return events;
    }
}
/** The reply to a peer's negotiation: agree to binary, SGA and COM-PORT-OPTION, refuse the rest. Pure. */
function negotiationReply(verb, option) {
    const agreed = AGREED.has(option);
    if (verb === DO)
        return Buffer.from([IAC, agreed ? WILL : WONT, option]);
    if (verb === WILL)
        return Buffer.from([IAC, agreed ? DO : DONT, option]);
    return undefined;
}
const u32 = (n) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
};
/** A connected RFC 2217 port. Emits 'data' (Buffer), 'close' and 'error'. */
class Rfc2217Port extends external_node_events_namespaceObject.EventEmitter {
    socket;
    address;
    url;
    parser = new TelnetParser();
    waiting = new Map();
    /** Options already answered, so that a repeated request gets no second reply. */
    answered = new Set();
    constructor(socket, address, url) {
        super();
        this.socket = socket;
        this.address = address;
        this.url = url;
        socket.on('data', (chunk) => this.receive(chunk));
        socket.on('close', () => this.emit('close'));
        socket.on('error', (error) => this.emit('error', error));
    }
    /** Connects, agrees on the options and sets the line: baudRate, 8N1, no flow control. */
    static async connect(url, options) {
        const address = parseRfc2217Url(url);
        const timeoutMs = options.timeoutMs ?? 10_000;
        const socket = await openSocket(address, url, timeoutMs);
        const port = new Rfc2217Port(socket, address, url);
        socket.write(Buffer.from([
            IAC,
            WILL,
            BINARY,
            IAC,
            DO,
            BINARY,
            IAC,
            WILL,
            SGA,
            IAC,
            DO,
            SGA,
            IAC,
            WILL,
            COM_PORT_OPTION
        ]));
        try {
            await port.command(SET_BAUDRATE, u32(options.baudRate), timeoutMs);
            socket.write(subnegotiation(SET_DATASIZE, Buffer.from([8])));
            socket.write(subnegotiation(SET_PARITY, Buffer.from([1])));
            socket.write(subnegotiation(SET_STOPSIZE, Buffer.from([1])));
            socket.write(subnegotiation(SET_CONTROL, Buffer.from([CONTROL.noFlowControl])));
        }
        catch (error) {
            socket.destroy();
            throw error;
        }
        return port;
    }
    write(data) {
        return new Promise((resolve, reject) => this.socket.write(escapeData(data), (error) => (error ? reject(error) : resolve())));
    }
    /** DTR and RTS, as far as the server's port carries them. */
    async set(signals) {
        const values = [];
        if (signals.dtr !== undefined)
            values.push(signals.dtr ? CONTROL.dtrOn : CONTROL.dtrOff);
        if (signals.rts !== undefined)
            values.push(signals.rts ? CONTROL.rtsOn : CONTROL.rtsOff);
        for (const value of values) {
            if (this.address.ignoreControlAck)
                this.socket.write(subnegotiation(SET_CONTROL, Buffer.from([value])));
            else
                await this.command(SET_CONTROL, Buffer.from([value]), 3_000);
        }
    }
    update(options) {
        return this.command(SET_BAUDRATE, u32(options.baudRate), 3_000);
    }
    close() {
        return new Promise((resolve) => {
            if (this.socket.destroyed)
                return resolve();
            this.socket.once('close', () => resolve());
            this.socket.end();
            setTimeout(() => this.socket.destroy(), 1_000).unref();
        });
    }
    /** Sends a subcommand and waits for the server's acknowledgement of it. */
    command(code, value, timeoutMs) {
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.waiting.delete(code);
                reject(new Rfc2217Error(`${this.url} did not acknowledge ${code === SET_BAUDRATE ? 'the baud rate' : 'a control change'} within ${timeoutMs / 1000} s: is it an RFC 2217 server (esp_rfc2217_server)?`));
            }, timeoutMs);
            this.waiting.set(code, () => {
                clearTimeout(timer);
                resolve();
            });
            this.socket.write(subnegotiation(code, value));
        });
    }
    receive(chunk) {
        for (const event of this.parser.push(chunk)) {
            if (event.kind === 'data')
                this.emit('data', event.data);
            else if (event.kind === 'negotiate') {
                const key = `${event.verb}:${event.option}`;
                const reply = negotiationReply(event.verb, event.option);
                if (reply && !this.answered.has(key)) {
                    this.answered.add(key);
                    this.socket.write(reply);
                }
            }
            else if (event.option === COM_PORT_OPTION && event.payload.length) {
                const done = this.waiting.get(event.payload[0] - SERVER_OFFSET);
                this.waiting.delete(event.payload[0] - SERVER_OFFSET);
                done?.();
            }
        }
    }
}
function openSocket(address, url, timeoutMs) {
    return new Promise((resolve, reject) => {
        const socket = external_node_net_default().connect({ host: address.host, port: address.port });
        socket.setNoDelay(true);
        const timer = setTimeout(() => {
            socket.destroy();
            reject(new Rfc2217Error(`Could not reach ${url} within ${timeoutMs / 1000} s.`));
        }, timeoutMs);
        socket.once('connect', () => {
            clearTimeout(timer);
            resolve(socket);
        });
        socket.once('error', (error) => {
            clearTimeout(timer);
            reject(new Rfc2217Error(`Could not reach the RFC 2217 server ${url}: ${error.code ?? error.message}. Start one on the machine the board is plugged into, e.g. esp_rfc2217_server -p ${address.port} /dev/ttyUSB0, and check the host and port.`));
        });
    });
}

;// CONCATENATED MODULE: ./src/flash/flash-args.ts
/**
 * What host flashing writes and how, from the build: the images with their
 * offsets, the flash mode, frequency and size, the chip and the resets. A
 * CMake build says it in flasher_args.json (what `idf.py flash` passes to
 * esptool); a legacy make build in the port Makefile's `deploy` recipe and
 * its variables. Pure: text in, a plan out.
 */

/** The values esptool-js accepts for each choice (esptool's own, less what esptool-js cannot do). */
const BEFORE = ['default_reset', 'usb_reset', 'no_reset'];
const AFTER = ['hard_reset', 'no_reset'];
const FLASH_MODES = ['qio', 'qout', 'dio', 'dout', 'keep'];
const FLASH_SIZES = [
    'detect',
    'keep',
    '1MB',
    '2MB',
    '4MB',
    '8MB',
    '16MB',
    '32MB',
    '64MB',
    '128MB'
];
const FLASH_FREQ = /^(keep|\d{2,3}m)$/;
/** esptool's own defaults: `write_flash` with no --flash_size detects it; reset before and after. */
const ESPTOOL_DEFAULTS = { flashSize: 'detect', before: 'default_reset', after: 'hard_reset' };
class FlashError extends Error {
    constructor(message) {
        super(message);
        this.name = 'FlashError';
    }
}
/** `0x1000` → 4096. */
function parseOffset(text, where) {
    if (typeof text !== 'string' || !/^0x[0-9a-f]+$/i.test(text.trim())) {
        throw new FlashError(`${where}: '${String(text)}' is not a flash offset such as 0x10000.`);
    }
    return Number.parseInt(text.trim(), 16);
}
function hex(offset) {
    return `0x${offset.toString(16)}`;
}
/** esptool v5 spells the resets with hyphens; esptool-js with underscores. */
function resetName(value) {
    return value.trim().replace(/-/g, '_');
}
/** Why a value is not one of `allowed`, or undefined. Pure. */
function choiceProblem(option, value, allowed) {
    return allowed.includes(value)
        ? undefined
        : `${option} must be one of ${allowed.join(', ')} (got '${value}').`;
}
function checked(value, allowed, where) {
    const problem = choiceProblem(where, value, allowed);
    if (problem)
        throw new FlashError(problem);
    return value;
}
/** A file the build names must stay inside its build directory. */
function relativeFile(file, where) {
    if (typeof file !== 'string' || !file.trim())
        throw new FlashError(`${where}: no file named.`);
    const normal = external_node_path_default().posix.normalize(file.trim().replace(/\\/g, '/'));
    if (external_node_path_default().posix.isAbsolute(normal) || normal === '..' || normal.startsWith('../')) {
        throw new FlashError(`${where}: '${file}' is outside the build directory; refusing to write it.`);
    }
    return normal;
}
function objectAt(json, key, source) {
    const value = json[key];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new FlashError(`${source} has no "${key}" object. Is it a flasher_args.json written by an ESP-IDF build? Build again.`);
    }
    return value;
}
/** The entries of flasher_args.json that name an image ("app", "bootloader", …), by offset. */
function namedEntries(json) {
    const names = new Map();
    for (const [name, value] of Object.entries(json)) {
        if (typeof value !== 'object' || value === null)
            continue;
        const entry = value;
        if (typeof entry.offset !== 'string' || typeof entry.file !== 'string')
            continue;
        const offset = Number.parseInt(entry.offset, 16);
        if (Number.isFinite(offset))
            names.set(offset, { name, encrypted: String(entry.encrypted) === 'true' });
    }
    return names;
}
/** Overrides applied to what the build says; the notes say what changed. */
function applyOverrides(base, overrides) {
    const plan = { ...base, notes: [...base.notes] };
    const change = (key, option, value) => {
        if (value === undefined || value === plan[key])
            return;
        plan.notes.push(`${option} ${value} given (the build says ${plan[key]})`);
        plan[key] = value;
    };
    change('flashMode', '--flash-mode', overrides.flashMode);
    change('flashSize', '--flash-size', overrides.flashSize);
    if (overrides.before)
        plan.before = overrides.before;
    if (overrides.after)
        plan.after = overrides.after;
    return plan;
}
/** The plan of a CMake build, from its flasher_args.json (what `idf.py flash` writes). Pure. */
function planFromFlasherArgs(text, source, buildChip, overrides = {}) {
    let json;
    try {
        json = JSON.parse(text);
    }
    catch (error) {
        throw new FlashError(`${source} is not valid JSON (${error.message}). Build again.`);
    }
    const files = objectAt(json, 'flash_files', source);
    const settings = objectAt(json, 'flash_settings', source);
    const extra = (json.extra_esptool_args ?? {});
    const names = namedEntries(json);
    const images = Object.entries(files)
        .map(([offset, file]) => {
        const at = parseOffset(offset, `${source} flash_files`);
        const entry = names.get(at);
        if (entry?.encrypted) {
            throw new FlashError(`${source}: ${entry.name} is to be written encrypted (flash encryption in development mode), which host flashing does not do. Use --flasher container.`);
        }
        return {
            name: entry?.name ?? external_node_path_default().posix.basename(String(file)),
            offset: at,
            file: relativeFile(file, source)
        };
    })
        .sort((a, b) => a.offset - b.offset);
    if (images.length === 0)
        throw new FlashError(`${source} names no image to write. Build again.`);
    const chip = typeof extra.chip === 'string' && extra.chip ? extra.chip : buildChip;
    const str = (value, fallback) => (typeof value === 'string' && value ? value : fallback);
    const notes = [];
    if (extra.stub === false) {
        notes.push('the build asks for no flasher stub (CONFIG_ESPTOOLPY_NO_STUB); esptool-js uploads its stub');
    }
    const base = {
        chip,
        source,
        images,
        flashMode: checked(str(settings.flash_mode, 'keep'), FLASH_MODES, `${source} flash_mode`),
        flashFreq: flashFreq(str(settings.flash_freq, 'keep'), source),
        flashSize: checked(str(settings.flash_size, 'detect'), FLASH_SIZES, `${source} flash_size`),
        before: checked(resetName(str(extra.before, ESPTOOL_DEFAULTS.before)), BEFORE, `${source} before`),
        after: checked(resetName(str(extra.after, ESPTOOL_DEFAULTS.after)), AFTER, `${source} after`),
        compress: true,
        verify: 'md5',
        appOnly: false,
        notes
    };
    const plan = applyOverrides(base, overrides);
    if (!overrides.appOnly)
        return plan;
    const app = json.app;
    if (!app || typeof app !== 'object') {
        throw new FlashError(`${source} has no "app" entry, so the application image is not known. Flash it whole.`);
    }
    const image = {
        name: 'app',
        offset: parseOffset(app.offset, `${source} app`),
        file: relativeFile(app.file, source)
    };
    return { ...plan, images: [image], appOnly: true };
}
function flashFreq(value, source) {
    if (!FLASH_FREQ.test(value))
        throw new FlashError(`${source}: '${value}' is not a flash frequency such as 40m.`);
    return value;
}

;// CONCATENATED MODULE: ./src/cli/flasher.ts
/**
 * Which flasher writes the board (the port's make deploy in the container, or
 * esptool-js on this machine) and the host flashing options. Pure.
 */




/** The options only host flashing has. */
const HOST_ONLY = ['flash-mode', 'flash-size', 'before', 'after', 'app-only'];
/**
 * The flasher when none is given: on Linux the container, when the port can
 * be passed into it; elsewhere (Docker Desktop on macOS and Windows cannot
 * pass USB devices) this machine. An RFC2217 port is reached from the
 * container everywhere. A port of group root is not a reason to switch: the
 * container refuses it with the fix, which names --flasher host. Pure.
 */
function defaultFlasher(platform, port) {
    if (port && isNetworkPort(port))
        return { flasher: 'container' };
    if (platform !== 'linux') {
        return {
            flasher: 'host',
            why: `Docker on ${platform === 'darwin' ? 'macOS' : platform === 'win32' ? 'Windows' : platform} cannot pass a USB serial port into a container: flashing from this machine`
        };
    }
    return { flasher: 'container' };
}
/** --flasher, checked. Pure. */
function requestedFlasher(options, command) {
    const value = stringOption(options, 'flasher');
    if (value === undefined)
        return undefined;
    if (value !== 'host' && value !== 'container') {
        throw new UsageError(`--flasher must be host or container (got '${value}').`, command);
    }
    return value;
}
/** The host flashing options, checked against what esptool-js accepts. Pure. */
function flashOverrides(options, command) {
    const check = (name, allowed) => {
        const value = stringOption(options, name);
        if (value === undefined)
            return undefined;
        const problem = choiceProblem(`--${name}`, value, allowed);
        if (problem)
            throw new UsageError(problem, command);
        return value;
    };
    const overrides = {};
    const flashMode = check('flash-mode', FLASH_MODES);
    const flashSize = check('flash-size', FLASH_SIZES);
    const before = check('before', BEFORE);
    const after = check('after', AFTER);
    if (flashMode)
        overrides.flashMode = flashMode;
    if (flashSize)
        overrides.flashSize = flashSize;
    if (before)
        overrides.before = before;
    if (after)
        overrides.after = after;
    if (options['app-only'] === true)
        overrides.appOnly = true;
    return overrides;
}
/** Host-only options given with the container flasher: say how to have them. Pure. */
function containerConflict(options, flasher) {
    if (flasher !== 'container')
        return undefined;
    const given = HOST_ONLY.filter((name) => options[name] !== undefined).map((name) => `--${name}`);
    if (given.length === 0)
        return undefined;
    return `${given.join(', ')} ${given.length > 1 ? 'apply' : 'applies'} to flashing from this machine: add --flasher host (the container runs the port's own make deploy or erase).`;
}
/** Why a port name cannot be a serial port of this platform, or undefined. Pure. */
function hostPortProblem(platform, port) {
    if (isRfc2217Url(port)) {
        try {
            parseRfc2217Url(port);
            return undefined;
        }
        catch (error) {
            return error.message;
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
function hostPortNote(platform, port) {
    if (platform === 'darwin' && /^\/dev\/tty\./.test(port)) {
        return `On macOS use the call-out device ${port.replace('/dev/tty.', '/dev/cu.')} rather than ${port}, whose open waits for a carrier signal.`;
    }
    return undefined;
}
/** No port given or found: what to name, per platform. Pure. */
function noPortMessage(platform) {
    if (platform === 'darwin')
        return "No serial port given: name the board's with --port, e.g. /dev/cu.usbserial-0001 (ls /dev/cu.* lists them).";
    if (platform === 'win32')
        return "No serial port given: name the board's with --port, e.g. COM3 (Device Manager, Ports (COM & LPT), lists them).";
    return 'No serial port found: no /dev/ttyUSB* or /dev/ttyACM*. Plug the board in (dmesg | tail names the port it gets) or give one with --port.';
}

;// CONCATENATED MODULE: ./src/flash/decisions.ts
/**
 * The host flasher's decisions over what esptool-js and serialport report:
 * whether the chip is the build's, and what a failure means for the user.
 * Pure.
 */

/** esptool-js's chip name ('ESP32-S3') as esptool's ('esp32s3'). */
function chipId(chipName) {
    return chipName.toLowerCase().replace(/[^a-z0-9]/g, '');
}
/** Why the board cannot take this build, or undefined. */
function chipProblem(expected, chipName, port) {
    if (!expected || chipId(chipName) === chipId(expected))
        return undefined;
    return `The board on ${port} is an ${chipName}, but the firmware was built for ${expected}. Connect an ${expected} board, or build for this one (--board names a board of its chip).`;
}
/** What opening the port failed on, from serialport's message. */
function openProblem(message, port, holders) {
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
function noSyncMessage(port, before, pty) {
    const reset = before === 'no_reset'
        ? pty
            ? 'The board must already wait in its bootloader, since a pseudo-terminal cannot reset it.'
            : 'Nothing reset it (--before no_reset): hold BOOT and press EN/RESET, or try --before default_reset.'
        : before === 'usb_reset'
            ? 'Hold BOOT and press EN/RESET, or try --before default_reset.'
            : 'Hold BOOT and press EN/RESET (then release BOOT) and try again, or try --before usb_reset for a board on its own USB port (ESP32-S3, C3, C6), or a lower --baud.';
    return `The board on ${port} did not answer the sync: it is not in its serial bootloader. ${reset}`;
}
/** An image whose MD5 on the board differs from the file's. */
function md5Message(image, port) {
    return `Verification failed: the flash at ${hex(image.offset)} does not hold ${image.file} (${image.name}) as written; its MD5 on the board differs from the file's. Nothing was wrong with the file: the data was corrupted on the way or in the flash. Try again, with a lower --baud or another cable; if it keeps failing, erase the flash (esp32-build erase --port ${port}) first.`;
}
/** The optional packages could not be loaded: how to get them. */
function missingPackageMessage(name, error) {
    if (/No native build was found|bindings|\.node\b/i.test(error.message)) {
        return `serialport has no native binding for this platform (${process.platform}-${process.arch}): ${error.message.split('\n')[0]}. Build it: npm rebuild @serialport/bindings-cpp --build-from-source in the esp32-micropython-build clone (needs Python and a C++ compiler), or use --flasher container.`;
    }
    return `Host flashing needs the optional package ${name}, which is not installed (${error.message.split('\n')[0]}). In the esp32-micropython-build clone run npm ci (it installs esptool-js and serialport), or use --flasher container.`;
}
/** macOS lists the dial-in device (/dev/tty.*), whose open waits for a carrier: its call-out twin (/dev/cu.*). */
function callOutName(path, platform) {
    return platform === 'darwin' ? path.replace(/^\/dev\/tty\./, '/dev/cu.') : path;
}
/**
 * Whether serialport's listed `path` is the port named: as named, its
 * macOS call-out twin, or on Windows the same COM port in any case and with
 * or without the \\.\ prefix.
 */
function isListedPort(listed, port, platform) {
    if (listed === port || callOutName(listed, platform) === callOutName(port, platform))
        return true;
    if (platform !== 'win32')
        return false;
    const bare = (name) => name.replace(/^\\\\\.\\/, '').toUpperCase();
    return bare(listed) === bare(port);
}

;// CONCATENATED MODULE: ./src/cli/port-list.ts
/**
 * The board's port on macOS and Windows, where there is no /dev/ttyUSB* to
 * look for: the ports the optional `serialport` package lists, and of those
 * the one behind a USB serial bridge that ESP32 boards carry.
 */

/** The USB serial bridges of ESP32 boards, by USB vendor and product ID (lower-case hex). */
const BOARD_BRIDGES = [
    { vid: '10c4', pid: 'ea60', name: 'CP210x' },
    { vid: '1a86', pid: '7523', name: 'CH340' },
    { vid: '1a86', pid: '55d4', name: 'CH9102' },
    { vid: '0403', pid: '6001', name: 'FTDI FT232R' },
    { vid: '0403', pid: '6010', name: 'FTDI FT2232' },
    { vid: '0403', pid: '6015', name: 'FTDI FT-X' },
    { vid: '303a', pid: '1001', name: 'Espressif USB-JTAG/serial' }
];
/** The bridge a port is behind, if one of {@link BOARD_BRIDGES}. Pure. */
function bridgeOf(port) {
    const vid = port.vendorId?.toLowerCase();
    const pid = port.productId?.toLowerCase();
    return BOARD_BRIDGES.find((b) => b.vid === vid && b.pid === pid)?.name;
}
function comNumber(path) {
    return Number(/^COM(\d+)$/i.exec(path)?.[1] ?? Number.MAX_SAFE_INTEGER);
}
/**
 * The board's port among those listed: the one behind a known bridge; with
 * several, none (the user names one), since flashing the wrong board is
 * worse than asking. Pure.
 */
function chooseListedPort(ports, platform) {
    const boards = ports
        .map((port) => ({ path: callOutName(port.path, platform), bridge: bridgeOf(port) }))
        .filter((port) => port.bridge !== undefined)
        .sort((a, b) => comNumber(a.path) - comNumber(b.path) || a.path.localeCompare(b.path));
    const names = [...new Set(boards.map((b) => b.path))];
    if (names.length === 1) {
        return { port: names[0], note: `Found a board on ${names[0]} (${boards[0].bridge})` };
    }
    if (names.length > 1) {
        return { note: `Several boards are plugged in (${names.join(', ')}): name one with --port.` };
    }
    const listed = ports.map((port) => callOutName(port.path, platform));
    return {
        note: listed.length
            ? `No port is behind a USB serial bridge of an ESP32 board (listed: ${listed.join(', ')}): name the board's with --port.`
            : 'No serial port is listed: plug the board in (and install its USB serial driver), or name its port with --port.'
    };
}
/** The ports this machine lists, through the optional `serialport` package, loaded only here. */
async function listPorts(load = () => import(/* webpackIgnore: true */ 'serialport')) {
    let serialport;
    try {
        serialport = await load();
    }
    catch (error) {
        throw new Error(missingPackageMessage('serialport', error));
    }
    return serialport.SerialPort.list();
}
/**
 * The board's port when none is given, on macOS and Windows: the one
 * {@link chooseListedPort} picks, the log saying which or why none. A
 * listing that fails is said and leaves the port to --port.
 */
async function listedBoardPort(platform, log, list = listPorts) {
    let ports;
    try {
        ports = await list();
    }
    catch (error) {
        log.warning(`Could not list the serial ports: ${error.message}`);
        return undefined;
    }
    const choice = chooseListedPort(ports, platform);
    if (choice.port)
        log.info(choice.note);
    else
        log.warning(choice.note);
    return choice.port;
}

;// CONCATENATED MODULE: ./src/cli/board-port.ts





/** The port and flasher of deploy and erase; `make` always uses the container. */
async function board_port_chooseBoard(ctx, command, platform = process.platform) {
    const { options } = ctx.args;
    // Mistakes on the command line first, before the port is looked at.
    const asked = command === 'make' ? 'container' : requestedFlasher(options, command);
    const overrides = command === 'make' ? {} : flashOverrides(options, command);
    const { requested, chosen } = await findPort(ctx, platform);
    const local = chosen !== undefined && platform === 'linux' && !isNetworkPort(chosen);
    const facts = local ? await portFacts(chosen) : undefined;
    const fallback = defaultFlasher(platform, chosen);
    const flasher = asked ?? fallback.flasher;
    if (!asked && fallback.why)
        ctx.terminal.log.info(`${fallback.why} (--flasher host).`);
    const conflict = containerConflict(options, flasher);
    if (conflict)
        throw new UsageError(conflict, command);
    if (flasher === 'host') {
        return { flasher, host: { ...hostPort(ctx, platform, chosen, facts), overrides } };
    }
    return { flasher, serial: await containerSerial(ctx, platform, requested, chosen, facts) };
}
/** The port named (--port, else $ESPPORT), and the one to use: that, or one found on this platform. */
async function findPort(ctx, platform) {
    const requested = stringOption(ctx.args.options, 'port') ?? (process.env.ESPPORT || undefined);
    const chosen = requested || platform === 'linux'
        ? choosePort(requested, platform === 'linux' ? devNames() : [])
        : await listedBoardPort(platform, ctx.terminal.log);
    return { requested, chosen };
}
/**
 * Refuses a port this process cannot open itself (host flashing, the
 * monitor): a name the platform does not use, or (on Linux, with its facts)
 * one this user may not open; warns of a name that works badly.
 */
function checkHostPort(ctx, platform, port, facts) {
    const problem = hostPortProblem(platform, port) ?? (facts && portProblem(facts, currentUser(), 'host'));
    if (problem)
        throw new SerialError(problem);
    const note = hostPortNote(platform, port);
    if (note)
        ctx.terminal.warning(note);
}
function hostPort(ctx, platform, chosen, facts) {
    if (!chosen)
        throw new SerialError(noPortMessage(platform));
    checkHostPort(ctx, platform, chosen, facts);
    const pty = facts ? isPseudoTerminal(facts.realPath ?? chosen, facts.major) : false;
    ctx.terminal.log.info(`Board on ${chosen}${pty ? ' (a pseudo-terminal)' : ''}, flashed from this machine`);
    return { port: chosen, pty };
}
/** The board's port, checked on the host as the device would check the container. */
async function containerSerial(ctx, platform, requested, chosen, facts) {
    const problem = platformProblem(platform, chosen ?? requested);
    if (problem)
        throw new SerialError(problem);
    if (!chosen)
        throw new SerialError(noPortMessage(platform));
    if (isNetworkPort(chosen))
        return { port: chosen, name: chosen };
    const known = facts ?? (await portFacts(chosen));
    const user = currentUser();
    const refusal = portProblem(known, user, 'container');
    if (refusal)
        throw new SerialError(refusal);
    const granted = groupGrantNote(known, user, 'container');
    if (granted)
        ctx.terminal.log.info(granted);
    const attachment = serialAttachment(known);
    ctx.terminal.log.info(`Board on ${chosen}${attachment.kind === 'bind' ? ` (a pseudo-terminal, mounted as ${attachment.container})` : ''}, group ${known.groupName ?? known.gid}`);
    return { attachment, port: attachment.container, name: chosen };
}

;// CONCATENATED MODULE: ./src/flash/monitor.ts
const EXIT_KEY = 0x1d;
const EXIT_KEY_NAME = 'Ctrl-]';
const LINE_ENDINGS = { CR: '\r', LF: '\n', CRLF: '\r\n' };
/** The first line: where, how fast, and how to leave. Pure. */
function monitorBanner(port, baud) {
    return `--- Monitor on ${port} at ${baud} baud. Exit: ${EXIT_KEY_NAME} ---`;
}
/**
 * What typed bytes become on the wire, and whether the exit key ended them
 * (what follows it is dropped). Enter (CR, or LF from a pipe) becomes `eol`. Pure.
 */
function translateInput(chunk, eol) {
    const out = [];
    const ending = [...Buffer.from(LINE_ENDINGS[eol])];
    for (const byte of chunk) {
        if (byte === EXIT_KEY)
            return { send: Buffer.from(out), exit: true };
        if (byte === 0x0d || byte === 0x0a)
            out.push(...ending);
        else
            out.push(byte);
    }
    return { send: Buffer.from(out), exit: false };
}
/**
 * Runs until the exit key (0), the end of the input (0), the port going away
 * (1) or the signal (130). Restores the terminal whatever happens.
 */
async function runMonitor(port, io, options = {}) {
    const eol = options.eol ?? 'CR';
    const raw = io.input.isTTY === true && typeof io.input.setRawMode === 'function';
    if (raw)
        io.input.setRawMode(true);
    let writing = Promise.resolve();
    try {
        return await new Promise((resolve) => {
            let done = false;
            const finish = (code) => {
                done = true;
                resolve(code);
            };
            port.on('data', (data) => {
                if (!done)
                    io.output.write(data);
            });
            port.on('close', () => {
                if (done)
                    return;
                io.note('--- The port closed (the board unplugged or reset?) ---');
                finish(1);
            });
            io.input.on('data', (chunk) => {
                if (done)
                    return;
                const { send, exit } = translateInput(chunk, eol);
                if (send.length)
                    writing = writing.then(() => port.write(send)).catch(() => undefined);
                if (exit)
                    finish(0);
            });
            io.input.once('end', () => finish(0));
            options.signal?.addEventListener('abort', () => finish(130), { once: true });
            io.input.resume();
        });
    }
    finally {
        if (raw)
            io.input.setRawMode(false);
        io.input.pause();
        await writing;
        await port.close().catch(() => undefined);
    }
}

;// CONCATENATED MODULE: ./src/flash/web-serial.ts
/**
 * A Node serial port (the `serialport` package) in the shape of a Web Serial
 * `SerialPort`, which is what esptool-js's Transport drives: open/close,
 * `readable`/`writable` web streams, setSignals, getInfo, and an in-place
 * baud rate change (`setBaudRate`, which Transport prefers to reopening).
 * Only this shape is assumed of the Node port, so a fake one tests it.
 */
/** A callback-style call of a Node port, as a promise. */
function settle(run) {
    return new Promise((resolve, reject) => {
        run((error) => (error ? reject(error) : resolve()));
    });
}
/** A Web Serial SerialPort over a Node serial port. */
class WebSerialPort {
    path;
    factory;
    info;
    readable = null;
    writable = null;
    port;
    // serialport's set() puts back DTR and RTS it is not given, so both are always sent.
    signals = { dtr: true, rts: true, brk: false };
    constructor(path, factory, info = {}) {
        this.path = path;
        this.factory = factory;
        this.info = info;
    }
    getInfo() {
        return { ...this.info };
    }
    async open(options) {
        if (this.port)
            throw new Error(`${this.path} is already open`);
        const port = this.factory({ path: this.path, baudRate: options.baudRate });
        await settle((cb) => port.open(cb));
        this.port = port;
        // Opening a port asserts DTR and RTS, as the operating system does.
        this.signals = { dtr: true, rts: true, brk: false };
        this.readable = this.readableOf(port);
        this.writable = this.writableOf(port);
    }
    readableOf(port) {
        let done = false;
        return new ReadableStream({
            start(controller) {
                port.on('data', (chunk) => {
                    if (!done)
                        controller.enqueue(new Uint8Array(chunk));
                });
                port.on('error', (error) => {
                    if (done)
                        return;
                    done = true;
                    controller.error(error);
                });
                port.on('close', () => {
                    if (done)
                        return;
                    done = true;
                    controller.close();
                });
            },
            cancel() {
                done = true;
            }
        });
    }
    writableOf(port) {
        return new WritableStream({
            // Written and drained before the next write, signal change or baud change.
            write: async (chunk) => {
                await settle((cb) => port.write(Buffer.from(chunk), cb));
                await settle((cb) => port.drain(cb));
            }
        });
    }
    async setSignals(signals) {
        const port = this.opened();
        if (signals.dataTerminalReady !== undefined)
            this.signals.dtr = signals.dataTerminalReady;
        if (signals.requestToSend !== undefined)
            this.signals.rts = signals.requestToSend;
        if (signals.break !== undefined)
            this.signals.brk = signals.break;
        const { dtr, rts, brk } = this.signals;
        await settle((cb) => port.set({ dtr, rts, brk }, cb));
    }
    /** Transport.changeBaudrate uses this instead of closing and reopening the port. */
    async setBaudRate(baudRate) {
        const port = this.opened();
        await settle((cb) => port.update({ baudRate }, cb));
    }
    async close() {
        const port = this.port;
        if (!port)
            return;
        this.port = undefined;
        this.readable = null;
        this.writable = null;
        try {
            await settle((cb) => port.close(cb));
        }
        finally {
            port.removeAllListeners();
        }
    }
    opened() {
        if (!this.port)
            throw new Error(`${this.path} is not open`);
        return this.port;
    }
}

;// CONCATENATED MODULE: ./src/flash/open-port.ts
/**
 * A serial port opened on this machine for the monitor: a local device
 * through the optional `serialport` package (loaded only here), or an
 * RFC 2217 port over the network.
 */





/** A local port in the monitor's shape. */
class LocalPort extends external_node_events_namespaceObject.EventEmitter {
    port;
    constructor(port) {
        super();
        this.port = port;
        port.on('data', (data) => this.emit('data', data));
        port.on('close', () => this.emit('close'));
        port.on('error', () => this.emit('close'));
    }
    async write(data) {
        await settle((cb) => this.port.write(Buffer.from(data), cb));
        await settle((cb) => this.port.drain(cb));
    }
    async close() {
        this.port.removeAllListeners('close');
        await settle((cb) => this.port.close(cb)).catch(() => undefined);
    }
}
/** Opens `port` at `baudRate`; a failure says what to do. */
async function openMonitorPort(port, baudRate, load = () => import(/* webpackIgnore: true */ 'serialport')) {
    if (isRfc2217Url(port))
        return Rfc2217Port.connect(port, { baudRate });
    let serialport;
    try {
        serialport = await load();
    }
    catch (error) {
        throw new FlashError(missingPackageMessage('serialport', error));
    }
    const device = new serialport.SerialPort({ path: port, baudRate, autoOpen: false });
    try {
        await settle((cb) => device.open(cb));
    }
    catch (error) {
        throw new FlashError(`Could not open ${port}: ${error.message}`);
    }
    return new LocalPort(device);
}

;// CONCATENATED MODULE: ./src/cli/monitor-command.ts
/** esp32-build monitor, and deploy --monitor: the serial console on this machine. */







/** MicroPython's REPL speed. */
const MONITOR_BAUD = 115200;
/** --eol, checked. Pure. */
function lineEnding(value) {
    if (value === undefined)
        return 'CR';
    const upper = value.toUpperCase();
    if (upper in LINE_ENDINGS)
        return upper;
    throw new UsageError(`--eol must be CR, LF or CRLF (got '${value}').`, 'monitor');
}
/** The monitor's port: the one given or found, checked as this user opens it. */
async function monitorPort(ctx) {
    const platform = process.platform;
    const { chosen } = await findPort(ctx, platform);
    if (!chosen)
        throw new SerialError(noPortMessage(platform));
    if (isNetworkPort(chosen))
        return chosen;
    checkHostPort(ctx, platform, chosen, platform === 'linux' ? await portFacts(chosen) : undefined);
    return chosen;
}
/** Runs the monitor until its exit key; the exit code. */
async function monitorCommand(ctx, baudOption = true) {
    const port = await monitorPort(ctx);
    const given = baudOption ? stringOption(ctx.args.options, 'baud') : undefined;
    if (given !== undefined && !BAUD_PATTERN.test(given)) {
        throw new UsageError(`--baud must be a number of bits per second such as 115200, got '${given}'.`, 'monitor');
    }
    const baud = given ? Number(given) : MONITOR_BAUD;
    const eol = lineEnding(stringOption(ctx.args.options, 'eol'));
    const opened = await openMonitorPort(port, baud);
    ctx.terminal.close();
    process.stderr.write(`${monitorBanner(port, baud)}\n`);
    const code = await runMonitor(opened, { input: process.stdin, output: process.stdout, note: (line) => process.stderr.write(`\n${line}\n`) }, { eol, signal: ctx.signal });
    process.stderr.write(`\n--- Monitor closed (${code === 0 ? EXIT_KEY_NAME : `exit ${code}`}) ---\n`);
    return code;
}

;// CONCATENATED MODULE: ./src/flash/plan.ts
/**
 * The host flash step as data: what a dry run prints and what the host
 * flasher executes. Pure.
 */



/** The ROM loader's baud rate before the flasher changes it. */
const ROM_BAUD = 115200;
/** On a pseudo-terminal no reset can be done: it has no DTR and RTS lines. Pure. */
function resetsFor(plan, pty) {
    if (!pty)
        return { before: plan.before, after: plan.after };
    const asked = plan.before !== 'no_reset' || plan.after !== 'no_reset';
    return {
        before: 'no_reset',
        after: 'no_reset',
        note: asked
            ? `${plan.port} is a pseudo-terminal, which cannot carry DTR/RTS: no reset before or after (--before no_reset --after no_reset); the board must already wait in its bootloader.`
            : undefined
    };
}
/** The plan of a write: the build's settings, with the resets the build asks for or the user chose. */
function writePlan(base, buildDir, write) {
    return {
        kind: 'write',
        ...base,
        romBaud: ROM_BAUD,
        chip: write.chip,
        before: write.before,
        after: write.after,
        buildDir,
        write
    };
}
/**
 * The esptool.py command line that writes (or erases) what the plan does:
 * the same images, offsets, settings and resets. Pure.
 */
function esptoolArgs(plan, pty = false) {
    const { before, after } = resetsFor(plan, pty);
    const head = ['--chip', plan.chip ?? 'auto', '--port', plan.port, '--baud', String(plan.baud)];
    const resets = ['--before', before, '--after', after];
    if (plan.kind === 'erase')
        return [...head, ...resets, 'erase_flash'];
    if (!plan.write)
        return [...head, ...resets, 'write_flash', '-z'];
    const w = plan.write;
    return [
        ...head,
        ...resets,
        'write_flash',
        '-z',
        ...['--flash_mode', w.flashMode, '--flash_freq', w.flashFreq, '--flash_size', w.flashSize],
        ...w.images.flatMap((image) => [hex(image.offset), external_node_path_default().join(plan.buildDir ?? '', image.file)])
    ];
}
/** The plan's lines, for a dry run (prefixed with '#') and for the run's log. Pure. */
function hostFlashLines(plan, pty = false, resetNote = true) {
    const resets = resetsFor(plan, pty);
    const lines = [
        `${plan.kind === 'erase' ? 'Erase the whole flash' : 'Write the firmware'} from this machine (esptool-js over serialport), no container`,
        `  port ${plan.port}, ${plan.romBaud} baud to connect, then ${plan.baud}${plan.chip ? `; chip must be ${plan.chip}` : ''}`,
        `  reset before: ${resets.before}, after: ${resets.after}`
    ];
    if (resets.note && resetNote)
        lines.push(`  note: ${resets.note}`);
    if (plan.kind === 'erase')
        return lines;
    if (!plan.write) {
        lines.push(`  images: ${plan.pending ?? 'unknown until the build'}`);
        return lines;
    }
    const w = plan.write;
    lines.push(`  from ${w.source}${w.appOnly ? ' (the application only)' : ''}`, `  flash mode ${w.flashMode}, frequency ${w.flashFreq}, size ${w.flashSize}; compressed; each image verified by MD5`, ...w.images.map((image) => `  ${hex(image.offset).padEnd(9)} ${external_node_path_default().join(plan.buildDir ?? '', image.file)}`), ...w.notes.map((note) => `  note: ${note}`), `  as esptool.py would: ${formatArgv('esptool.py', esptoolArgs(plan, pty))}`);
    return lines;
}

;// CONCATENATED MODULE: ./src/flash/rfc2217-serial-port.ts
/** An RFC 2217 port in the callback shape of the `serialport` package (what the Web Serial adapter drives). */


/**
 * An RFC 2217 port with the callback API of the `serialport` package's
 * SerialPort (open, write, drain, set, update, close, 'data'), so the Web
 * Serial adapter that esptool-js drives takes it as it takes a local port.
 */
class Rfc2217SerialPort extends external_node_events_namespaceObject.EventEmitter {
    url;
    baudRate;
    port;
    pending = Promise.resolve();
    constructor(url, baudRate) {
        super();
        this.url = url;
        this.baudRate = baudRate;
    }
    open(callback) {
        Rfc2217Port.connect(this.url, { baudRate: this.baudRate }).then((port) => {
            this.port = port;
            port.on('data', (data) => this.emit('data', data));
            port.on('error', (error) => this.emit('error', error));
            port.on('close', () => this.emit('close'));
            callback(null);
        }, (error) => callback(error));
    }
    write(data, callback) {
        this.pending = this.pending.then(() => this.connected().write(data));
        this.pending.then(() => callback(null), (error) => callback(error));
        return true;
    }
    drain(callback) {
        this.pending.then(() => callback(null), (error) => callback(error));
    }
    set(options, callback) {
        this.connected()
            .set(options)
            .then(() => callback(null), (error) => callback(error));
    }
    update(options, callback) {
        this.baudRate = options.baudRate;
        this.connected()
            .update(options)
            .then(() => callback(null), (error) => callback(error));
    }
    close(callback) {
        const port = this.port;
        this.port = undefined;
        if (!port)
            return callback(null);
        port.close().then(() => callback(null), (error) => callback(error));
    }
    connected() {
        if (!this.port)
            throw new Rfc2217Error(`${this.url} is not open`);
        return this.port;
    }
}

;// CONCATENATED MODULE: ./src/flash/host-flasher.ts
/**
 * Host flashing: the plan executed from this process with esptool-js over
 * the `serialport` package, no container. Both packages are optional
 * dependencies, loaded here only when host flashing runs. The serial port's
 * path is all it needs, so a pseudo-terminal (a fake ROM loader) works.
 */









async function load(name, loader) {
    try {
        return await loader();
    }
    catch (error) {
        throw new FlashError(missingPackageMessage(name, error));
    }
}
/** Whether a port is a Unix98 pseudo-terminal (/dev/pts/N, majors 136–143). */
async function isPseudoTerminalPath(port) {
    if (process.platform === 'win32')
        return false;
    try {
        const real = await (0,promises_namespaceObject.realpath)(port);
        if (/^\/dev\/pts\/\d+$/.test(real))
            return true;
        const major = ((await (0,promises_namespaceObject.stat)(real)).rdev >> 8) & 0xfff;
        return process.platform === 'linux' && major >= 136 && major <= 143;
    }
    catch {
        return false;
    }
}
/** The USB vendor and product of a port, when serialport lists it (esptool-js picks its reset from them). */
async function usbInfo(serialport, port) {
    try {
        const real = await (0,promises_namespaceObject.realpath)(port).catch(() => port);
        const found = (await serialport.SerialPort.list()).find((p) => p.path === real || isListedPort(p.path, port, process.platform));
        const number = (text) => text && /^[0-9a-f]+$/i.test(text) ? Number.parseInt(text, 16) : undefined;
        return { usbVendorId: number(found?.vendorId), usbProductId: number(found?.productId) };
    }
    catch {
        return {};
    }
}
/** esptool-js's lines into the log (shown with the phase's output). */
function loaderTerminal(log) {
    let partial = '';
    const line = (text) => {
        const full = (partial + text).trim();
        partial = '';
        if (!full)
            return;
        // Its banner and per-block lines say nothing the progress does not.
        if (/^(Writing at 0x|esptool\.js$|Serial port\b)/.test(full))
            log.debug(full);
        else
            log.output(full);
    };
    return {
        clean: () => { },
        write: (data) => {
            partial += data;
        },
        writeLine: line
    };
}
async function readImages(plan) {
    if (!plan.write || !plan.buildDir)
        throw new FlashError('Nothing to write: the plan names no image.');
    const buildDir = plan.buildDir;
    return Promise.all(plan.write.images.map(async (image) => {
        const file = external_node_path_default().join(buildDir, image.file);
        try {
            return { image, data: new Uint8Array(await (0,promises_namespaceObject.readFile)(file)) };
        }
        catch {
            throw new FlashError(`${plan.write.source} names ${image.file}, which is not in ${buildDir}. Build again (esp32-build build).`);
        }
    }));
}
/** Executes a host flash plan: connect, check the chip, write (or erase), reset. */
async function hostFlash(plan, env) {
    const images = plan.kind === 'write' ? await readImages(plan) : [];
    // Named without their types (`as string`), so that type checking needs neither optional package.
    const esptool = await load('esptool-js', env.loadEsptool ?? (() => import(/* webpackIgnore: true */ 'esptool-js')));
    const network = isRfc2217Url(plan.port);
    // A port over the network needs no native serial binding.
    const serialport = network
        ? undefined
        : await load('serialport', env.loadSerialport ?? (() => import(/* webpackIgnore: true */ 'serialport')));
    const pty = network ? false : await (env.isPty ?? isPseudoTerminalPath)(plan.port);
    const resets = resetsFor(plan, pty);
    if (resets.note)
        env.log.info(resets.note);
    const factory = ({ path: portPath, baudRate }) => network
        ? new Rfc2217SerialPort(portPath, baudRate)
        : new serialport.SerialPort({ path: portPath, baudRate, autoOpen: false });
    const device = new WebSerialPort(plan.port, factory, serialport ? await usbInfo(serialport, plan.port) : {});
    const transport = new esptool.Transport(device, false);
    // Its trace goes to console.log (stdout, where results go) even untraced, as when the port closes.
    transport.trace = (message) => env.log.debug(`esptool-js: ${message}`);
    const loader = new esptool.ESPLoader({
        transport,
        baudrate: plan.baud,
        romBaudrate: plan.romBaud,
        terminal: loaderTerminal(env.log)
    });
    const stop = () => void device.close().catch(() => { });
    env.signal?.addEventListener('abort', stop, { once: true });
    try {
        await connect(loader, plan, resets.before, pty, env);
        const chip = loader.chip.CHIP_NAME;
        const problem = chipProblem(plan.chip, chip, plan.port);
        if (problem)
            throw new FlashError(problem);
        env.log.info(`Connected to an ${chip} on ${plan.port}`);
        const written = plan.kind === 'write' ? await writeImages(loader, plan, images, env) : [];
        if (plan.kind === 'erase')
            await loader.eraseFlash();
        if (resets.after === 'hard_reset')
            await loader.after('hard_reset');
        else
            env.log.info('Left the board in its bootloader (--after no_reset)');
        return { chip, written };
    }
    finally {
        env.signal?.removeEventListener('abort', stop);
        await transport.disconnect().catch(() => device.close().catch(() => { }));
    }
}
async function connect(loader, plan, before, pty, env) {
    try {
        await loader.main(before);
    }
    catch (error) {
        if (env.signal?.aborted)
            throw error;
        const message = error.message ?? String(error);
        const holders = /lock|busy|unavailable|access denied/i.test(message)
            ? (env.holders?.(plan.port) ?? [])
            : [];
        const opening = openProblem(message, plan.port, holders);
        if (opening)
            throw new FlashError(opening);
        if (/failed to connect/i.test(message))
            throw new FlashError(noSyncMessage(plan.port, before, pty));
        throw error;
    }
}
async function writeImages(loader, plan, images, env) {
    const settings = plan.write;
    let current = 0;
    try {
        await loader.writeFlash({
            fileArray: images.map(({ image, data }) => ({ data, address: image.offset })),
            flashMode: settings.flashMode,
            flashFreq: loaderFlashFreq(settings.flashFreq),
            flashSize: settings.flashSize,
            eraseAll: false,
            compress: settings.compress,
            reportProgress: (index, written, total) => {
                current = index;
                env.onProgress?.({ image: images[index].image.file, written, total });
            },
            calculateMD5Hash: (data) => (0,external_node_crypto_namespaceObject.createHash)('md5').update(data).digest('hex')
        });
    }
    catch (error) {
        if (/md5/i.test(error.message ?? '')) {
            throw new FlashError(md5Message(images[current].image, plan.port));
        }
        throw error;
    }
    return images.map(({ image, data }) => ({ ...image, bytes: data.length }));
}
/**
 * esptool-js rewrites a bootloader header's frequency only for 20m, 26m,
 * 40m and 80m; any other it would write as garbage. The build put its
 * frequency in the header already (elf2image was given the same value), so
 * keeping it writes what esptool would.
 */
function loaderFlashFreq(freq) {
    return ['20m', '26m', '40m', '80m', 'keep'].includes(freq) ? freq : 'keep';
}

;// CONCATENATED MODULE: ./src/flash/legacy-deploy.ts
/**
 * A legacy (GNU make, MicroPython ≤ v1.14) build's flash plan, read from the
 * port's own `make deploy` recipe: `esptool.py --chip esp32 … write_flash -z
 * --flash_mode $(FLASH_MODE) --flash_freq $(FLASH_FREQ) 0x1000 $^`, with the
 * variables as make sees them. Pure.
 */

const ASSIGNMENT = /^\s*(?:override\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(\?=|:=|\+=|=)\s*(.*?)\s*$/;
/** Stands for $(BUILD) while expanding, so that files can be made relative to the build directory. */
const legacy_deploy_BUILD = '\0BUILD\0';
/**
 * The variables as make sees them: the board's mpconfigboard.mk is included
 * before the Makefile's `?=` defaults, and NAME=value on the command line
 * wins over both. Only plain assignments are read (no conditionals). Pure.
 */
function makeVariables(makefile, boardMk, makeArgs = []) {
    const vars = new Map();
    for (const text of [boardMk, makefile]) {
        for (const line of text.split('\n')) {
            const m = ASSIGNMENT.exec(line);
            if (!m || line.startsWith('\t'))
                continue;
            const [, name, op, value] = m;
            if (op === '?=' && vars.has(name))
                continue;
            vars.set(name, op === '+=' && vars.has(name) ? `${vars.get(name)} ${value}` : value);
        }
    }
    for (const arg of makeArgs) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(arg);
        if (m)
            vars.set(m[1], m[2]);
    }
    return vars;
}
/** $(NAME) and ${NAME} expanded; $(BUILD) left as a marker. */
function expand(text, vars, depth = 0) {
    if (depth > 10)
        return text;
    return text.replace(/\$[({]([A-Za-z_][A-Za-z0-9_]*)[)}]/g, (_, name) => name === 'BUILD' ? legacy_deploy_BUILD : expand(vars.get(name) ?? '', vars, depth + 1));
}
/** A rule's prerequisites and recipe lines. Pure. */
function makeRule(makefile, target) {
    const lines = makefile.split('\n');
    const escaped = target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const start = lines.findIndex((line) => new RegExp(`^${escaped}\\s*:(?!=)`).test(line));
    if (start < 0)
        return undefined;
    const prerequisites = lines[start]
        .slice(lines[start].indexOf(':') + 1)
        .trim()
        .split(/\s+/)
        .filter(Boolean);
    const recipe = [];
    for (const line of lines.slice(start + 1)) {
        if (!line.startsWith('\t'))
            break;
        recipe.push(line.trim());
    }
    return { prerequisites, recipe };
}
/** A path under $(BUILD), relative to the build directory. */
function buildRelative(word, where) {
    if (!word.startsWith(`${legacy_deploy_BUILD}/`)) {
        throw new FlashError(`${where}: '${word}' is not a file of the build directory ($(BUILD)/…).`);
    }
    return word.slice(legacy_deploy_BUILD.length + 1);
}
const VALUE_FLAGS = {
    '--chip': 'chip',
    '-c': 'chip',
    '--before': 'before',
    '--after': 'after',
    '--flash_mode': 'flashMode',
    '-fm': 'flashMode',
    '--flash_freq': 'flashFreq',
    '-ff': 'flashFreq',
    '--flash_size': 'flashSize',
    '-fs': 'flashSize'
};
/** esptool.py's arguments, as words. Pure. */
function parseEsptoolLine(words) {
    const line = { compress: false, images: [] };
    for (let i = 0; i < words.length; i++) {
        const word = words[i];
        const [flag, inline] = word.startsWith('--') && word.includes('=') ? word.split(/=(.*)/) : [word];
        const key = VALUE_FLAGS[flag];
        if (key) {
            line[key] = inline ?? words[++i];
        }
        else if (word === '-z' || word === '--compress') {
            line.compress = true;
        }
        else if (/^0x[0-9a-f]+$/i.test(word) && words[i + 1] !== undefined) {
            line.images.push({ offset: word, word: words[++i] });
        }
    }
    return line;
}
function checkedValue(value, allowed, where) {
    const problem = choiceProblem(where, value, allowed);
    if (problem)
        throw new FlashError(problem);
    return value;
}
/** The deploy recipe's esptool.py line, its words expanded. */
function deployLine(sources, vars) {
    const rule = makeRule(sources.makefile, 'deploy');
    const recipe = rule?.recipe.find((line) => /\bwrite_flash\b/.test(line));
    if (!rule || !recipe) {
        throw new FlashError(`${sources.source} has no deploy rule with esptool.py write_flash, so what to write is not known. Use --flasher container.`);
    }
    const prerequisites = rule.prerequisites.map((p) => expand(p, vars));
    const words = expand(recipe, vars)
        .split(/\s+/)
        .flatMap((word) => (word === '$^' ? prerequisites : word === '$<' ? prerequisites.slice(0, 1) : [word]));
    return { line: parseEsptoolLine(words), rule };
}
/** The plan of a legacy build, from the port Makefile's deploy recipe. Pure. */
function planFromMakefile(sources, overrides = {}) {
    const vars = makeVariables(sources.makefile, sources.boardMk, sources.makeArgs);
    const { line } = deployLine(sources, vars);
    const where = `${sources.source} deploy`;
    const images = line.images.map(({ offset, word }) => {
        const file = buildRelative(word, where);
        return { name: file.replace(/\.bin$/, ''), offset: parseOffset(offset, where), file };
    });
    if (images.length === 0)
        throw new FlashError(`${where}: write_flash names no image.`);
    const plan = {
        chip: line.chip ?? 'esp32',
        source: sources.source,
        images,
        flashMode: checkedValue(overrides.flashMode ?? line.flashMode ?? 'keep', FLASH_MODES, `${where} flash mode`),
        flashFreq: line.flashFreq ?? 'keep',
        flashSize: checkedValue(overrides.flashSize ?? line.flashSize ?? 'detect', FLASH_SIZES, `${where} flash size`),
        before: (overrides.before ??
            checkedValue(line.before ?? 'default_reset', BEFORE, `${where} --before`)),
        after: (overrides.after ??
            checkedValue(line.after ?? 'hard_reset', AFTER, `${where} --after`)),
        compress: true,
        verify: 'md5',
        appOnly: false,
        notes: line.compress ? [] : ['compressed, though the deploy line has no -z']
    };
    if (overrides.flashMode && overrides.flashMode !== line.flashMode) {
        plan.notes.push(`--flash-mode ${overrides.flashMode} given (the Makefile says ${line.flashMode ?? 'keep'})`);
    }
    if (overrides.flashSize && overrides.flashSize !== (line.flashSize ?? 'detect')) {
        plan.notes.push(`--flash-size ${overrides.flashSize} given (the Makefile says ${line.flashSize ?? 'detect'})`);
    }
    return overrides.appOnly ? { ...plan, images: [legacyApp(sources, vars)], appOnly: true } : plan;
}
/**
 * The application alone: the third file makeimg.py puts into firmware.bin,
 * at its OFFSET_APPLICATION.
 */
function legacyApp(sources, vars) {
    const offset = /^OFFSET_APPLICATION\s*=\s*(0x[0-9a-fA-F]+)\s*$/m.exec(sources.makeimg ?? '')?.[1];
    const firmware = makeRule(sources.makefile, '$(BUILD)/firmware.bin');
    const app = firmware?.prerequisites[2];
    if (!offset || !app) {
        throw new FlashError(`The application's offset in firmware.bin is not known (looked for OFFSET_APPLICATION in makeimg.py and the firmware.bin rule in ${sources.source}). Flash the whole firmware (without --app-only).`);
    }
    const file = buildRelative(expand(app, vars), `${sources.source} firmware.bin`);
    return { name: 'app', offset: parseOffset(offset, 'makeimg.py'), file };
}
/** The baud rate `make deploy` would use: BAUD from the Makefile (and the command line). */
function makefileBaud(makefile, makeArgs = []) {
    const value = makeVariables(makefile, '', makeArgs).get('BAUD');
    return value && /^\d+$/.test(value) ? Number(value) : undefined;
}

;// CONCATENATED MODULE: ./src/flash/read-build.ts
/**
 * The host flash plan from the files of a tree and its build: the CMake
 * build's flasher_args.json, or the legacy port Makefile (with the board's
 * mpconfigboard.mk and makeimg.py). Reads files; decides nothing itself.
 */





/** `make deploy`'s and `idf.py flash`'s speed when none is given. */
const DEFAULT_BAUD = 460800;
const read_build_PORT_DIR = 'ports/esp32';
async function read_build_readText(file) {
    try {
        return await (0,promises_namespaceObject.readFile)(file, 'utf8');
    }
    catch {
        return undefined;
    }
}
/** The baud rate: given, else the port Makefile's BAUD, else 460800. */
async function flashBaud(given, facts) {
    if (given)
        return Number(given);
    const makefile = (await read_build_readText(external_node_path_default().join(facts.tree, read_build_PORT_DIR, 'Makefile'))) ?? '';
    return makefileBaud(makefile, facts.makeArgs) ?? DEFAULT_BAUD;
}
/**
 * The write plan of a build. `built`: the build has run, so its files must be
 * there; a dry run before it says where the images will be read from.
 */
async function planHostWrite(base, facts, overrides, built) {
    const buildDir = external_node_path_default().resolve(facts.tree, facts.buildDir);
    if (facts.buildSystem === 'cmake') {
        const file = external_node_path_default().join(buildDir, 'flasher_args.json');
        const text = await read_build_readText(file);
        if (text === undefined) {
            if (built) {
                throw new FlashError(`No flasher_args.json in ${buildDir}: build first (esp32-build build), then flash. An ESP-IDF build writes it beside the firmware.`);
            }
            return {
                kind: 'write',
                ...base,
                romBaud: ROM_BAUD,
                chip: facts.chip,
                before: overrides.before ?? 'default_reset',
                after: overrides.after ?? 'hard_reset',
                buildDir,
                pending: `as ${file} names them, read after the build (it does not exist yet)`
            };
        }
        return writePlan(base, buildDir, planFromFlasherArgs(text, file, facts.chip, overrides));
    }
    const portDir = external_node_path_default().join(facts.tree, read_build_PORT_DIR);
    const makefilePath = external_node_path_default().join(portDir, 'Makefile');
    const makefile = await read_build_readText(makefilePath);
    if (makefile === undefined)
        throw new FlashError(`No ${makefilePath}: is ${facts.tree} a MicroPython tree?`);
    const settings = planFromMakefile({
        makefile,
        boardMk: facts.board
            ? ((await read_build_readText(external_node_path_default().join(portDir, 'boards', facts.board, 'mpconfigboard.mk'))) ?? '')
            : '',
        makeimg: await read_build_readText(external_node_path_default().join(portDir, 'makeimg.py')),
        makeArgs: facts.makeArgs,
        source: makefilePath
    }, overrides);
    return writePlan(base, buildDir, settings);
}

;// CONCATENATED MODULE: ./src/cli/host-flash.ts
/**
 * deploy and erase with --flasher host: the plan of the host flash step,
 * printed by a dry run or run from this process after the build.
 */








/** The host write step of a build: from its flasher_args.json or Makefile; `built` once the build ran. */
async function hostWritePlan(host, baud, resolution, inputs, built) {
    const facts = {
        tree: inputs.micropythonPath,
        buildDir: resolution.buildDir,
        buildSystem: resolution.buildSystem,
        chip: resolution.chips[0],
        board: resolution.board,
        makeArgs: inputs.makeArgs
    };
    return planHostWrite({ port: host.port, baud: await flashBaud(baud, facts) }, facts, host.overrides, built);
}
/** The host erase step: no tree, no container. */
function hostErasePlan(host, baud) {
    return {
        kind: 'erase',
        port: host.port,
        baud: baud ? Number(baud) : DEFAULT_BAUD,
        romBaud: ROM_BAUD,
        before: host.overrides.before ?? 'default_reset',
        after: host.overrides.after ?? 'hard_reset'
    };
}
/** The host step in a dry run's text: after the containers, as comments. Pure. */
function hostFlashText(plan, pty) {
    return ['#', '# Then on this machine:', ...hostFlashLines(plan, pty).map((line) => `# ${line}`)].join('\n');
}
/** Runs the plan's host step as one phase, esptool-js's lines shown, a bar per image. */
async function runHostFlash(ctx, plan, pty) {
    const title = plan.kind === 'erase' ? `Erase the flash on ${plan.port}` : `Write the firmware to ${plan.port}`;
    ctx.terminal.showOutputOf(title);
    return ctx.terminal.phase(title, async (log) => {
        // The flasher itself says why a pseudo-terminal gets no reset.
        for (const line of hostFlashLines(plan, pty, false))
            log.info(line);
        return hostFlash(plan, {
            log,
            signal: ctx.signal,
            onProgress: ctx.terminal.flashing,
            holders: (port) => (process.platform === 'linux' ? processesHolding((0,external_node_fs_namespaceObject.realpathSync)(port)) : [])
        });
    });
}
/** What a host flash prints on stdout. Pure. */
function hostFlashReport(plan, result) {
    if (plan.kind === 'erase')
        return `Erased the flash of the ${result.chip} on ${plan.port}.`;
    const images = result.written.map((image) => `  ${hex(image.offset).padEnd(9)} ${image.file} (${formatBytes(image.bytes)}), verified`);
    return [`Wrote to the ${result.chip} on ${plan.port}:`, ...images].join('\n');
}
/** erase --flasher host: nothing to build, so no tree and no container. */
async function hostEraseCommand(ctx, host, baud) {
    const plan = hostErasePlan(host, baud);
    if (flag(ctx.args.options, 'dry-run')) {
        ctx.out(flag(ctx.args.options, 'json')
            ? JSON.stringify({ hostFlash: plan }, null, 2)
            : hostFlashText(plan, host.pty).replace(/^#\n# Then on this machine:\n/, '# Plan: erase\n'));
        return 0;
    }
    ctx.out(hostFlashReport(plan, await runHostFlash(ctx, plan, host.pty)));
    return 0;
}

;// CONCATENATED MODULE: ./src/cli/goals.ts
/**
 * What each command asks of the pipeline, as a goal: pure decisions over the
 * command line, the tree and the chosen serial port.
 */




/** BOARD= / BOARD_VARIANT= given to `make` choose the board the resolution is for. Pure. */
function boardFromMakeArgs(args) {
    const value = (name) => [...args]
        .reverse()
        .find((a) => a.startsWith(`${name}=`))
        ?.slice(name.length + 1);
    return { board: value('BOARD'), boardVariant: value('BOARD_VARIANT') };
}
/** What a command asks of the pipeline. Pure. */
function goalFor(command, where, makeArgs, serial, baud, flasher = 'container') {
    const portDir = external_node_path_default().join(where.tree, PORT_DIR);
    const onBoard = (target) => ({
        cwd: portDir,
        board: true,
        args: [...(serial ? serialMakeArgs(serial.port, baud) : []), target],
        serial: serial?.attachment
    });
    switch (command) {
        case 'setup':
            return { kind: 'setup' };
        case 'build':
            return { kind: 'build' };
        case 'deploy':
            // Flashed from this machine after the build, not by a container.
            if (flasher === 'host')
                return { kind: 'build' };
            return { kind: 'build', then: { title: `Deploy to ${serial?.name}`, ...onBoard('deploy') } };
        case 'erase':
            return { kind: 'make', step: { title: 'Erase the flash', ...onBoard('erase') } };
        case 'make':
            return {
                kind: 'make',
                step: {
                    title: `make ${makeArgs.join(' ')}`.trim(),
                    cwd: where.cwd,
                    args: makeArgs,
                    serial: serial?.attachment
                }
            };
    }
}
/** The arguments of `esp32-build make -- ARGS`: the board, port and baud options added. Pure. */
function aliasMakeArgs(rest, inputs, boardGiven, serial, baud) {
    const args = [...rest];
    if (boardGiven)
        args.unshift(...boardArgs({ board: inputs.board ?? '', boardVariant: inputs.boardVariant }));
    if (serial && !args.some((a) => a.startsWith('PORT=')))
        args.push(...serialMakeArgs(serial.port, undefined));
    if (baud && !args.some((a) => a.startsWith('BAUD=')))
        args.push(`BAUD=${baud}`);
    return args;
}

;// CONCATENATED MODULE: ./src/cli/commands.ts
/**
 * The commands: each one finds its tree, turns its options into the action's
 * Inputs, and drives the same pipeline as the action.
 */



























/** The JSON `resolve --json` prints. Pure. */
function resolutionJson(resolution, tree) {
    const json = {
        micropythonVersion: resolution.micropythonVersion,
        buildSystem: resolution.buildSystem,
        idf: {
            ref: resolution.idf.ref,
            supported: resolution.idf.supported,
            pinSource: resolution.idf.pinSource
        },
        toolchain: resolution.toolchain
            ? {
                version: resolution.toolchain.version,
                url: resolution.toolchain.url,
                sha256: resolution.toolchain.sha256
            }
            : null,
        board: resolution.board,
        boards: resolution.boards,
        chips: resolution.chips,
        buildDir: resolution.buildDir,
        tree,
        warnings: resolution.warnings
    };
    if (resolution.boardVariant)
        json.boardVariant = resolution.boardVariant;
    return json;
}
/** The resolution in words. Pure. */
function resolutionText(resolution, tree) {
    const rows = [
        ['Tree', tree],
        ['MicroPython', resolution.micropythonVersion ?? 'unknown'],
        ['Build system', resolution.buildSystem === 'make' ? 'make (legacy GNU make)' : 'cmake (idf.py)'],
        ['ESP-IDF', `${resolution.idf.ref} (from ${resolution.idf.pinSource})`],
        ['Supported', resolution.idf.supported.join(', ') || '(none named)'],
        [
            'Toolchain',
            resolution.toolchain
                ? `xtensa-esp32-elf ${resolution.toolchain.version}\n${resolution.toolchain.url}\nsha256 ${resolution.toolchain.sha256}`
                : 'installed by ESP-IDF (install.sh)'
        ],
        [
            'Board',
            `${resolution.board || '(the only configuration)'}${resolution.boardVariant ? ` variant ${resolution.boardVariant}` : ''}`
        ],
        ['Chips', resolution.chips.join(', ')],
        ['Build dir', resolution.buildDir]
    ];
    const width = Math.max(...rows.map(([label]) => label.length)) + 2;
    return table(rows)
        .map((line) => line.replace(/\n/g, `\n  ${' '.repeat(width)}`))
        .join('\n');
}
/** The tree `resolve` and `make` work on: given, or around the current directory. */
function treeAround(ctx) {
    const given = stringOption(ctx.args.options, 'micropython');
    if (given)
        return external_node_path_default().resolve(ctx.cwd, given);
    return findTreeAbove(ctx.cwd, looksLikeMicroPython);
}
function noTree(ctx) {
    return new TreeError(`No MicroPython tree at or above ${ctx.cwd} (looked for py/mpconfig.h and ports/esp32). Run this inside a MicroPython checkout, or give one with --micropython DIR.`);
}
function toInputs(ctx, tree, extra = {}) {
    const source = inputSource(ctx.args.options, tree);
    const inputs = parseInputs((name) => extra[name] ?? source(name), {
        workspace: ctx.cwd,
        cpus: external_node_os_default().availableParallelism()
    });
    maskCredentials(inputs.idfRepoCredentials);
    return inputs;
}
async function resolveCommand(ctx) {
    const tree = treeAround(ctx);
    if (!tree)
        throw noTree(ctx);
    const resolution = await resolveInputs(toInputs(ctx, tree));
    for (const warning of resolution.warnings)
        ctx.terminal.warning(warning);
    ctx.out(flag(ctx.args.options, 'json')
        ? JSON.stringify(resolutionJson(resolution, tree), null, 2)
        : resolutionText(resolution, tree));
    return 0;
}
function pipelineEnv(ctx) {
    return {
        cache: new NoCache(),
        tools: new DirectoryToolStore(layout(ctx.root).toolCache),
        progress: ctx.terminal,
        places: placesFor(ctx.root),
        docker: new Docker({ debug: ctx.terminal.log.debug }),
        user: thisUser(),
        hostPaths: hostPathsOf(process.platform),
        dockerDir: process.env.ESP32_BUILD_DOCKER_DIR || findDockerDir(),
        runId: `local-${Date.now()}`,
        signal: ctx.signal,
        onDownloadProgress: ctx.terminal.download,
        onGitLine: ctx.terminal.gitLine
    };
}
/**
 * The tree a building command works on: given, around the current
 * directory, or the latest MicroPython release in $HOME/esp32-devel. A dry
 * run clones nothing there: it reads a scratch clone, so that the plan it
 * prints is the whole one.
 */
async function buildingTree(ctx, dryRun) {
    const found = treeAround(ctx);
    if (found)
        return { root: found };
    const { url: repo, credentials } = parseRepository(stringOption(ctx.args.options, 'micropython-repo') ?? DEFAULT_MICROPYTHON_REPO, '--micropython-repo');
    maskCredentials(credentials);
    const dir = layout(ctx.root).micropython;
    const clone = (into) => ctx.terminal.phase('MicroPython', (log) => latestReleaseTree(repo, {
        dir: into,
        log,
        onGitLine: ctx.terminal.gitLine,
        signal: ctx.signal,
        credentials
    }));
    if (dryRun) {
        const scratch = await (0,promises_namespaceObject.mkdtemp)(external_node_path_default().join(external_node_os_default().tmpdir(), 'esp32-build-plan-'));
        const release = await clone(scratch);
        const root = external_node_path_default().join(dir, release.tag);
        if (!looksLikeMicroPython(root)) {
            return { root, clone: { repo, tag: release.tag, readFrom: release.root, scratch } };
        }
        await (0,promises_namespaceObject.rm)(scratch, { recursive: true, force: true });
        return { root };
    }
    const release = await clone(dir);
    ctx.terminal.line(release.cloned
        ? `No MicroPython tree here: building ${release.tag}, the latest release, in ${release.root}`
        : `No MicroPython tree here: building ${release.tag} in ${release.root}`);
    return { root: release.root };
}
function printSummary(ctx, rows) {
    ctx.out(table(rows).join('\n'));
}
function sweepOldRuns(ctx) {
    const removed = removeLeftovers(ctx.root, runGone);
    for (const dir of removed)
        ctx.terminal.log.info(`Removed ${dir}, left half-written by an interrupted run`);
}
/**
 * What the image command builds for: the tree's ESP-IDF (--micropython), or
 * the --idf-version given (a v3 ref or hash means the legacy make build), or
 * by default the newest era's.
 */
async function imageNeeds(ctx, inputs) {
    if (stringOption(ctx.args.options, 'micropython')) {
        const resolution = await resolveInputs(inputs);
        return { buildSystem: resolution.buildSystem, idf: { ref: resolution.idf.ref } };
    }
    const ref = inputs.idfVersion === 'auto' ? 'master' : inputs.idfVersion;
    const major = idfVersionOfRef(ref)?.major;
    return {
        buildSystem: major !== undefined && major < 4 ? 'make' : 'cmake',
        idf: { ref }
    };
}
async function imageCommand(ctx) {
    const given = stringOption(ctx.args.options, 'micropython');
    const inputs = toInputs(ctx, given ? external_node_path_default().resolve(ctx.cwd, given) : ctx.cwd);
    const env = pipelineEnv(ctx);
    const request = imageRequest(inputs, env.dockerDir, await imageNeeds(ctx, inputs));
    const title = inputs.image === 'build' ? 'Build image' : 'Pull image';
    const plan = await ctx.terminal.phase(title, async (log) => {
        log.info(`Docker engine ${await env.docker.check()}`);
        return planImage(request, env.docker, env.places);
    });
    if (flag(ctx.args.options, 'dry-run')) {
        ctx.out(flag(ctx.args.options, 'json') ? JSON.stringify(plan, null, 2) : imagePlanText(plan));
        return 0;
    }
    const image = await ctx.terminal.phase(title, (log) => obtainImage(plan, { docker: env.docker, cache: env.cache, useCache: false, log, signal: ctx.signal }));
    ctx.out(image.ref);
    return 0;
}
/** The tree `make` works on: the one around the current directory, which must be inside it. */
function makeTree(ctx) {
    const tree = treeAround(ctx);
    if (!tree)
        throw noTree(ctx);
    if (!isInside(ctx.cwd, tree)) {
        throw new TreeError(`make runs in the current directory, ${ctx.cwd}, which is not inside the MicroPython tree ${tree}. cd into it first.`);
    }
    return tree;
}
/** setup, build, deploy, erase and make: plan the goal, then print the plan or execute it. */
async function buildingCommand(ctx, command) {
    const { options, rest } = ctx.args;
    const dryRun = flag(options, 'dry-run');
    const baud = checkBaud(stringOption(options, 'baud') ?? (process.env.ESPBAUD || undefined));
    // make runs where the user stands, so that must be inside the tree.
    const tree = command === 'make' ? makeTree(ctx) : undefined;
    const serialWanted = command === 'deploy' ||
        command === 'erase' ||
        (command === 'make' && (needsSerial(rest) || options.port !== undefined));
    const board = serialWanted ? await board_port_chooseBoard(ctx, command) : undefined;
    if (command === 'erase' && board?.host)
        return hostEraseCommand(ctx, board.host, baud);
    if (!dryRun)
        sweepOldRuns(ctx);
    const choice = tree ? { root: tree } : await buildingTree(ctx, dryRun);
    try {
        const code = await planAndRun(ctx, command, choice, board?.serial, baud, board?.host);
        // The monitor opens the port on this machine once the flasher (container or host) has let it go.
        if (code === 0 && command === 'deploy' && flag(options, 'monitor') && !dryRun) {
            return await monitorCommand(ctx, false);
        }
        return code;
    }
    finally {
        if (choice.clone)
            await (0,promises_namespaceObject.rm)(choice.clone.scratch, { recursive: true, force: true });
    }
}
async function planAndRun(ctx, command, choice, serial, baud, host) {
    const { options, rest } = ctx.args;
    const tree = choice.root;
    const fromMake = command === 'make' && options.board === undefined ? boardFromMakeArgs(rest) : {};
    const extra = {};
    if (fromMake.board)
        extra.board = fromMake.board;
    if (fromMake.boardVariant)
        extra['board-variant'] = fromMake.boardVariant;
    const inputs = toInputs(ctx, tree, extra);
    ctx.terminal.log.debug(`Inputs: ${JSON.stringify(inputs)}`);
    const makeArgs = aliasMakeArgs(rest, inputs, options.board !== undefined, serial, baud);
    const goal = goalFor(command, { tree, cwd: ctx.cwd }, makeArgs, serial, baud, host ? 'host' : 'container');
    const env = pipelineEnv(ctx);
    try {
        const durations = {};
        const plan = await planGoal(inputs, goal, env, { durations, readFrom: choice.clone?.readFrom });
        if (flag(options, 'dry-run')) {
            const clone = choice.clone && { repo: choice.clone.repo, tag: choice.clone.tag, dir: tree };
            const hostFlash = host && (await hostWritePlan(host, baud, plan.resolution, inputs, false));
            ctx.out(flag(options, 'json')
                ? JSON.stringify({ ...(clone ? { micropython: { clone } } : {}), ...plan, hostFlash }, null, 2)
                : [
                    ...(clone ? treeCloneLines(clone) : []),
                    planText(plan),
                    ...(hostFlash ? [hostFlashText(hostFlash, host.pty)] : [])
                ].join('\n'));
            return 0;
        }
        const step = goal.kind === 'build' ? goal.then : goal.kind === 'make' ? goal.step : undefined;
        if (step)
            ctx.terminal.showOutputOf(step.title);
        const result = await execute_execute(plan, env, durations);
        if (!host)
            report(ctx, command, result);
        else {
            const flash = await hostWritePlan(host, baud, plan.resolution, inputs, true);
            ctx.out(hostFlashReport(flash, await runHostFlash(ctx, flash, host.pty)));
        }
        return 0;
    }
    finally {
        await removeScratch(env.places);
    }
}
/** What a finished command prints on stdout. */
function report(ctx, command, result) {
    if (command === 'setup')
        printSummary(ctx, preparedRows(result));
    if (command === 'build')
        printSummary(ctx, [...summaryRows(result), ['Build dir', result.artifacts.buildDir]]);
    if (command === 'deploy') {
        const { firmware, firmwareSize } = result.artifacts;
        ctx.out(`Wrote ${firmware} (${formatBytes(firmwareSize ?? 0)}) to the board.`);
    }
}
function preparedRows(prepared) {
    const r = prepared.resolution;
    const rows = [
        ['MicroPython', r.micropythonVersion ?? 'unknown'],
        ['ESP-IDF', `${r.idf.ref} (${prepared.idf.kind} at ${prepared.idf.commit})`],
        ['ESP-IDF dir', prepared.idf.dir],
        ['Chips', r.chips.join(', ')]
    ];
    if (prepared.toolchain)
        rows.push(['Toolchain', `${prepared.toolchain.version} in ${prepared.toolchain.dir}`]);
    rows.push(['Image', prepared.image.ref]);
    return rows;
}
async function doctorCommand(ctx) {
    const facts = await gatherFacts({
        port: stringOption(ctx.args.options, 'port') ?? (process.env.ESPPORT || undefined),
        root: ctx.root,
        docker: new Docker({ debug: ctx.terminal.log.debug })
    });
    const report = renderFindings(doctorFindings(facts), ctx.paint);
    ctx.out(report.text);
    return report.problems ? 1 : 0;
}

;// CONCATENATED MODULE: ./src/cli/interrupt.ts
/**
 * Ctrl-C (SIGINT) and SIGTERM, anywhere: cancel the command through its
 * AbortSignal (which stops every process and removes every container it
 * started), then remove what this run had half-written in $HOME/esp32-devel.
 * The exit code (130) is the front's to give, once the command has wound down.
 */


const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** How long a cancelled command may take to wind down before what is left is stopped outright. */
const WIND_DOWN_MS = 15_000;
function signal(pid, name) {
    try {
        process.kill(pid, name);
    }
    catch {
        // already gone
    }
}
/**
 * Terminate every process below this one. They are frozen first, until no new
 * one appears, so none can start another that would outlive it (a git that
 * spawns index-pack, say) and write on after the cleanup.
 */
function stopDescendants() {
    const frozen = new Set();
    for (let round = 0; round < 10; round++) {
        const fresh = descendants(process.pid).filter((pid) => !frozen.has(pid));
        if (fresh.length === 0)
            break;
        for (const pid of fresh) {
            signal(pid, 'SIGSTOP');
            frozen.add(pid);
        }
    }
    for (const pid of frozen)
        signal(pid, 'SIGTERM');
    for (const pid of frozen)
        signal(pid, 'SIGCONT');
    return [...frozen];
}
/** Installs the handlers. A second Ctrl-C exits at once. */
function handleInterrupts(options) {
    const controller = new AbortController();
    let interrupted = false;
    let backstop;
    const cleanUp = async () => {
        const children = stopDescendants();
        for (let i = 0; i < 50 && children.some(processAlive); i++)
            await sleep(100);
        removeLeftovers(options.root, (pid) => pid === process.pid);
    };
    const onSignal = (name) => {
        if (interrupted)
            process.exit(130);
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
            if (backstop)
                clearTimeout(backstop);
            process.removeListener('SIGINT', onSignal);
            process.removeListener('SIGTERM', onSignal);
        }
    };
}

;// CONCATENATED MODULE: ./src/cli/terminal.ts

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
class TerminalProgress {
    options;
    log;
    paint;
    now;
    running = new Map();
    meters = new Map();
    liveShown = false;
    timer;
    frame = 0;
    shownOutput = new Set();
    constructor(options) {
        this.options = options;
        this.paint = painter(options.colour);
        this.now = options.now ?? (() => performance.now());
        this.log = this.logFor(undefined, false, []);
    }
    get live() {
        return this.options.err.isTTY === true;
    }
    /** Print a whole line, keeping the live status line below it. */
    line(text) {
        this.clearLive();
        this.options.err.write(`${text}\n`);
        this.drawLive();
    }
    /** Show the command output of this phase even without --verbose (make's own output, esptool's). */
    showOutputOf(title) {
        this.shownOutput.add(title);
    }
    warning(message) {
        this.line(`${this.paint('yellow', 'warning:')} ${message}`);
    }
    error(message) {
        this.line(`${this.paint('red', 'error:')} ${message}`);
    }
    logFor(title, concurrent, kept) {
        const { verbose } = this.options;
        const prefix = title && concurrent ? this.paint('dim', `[${title}] `) : '';
        const showOutput = verbose || (title !== undefined && this.shownOutput.has(title));
        return {
            info: (message) => {
                if (verbose || !concurrent)
                    this.line(`${prefix}${message}`);
                else
                    kept.push(message);
            },
            warning: (message) => this.warning(title && concurrent ? `${title}: ${message}` : message),
            debug: (message) => {
                if (verbose)
                    this.line(`${prefix}${this.paint('dim', message)}`);
            },
            output: (text) => {
                if (showOutput)
                    this.line(`${prefix}${text}`);
            }
        };
    }
    async phase(title, fn, options = {}) {
        const concurrent = options.concurrent === true;
        const kept = [];
        const start = this.now();
        this.running.set(title, start);
        this.startTimer();
        try {
            const result = await fn(this.logFor(title, concurrent, kept));
            this.running.delete(title);
            this.line(`${this.paint('green', '✓')} ${title} ${this.paint('dim', `(${formatDuration(this.now() - start)})`)}`);
            return result;
        }
        catch (error) {
            this.running.delete(title);
            this.line(`${this.paint('red', '✗')} ${title} ${this.paint('dim', `(${formatDuration(this.now() - start)})`)}`);
            for (const message of kept)
                this.line(`  ${this.paint('dim', message)}`);
            throw error;
        }
        finally {
            if (this.running.size === 0)
                this.stopTimer();
        }
    }
    /** For PipelineEnv.onDownloadProgress. */
    download = (p) => {
        if (p.total !== undefined && p.received >= p.total)
            this.meters.delete('download');
        else
            this.setMeter('download', { label: 'Downloading', done: p.received, total: p.total, unit: 'bytes' });
    };
    /** Host flashing's progress: the image being written, as a bar. */
    flashing = (p) => {
        // Each image starts its own bar (and its rate).
        if (p.written === 0 || p.written >= p.total)
            this.meters.delete('flash');
        if (p.written < p.total)
            this.setMeter('flash', { label: `Writing ${p.image}`, done: p.written, total: p.total, unit: 'bytes' });
    };
    /** For PipelineEnv.onGitLine: git's --progress lines become a bar. */
    gitLine = (text) => {
        const progress = parseGitProgress(text);
        if (!progress) {
            if (text.trim())
                this.log.debug(text.trim());
            return;
        }
        if (/\bdone\.?\s*$/.test(text) || progress.done >= progress.total) {
            this.meters.delete('git');
            return;
        }
        this.setMeter('git', {
            label: `git: ${progress.stage}`,
            done: progress.done,
            total: progress.total,
            unit: 'count'
        });
    };
    setMeter(key, meter) {
        const start = this.meters.get(key)?.start ?? this.now();
        this.meters.set(key, { meter, start });
    }
    /** The status line: what is running, and the busiest meter. */
    liveText() {
        const now = this.now();
        const names = [...this.running.keys()];
        const oldest = Math.min(...this.running.values());
        const spinner = this.paint('cyan', SPINNER[this.frame++ % SPINNER.length]);
        const meters = [...this.meters.values()].map(({ meter, start }) => meterLine(meter, now - start));
        const parts = [`${spinner} ${names.join(' · ')} ${this.paint('dim', formatDuration(now - oldest))}`];
        if (meters.length)
            parts.push(meters.join('  |  '));
        return parts.join('   ');
    }
    drawLive() {
        if (!this.live || this.running.size === 0)
            return;
        const columns = this.options.err.columns || 80;
        this.options.err.write(`\r\x1b[2K${fitWidth(this.liveText(), columns - 1)}`);
        this.liveShown = true;
    }
    clearLive() {
        if (!this.liveShown)
            return;
        this.options.err.write('\r\x1b[2K');
        this.liveShown = false;
    }
    startTimer() {
        if (!this.live || this.timer)
            return;
        this.timer = setInterval(() => {
            this.clearLive();
            this.drawLive();
        }, 100);
        this.timer.unref();
    }
    stopTimer() {
        if (this.timer)
            clearInterval(this.timer);
        this.timer = undefined;
        this.meters.clear();
        this.clearLive();
    }
    /** Leave the terminal clean (on exit or interruption). */
    close() {
        this.running.clear();
        this.stopTimer();
    }
}

;// CONCATENATED MODULE: ./src/cli/run.ts
/**
 * The CLI's top level: parse, run one command, turn errors into messages and
 * exit codes (2 for a usage mistake, 1 for anything else, 130 on Ctrl-C).
 */










/**
 * The user's directory. Under this package's own `npm run local-build` /
 * `local-deploy` that is INIT_CWD, since npm changes into the package first;
 * anywhere else (another package's script that cd's somewhere) the real one. Pure.
 */
function userDirectory(env, cwd) {
    const ours = env.npm_package_name === 'esp32-micropython-build' && /^local-/.test(env.npm_lifecycle_event ?? '');
    return ours && env.INIT_CWD ? env.INIT_CWD : cwd;
}
/** Runs the command line; resolves with the exit code. */
async function main(argv) {
    const stderr = process.stderr;
    const colour = useColour(stderr.isTTY === true, process.env);
    const paint = painter(colour);
    let parsed;
    try {
        parsed = parseCommandLine(argv);
    }
    catch (error) {
        if (!(error instanceof UsageError))
            throw error;
        stderr.write(`${paint('red', 'error:')} ${error.message}\n\n${error.command ? commandHelp(error.command) : generalHelp()}\n`);
        return 2;
    }
    if (parsed.command === undefined) {
        process.stdout.write(`${generalHelp()}\n`);
        return 0;
    }
    if (parsed.help) {
        process.stdout.write(`${commandHelp(parsed.command)}\n`);
        return 0;
    }
    const verbose = parsed.options.verbose === true;
    const terminal = new TerminalProgress({ err: stderr, verbose, colour });
    const root = develRoot();
    const interrupts = handleInterrupts({
        root,
        notify: (message) => stderr.write(`\n${paint('yellow', message)}\n`),
        close: () => terminal.close()
    });
    const ctx = {
        args: parsed,
        terminal,
        out: (text) => process.stdout.write(`${text}\n`),
        signal: interrupts.signal,
        paint: painter(useColour(process.stdout.isTTY === true, process.env)),
        root,
        cwd: userDirectory(process.env, process.cwd())
    };
    try {
        switch (parsed.command) {
            case 'resolve':
                return await resolveCommand(ctx);
            case 'image':
                return await imageCommand(ctx);
            case 'doctor':
                return await doctorCommand(ctx);
            case 'monitor':
                return await monitorCommand(ctx);
            default:
                return await buildingCommand(ctx, parsed.command);
        }
    }
    catch (error) {
        terminal.close();
        if (interrupts.interrupted) {
            await interrupts.cleanUp();
            return 130;
        }
        if (error instanceof UsageError) {
            terminal.error(redact(error.message));
            stderr.write(`\n${commandHelp(parsed.command)}\n`);
            return 2;
        }
        terminal.error(redact(withFaultHints(error.message)));
        // A stack helps only with what nobody anticipated (our own errors say what to do).
        const unexpected = ['Error', 'TypeError', 'RangeError', 'ReferenceError', 'SyntaxError'].includes(error.name);
        if (verbose && unexpected && error.stack)
            terminal.line(paint('dim', error.stack));
        return 1;
    }
    finally {
        terminal.close();
        interrupts.stop();
    }
}


/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		// no module.id needed
/******/ 		// no module.loaded needed
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId](module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/async module */
/******/ (() => {
/******/ 	var webpackQueues = typeof Symbol === "function" ? Symbol("webpack queues") : "__webpack_queues__";
/******/ 	var webpackExports = typeof Symbol === "function" ? Symbol("webpack exports") : "__webpack_exports__";
/******/ 	var webpackError = typeof Symbol === "function" ? Symbol("webpack error") : "__webpack_error__";
/******/ 	var resolveQueue = (queue) => {
/******/ 		if(queue && queue.d < 1) {
/******/ 			queue.d = 1;
/******/ 			queue.forEach((fn) => (fn.r--));
/******/ 			queue.forEach((fn) => (fn.r-- ? fn.r++ : fn()));
/******/ 		}
/******/ 	}
/******/ 	var wrapDeps = (deps) => (deps.map((dep) => {
/******/ 		if(dep !== null && typeof dep === "object") {
/******/ 			if(dep[webpackQueues]) return dep;
/******/ 			if(dep.then) {
/******/ 				var queue = [];
/******/ 				queue.d = 0;
/******/ 				dep.then((r) => {
/******/ 					obj[webpackExports] = r;
/******/ 					resolveQueue(queue);
/******/ 				}, (e) => {
/******/ 					obj[webpackError] = e;
/******/ 					resolveQueue(queue);
/******/ 				});
/******/ 				var obj = {};
/******/ 				obj[webpackQueues] = (fn) => (fn(queue));
/******/ 				return obj;
/******/ 			}
/******/ 		}
/******/ 		var ret = {};
/******/ 		ret[webpackQueues] = x => {};
/******/ 		ret[webpackExports] = dep;
/******/ 		return ret;
/******/ 	}));
/******/ 	__nccwpck_require__.a = (module, body, hasAwait) => {
/******/ 		var queue;
/******/ 		hasAwait && ((queue = []).d = -1);
/******/ 		var depQueues = new Set();
/******/ 		var exports = module.exports;
/******/ 		var currentDeps;
/******/ 		var outerResolve;
/******/ 		var reject;
/******/ 		var promise = new Promise((resolve, rej) => {
/******/ 			reject = rej;
/******/ 			outerResolve = resolve;
/******/ 		});
/******/ 		promise[webpackExports] = exports;
/******/ 		promise[webpackQueues] = (fn) => (queue && fn(queue), depQueues.forEach(fn), promise["catch"](x => {}));
/******/ 		module.exports = promise;
/******/ 		body((deps) => {
/******/ 			currentDeps = wrapDeps(deps);
/******/ 			var fn;
/******/ 			var getResult = () => (currentDeps.map((d) => {
/******/ 				if(d[webpackError]) throw d[webpackError];
/******/ 				return d[webpackExports];
/******/ 			}))
/******/ 			var promise = new Promise((resolve) => {
/******/ 				fn = () => (resolve(getResult));
/******/ 				fn.r = 0;
/******/ 				var fnQueue = (q) => (q !== queue && !depQueues.has(q) && (depQueues.add(q), q && !q.d && (fn.r++, q.push(fn))));
/******/ 				currentDeps.map((dep) => (dep[webpackQueues](fnQueue)));
/******/ 			});
/******/ 			return fn.r ? promise : getResult();
/******/ 		}, (err) => ((err ? reject(promise[webpackError] = err) : outerResolve(exports)), resolveQueue(queue)));
/******/ 		queue && queue.d < 0 && (queue.d = 0);
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/compat get default export */
/******/ (() => {
/******/ 	// getDefaultExport function for compatibility with non-harmony modules
/******/ 	__nccwpck_require__.n = (module) => {
/******/ 		var getter = module && module.__esModule ?
/******/ 			() => (module['default']) :
/******/ 			() => (module);
/******/ 		__nccwpck_require__.d(getter, { a: getter });
/******/ 		return getter;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(957);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ 
