import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AbortError, ExecError, run } from '../../src/exec.js';
import { git, gitError, gitFailure, gitSubcommand } from '../../src/git.js';

/** What `git clone --progress --branch nope <url>` prints: progress meters updated in place with \r. */
const FAILED_CLONE =
  "Cloning into 'micropython'...\n" +
  'remote: Enumerating objects: 1523, done.\n' +
  'remote: Counting objects:   1% (16/1523)\rremote: Counting objects:  50% (762/1523)\rremote: Counting objects: 100% (1523/1523), done.\n' +
  'remote: Compressing objects:  10% (130/1298)\rremote: Compressing objects: 100% (1298/1298), done.\n' +
  'remote: Total 1523 (delta 211), reused 702 (delta 180), pack-reused 0 (from 0)\n' +
  'Receiving objects:   0% (1/1523)\rReceiving objects:  45% (686/1523), 1.20 MiB | 2.31 MiB/s\rReceiving objects: 100% (1523/1523), 2.71 MiB | 2.40 MiB/s, done.\n' +
  'Resolving deltas:   0% (0/211)\rResolving deltas: 100% (211/211), done.\n' +
  'warning: Could not find remote branch nope to clone.\n' +
  'fatal: Remote branch nope not found in upstream origin\n';

/** A failed `git submodule update --init --recursive --depth 1 --progress`, with a retry. */
const FAILED_SUBMODULES =
  "Submodule 'components/bt/host/nimble/nimble' (https://github.com/espressif/esp-nimble.git) registered for path 'components/bt/host/nimble/nimble'\n" +
  "Submodule 'components/mbedtls/mbedtls' (https://github.com/espressif/mbedtls.git) registered for path 'components/mbedtls/mbedtls'\n" +
  "Cloning into '/w/esp-idf/components/bt/host/nimble/nimble'...\n" +
  'remote: Enumerating objects: 812, done.\n' +
  'Receiving objects:  37% (301/812)\rReceiving objects: 100% (812/812), 1.01 MiB | 3.02 MiB/s, done.\n' +
  "Cloning into '/w/esp-idf/components/mbedtls/mbedtls'...\n" +
  'remote: error: upload-pack: not our ref 0123456789abcdef0123456789abcdef01234567\n' +
  'error: Server does not allow request for unadvertised object 0123456789abcdef0123456789abcdef01234567\n' +
  "fatal: Fetched in submodule path 'components/mbedtls/mbedtls', but it did not contain 0123456789abcdef0123456789abcdef01234567. Direct fetching of that commit failed.\n" +
  "Submodule path 'components/bt/host/nimble/nimble': checked out 'fedcba9876543210fedcba9876543210fedcba98'\n" +
  "fatal: Fetched in submodule path 'components/mbedtls/mbedtls', but it did not contain 0123456789abcdef0123456789abcdef01234567. Direct fetching of that commit failed.\n" +
  'Updating files:  12% (40/320)\rUpdating files: 100% (320/320), done.\n';

/** A clone at a tag: git's detached-HEAD advice, then something that really went wrong. */
const DETACHED_ADVICE =
  "Cloning into 'esp-idf'...\n" +
  'done.\n' +
  "Note: switching to 'a9d0f22193acdf47a5a4db36832ae7068818962b'.\n" +
  '\n' +
  "You are in 'detached HEAD' state. You can look around, make experimental\n" +
  'changes and commit them, and you can discard any commits you make in this\n' +
  'state without impacting any branches by switching back to a branch.\n' +
  '\n' +
  'If you want to create a new branch to retain commits you create, you may\n' +
  'do so (now or later) by using -c with the switch command. Example:\n' +
  '\n' +
  '  git switch -c <new-branch-name>\n' +
  '\n' +
  'Or undo this operation with:\n' +
  '\n' +
  '  git switch -\n' +
  '\n' +
  'Turn off this advice by setting config variable advice.detachedHead to false\n' +
  '\n' +
  'Updating files:  51% (8190/16058)\rUpdating files: 100% (16058/16058), done.\n' +
  'error: unable to create file components/esp_wifi/lib/esp32/libnet80211.a: No space left on device\n' +
  'fatal: unable to checkout working tree\n' +
  'warning: Clone succeeded, but checkout failed.\n' +
  "You can inspect what was checked out with 'git status'\n" +
  "and retry with 'git restore --source=HEAD :/'\n";

const PROGRESS_WORDS =
  /Receiving objects|Resolving deltas|Counting|Compressing|Enumerating|Total|Cloning into|Updating files|registered|checked out|%/;

describe('gitFailure', () => {
  it('keeps what went wrong in a failed clone, and none of its progress', () => {
    expect(gitFailure(FAILED_CLONE)).toBe(
      'warning: Could not find remote branch nope to clone.\nfatal: Remote branch nope not found in upstream origin'
    );
  });

  it('keeps the errors of a failed submodule update, each once', () => {
    const failure = gitFailure(FAILED_SUBMODULES);
    expect(failure.split('\n')).toEqual([
      'remote: error: upload-pack: not our ref 0123456789abcdef0123456789abcdef01234567',
      'error: Server does not allow request for unadvertised object 0123456789abcdef0123456789abcdef01234567',
      "fatal: Fetched in submodule path 'components/mbedtls/mbedtls', but it did not contain 0123456789abcdef0123456789abcdef01234567. Direct fetching of that commit failed."
    ]);
    expect(failure).not.toMatch(PROGRESS_WORDS);
  });

  it('drops the detached-HEAD advice', () => {
    const failure = gitFailure(DETACHED_ADVICE);
    expect(failure).toBe(
      'error: unable to create file components/esp_wifi/lib/esp32/libnet80211.a: No space left on device\n' +
        'fatal: unable to checkout working tree\n' +
        'warning: Clone succeeded, but checkout failed.'
    );
    expect(failure).not.toMatch(/detached HEAD|git switch|advice\.detachedHead/);
  });

  it('falls back to the last line that is neither progress nor advice', () => {
    expect(gitFailure("git: 'clnoe' is not a git command. See 'git --help'.\n")).toBe(
      "git: 'clnoe' is not a git command. See 'git --help'."
    );
    const adviceOnly = DETACHED_ADVICE.slice(0, DETACHED_ADVICE.indexOf('Updating files'));
    expect(gitFailure(adviceOnly + 'Connection reset by peer\r\n')).toBe('Connection reset by peer');
    expect(gitFailure(adviceOnly)).toBe('');
    expect(gitFailure(FAILED_CLONE.slice(0, FAILED_CLONE.indexOf('warning:')))).toBe('');
    expect(gitFailure('')).toBe('');
  });

  it('leaves out hints', () => {
    expect(
      gitFailure(
        'hint: Using \'master\' as the name for the initial branch.\nhint: Disable this message with "git config advice.defaultBranchName false"\nfatal: not a git repository (or any of the parent directories): .git\n'
      )
    ).toBe('fatal: not a git repository (or any of the parent directories): .git');
  });
});

describe('gitSubcommand and gitError', () => {
  it('finds the subcommand after git options', () => {
    expect(gitSubcommand(['-c', 'advice.detachedHead=false', '-C', '/x', 'submodule', 'update'])).toBe(
      'submodule'
    );
    expect(gitSubcommand(['--git-dir=/x/.git', '--no-pager', 'fetch', 'origin'])).toBe('fetch');
    expect(gitSubcommand(['--version'])).toBe('');
  });

  it('says which subcommand failed, with what code, and why', () => {
    const error = gitError(
      new ExecError('git exited with code 128:\n…', 'git', ['clone', 'x'], 128, '', FAILED_CLONE)
    );
    expect(error).toBeInstanceOf(ExecError);
    expect(error.message).toBe(
      'git clone failed (exit code 128): warning: Could not find remote branch nope to clone.\nfatal: Remote branch nope not found in upstream origin'
    );
    expect(error.code).toBe(128);
    expect(error.stderr).toBe(FAILED_CLONE);
    const timedOut = gitError(
      new ExecError(
        'git timed out after 60 s:\nremote: Counting objects: 5%',
        'git',
        ['ls-remote', 'u'],
        null,
        '',
        'remote: Counting objects: 5%'
      )
    );
    expect(timedOut.message).toBe('git ls-remote timed out after 60 s');
    const missing = gitError(
      new ExecError('Could not run git: git was not found on PATH', 'git', ['clone'], null, '', '')
    );
    expect(missing.message).toBe('git clone failed: Could not run git: git was not found on PATH');
  });
});

describe('git', () => {
  let tmp: string;
  const author = ['-c', 'user.name=Test', '-c', 'user.email=test@example.com'];
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'git-test-'));
  });
  afterEach(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  it('throws an ExecError that says what went wrong when a clone fails', async () => {
    const repo = path.join(tmp, 'no-such-repo');
    const lines: string[] = [];
    const error = (await git(['clone', '--progress', '--', repo, path.join(tmp, 'out')], {
      repo,
      onGitLine: (l) => lines.push(l)
    }).catch((e: unknown) => e)) as ExecError;
    expect(error).toBeInstanceOf(ExecError);
    expect(error.message).toMatch(/^git clone failed \(exit code 128\): fatal: /);
    expect(error.message).toContain('fatal:');
    expect(error.message).not.toContain('Cloning into');
    expect(error.code).toBe(128);
  });

  it('clones at a tag without the detached-HEAD advice', async () => {
    const source = path.join(tmp, 'source');
    const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
    await run('git', ['init', '--quiet', source], { env });
    await run('git', [...author, '-C', source, 'commit', '--quiet', '--allow-empty', '-m', 'one'], { env });
    await run('git', ['-C', source, 'tag', 'v1.0.0'], { env });
    await run('git', [...author, '-C', source, 'commit', '--quiet', '--allow-empty', '-m', 'two'], { env });

    // Without the setting, this git does print the advice: the check below means something.
    const plain = await run('git', ['clone', '--branch', 'v1.0.0', '--', source, path.join(tmp, 'plain')], {
      env
    });
    expect(plain.stderr).toContain('detached HEAD');

    const lines: string[] = [];
    const result = await git(
      ['clone', '--progress', '--branch', 'v1.0.0', '--', source, path.join(tmp, 'clone')],
      {
        repo: source,
        onGitLine: (l) => lines.push(l)
      }
    );
    expect(lines.join('\n')).toContain('Cloning into');
    for (const text of [lines.join('\n'), result.stderr]) {
      expect(text).not.toMatch(/detached HEAD|git switch|advice\.detachedHead/);
    }
  });

  it('passes the AbortSignal on: a cancelled git throws an AbortError, not an ExecError', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await git(['--version'], { repo: tmp, signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(error).not.toBeInstanceOf(ExecError);
  });
});
