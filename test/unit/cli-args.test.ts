import { commandHelp, generalHelp } from '../../src/cli/help.js';
import {
  COMMAND_NAMES,
  inputSource,
  parseCommandLine,
  UsageError,
  type ParsedArgs
} from '../../src/cli/args.js';
import { parseInputs } from '../../src/inputs.js';

const parsed = (argv: string[]) => parseCommandLine(argv) as ParsedArgs;

function usageError(argv: string[]): UsageError {
  try {
    parseCommandLine(argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
}

describe('parseCommandLine', () => {
  it('no arguments, --help, -h and `help` ask for the general help', () => {
    for (const argv of [[], ['--help'], ['-h'], ['help']]) {
      expect(parseCommandLine(argv)).toEqual({ command: undefined, help: true });
    }
  });

  it('`help CMD` and `CMD --help` ask for that command’s help', () => {
    expect(parsed(['help', 'deploy'])).toMatchObject({ command: 'deploy', help: true });
    expect(parsed(['deploy', '--help'])).toMatchObject({ command: 'deploy', help: true });
    expect(parsed(['make', '-h'])).toMatchObject({ command: 'make', help: true });
  });

  it('reads values separated or with =, flags, and repeatable --make-args in order', () => {
    const args = parsed([
      'build',
      '--board',
      'ESP32_GENERIC_S3',
      '--board-variant=SPIRAM_OCT',
      '--make-args',
      'FROZEN_MANIFEST=/m/manifest.py',
      '--make-args=USER_C_MODULES=/m/a b',
      '--no-ccache',
      '-v'
    ]);
    expect(args.command).toBe('build');
    expect(args.options).toEqual({
      board: 'ESP32_GENERIC_S3',
      'board-variant': 'SPIRAM_OCT',
      'make-args': ['FROZEN_MANIFEST=/m/manifest.py', 'USER_C_MODULES=/m/a b'],
      'no-ccache': true,
      verbose: true
    });
    expect(args.rest).toEqual([]);
  });

  it('an unknown command or option is a usage error naming it', () => {
    expect(usageError(['flash']).message).toBe("Unknown command 'flash'.");
    expect(usageError(['--board', 'X']).message).toContain('Give a command before the options');
    const option = usageError(['build', '--bord', 'X']);
    expect(option.message).toBe('Unknown option --bord.');
    expect(option.command).toBe('build');
  });

  it('an option another command has is refused with the command named', () => {
    expect(usageError(['build', '--port', '/dev/ttyUSB0']).message).toBe("'build' has no option --port.");
    expect(usageError(['doctor', '--board', 'X']).message).toBe("'doctor' has no option --board.");
  });

  it('a missing value, a repeated single option, a value on a flag, a stray argument', () => {
    expect(usageError(['build', '--board']).message).toBe('--board needs a value (NAME).');
    expect(usageError(['build', '--board', 'A', '--board', 'B']).message).toBe('--board is given twice.');
    expect(usageError(['build', '--dry-run=yes']).message).toBe('--dry-run takes no value.');
    expect(usageError(['build', '--json']).message).toMatch(/--json prints the plan of a dry run/);
    expect(parsed(['deploy', '--dry-run', '--json'])).toMatchObject({
      options: { 'dry-run': true, json: true }
    });
    expect(usageError(['build', 'now']).message).toBe("'build' takes no arguments (got 'now').");
    expect(usageError(['build', '--', 'x']).message).toBe("'build' takes no arguments after --.");
  });

  it('make: options first, then make’s own arguments from the first word that is not ours', () => {
    expect(parsed(['make', '-j4'])).toMatchObject({ options: {}, rest: ['-j4'] });
    expect(parsed(['make', 'deploy'])).toMatchObject({ rest: ['deploy'] });
    expect(parsed(['make', '--port', '/dev/ttyACM0', 'deploy', 'BAUD=115200'])).toMatchObject({
      options: { port: '/dev/ttyACM0' },
      rest: ['deploy', 'BAUD=115200']
    });
    // After the first make argument everything is make's, even what looks like ours.
    expect(parsed(['make', 'clean', '--board', 'X'])).toMatchObject({
      options: {},
      rest: ['clean', '--board', 'X']
    });
    // -- hands over arguments that would otherwise be ours.
    expect(parsed(['make', '--verbose', '--', '--dry-run', 'all'])).toMatchObject({
      options: { verbose: true },
      rest: ['--dry-run', 'all']
    });
  });
});

describe('inputSource', () => {
  it('maps the options onto the action’s inputs, so parseInputs validates them the same way', () => {
    const args = parsed([
      'deploy',
      '--board',
      'ESP32_GENERIC',
      '--idf-version',
      'v5.2.2',
      '--idf-repo',
      'https://mirror.example/esp-idf.git',
      '--toolchain-url',
      'https://mirror.example/tc.tar.gz',
      '--idf-tools-mirror',
      'https://mirror.example/assets/',
      '--espressif-mirror',
      'http://127.0.0.1:8080/espressif',
      '--pip-index',
      'http://127.0.0.1:3141/simple',
      '--image',
      'ghcr.io/me/esp32-devel:1',
      '--jobs',
      '3',
      '--make-args',
      'A=1',
      '--make-args',
      'B=2 3',
      '--network',
      'host',
      '--no-ccache'
    ]);
    const inputs = parseInputs(inputSource(args.options, '/src/micropython'), { workspace: '/cwd', cpus: 8 });
    expect(inputs).toMatchObject({
      micropythonPath: '/src/micropython',
      board: 'ESP32_GENERIC',
      idfVersion: 'v5.2.2',
      idfRepo: 'https://mirror.example/esp-idf.git',
      toolchainUrl: 'https://mirror.example/tc.tar.gz',
      mirrors: {
        github: 'https://mirror.example/assets',
        githubAssets: 'mirror.example/assets',
        espressif: 'http://127.0.0.1:8080/espressif',
        pipIndex: 'http://127.0.0.1:3141/simple'
      },
      image: 'ghcr.io/me/esp32-devel:1',
      jobs: 3,
      makeArgs: ['A=1', 'B=2 3'],
      network: 'host',
      ccache: false,
      cache: false,
      targets: []
    });
  });

  it('defaults: ccache on, no remote cache, every CPU', () => {
    const inputs = parseInputs(inputSource(parsed(['build']).options, '/t'), { workspace: '/cwd', cpus: 6 });
    expect(inputs).toMatchObject({ ccache: true, cache: false, jobs: 6, idfVersion: 'auto', image: 'build' });
  });
});

describe('help', () => {
  it('the general help lists every command', () => {
    const text = generalHelp();
    for (const name of COMMAND_NAMES) expect(text).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  it('each command’s help shows its usage and every option it accepts', () => {
    for (const name of COMMAND_NAMES) {
      const text = commandHelp(name);
      expect(text).toContain(`Usage: esp32-build ${name}`);
      expect(text).toContain('--help');
    }
    expect(commandHelp('deploy')).toContain('--port PORT');
    expect(commandHelp('deploy')).toContain('--make-args ARG …');
    expect(commandHelp('build')).not.toContain('--port');
    expect(commandHelp('resolve')).toContain('--json');
    expect(commandHelp('make')).toContain('esp32-build make -j4');
  });
});
