import { inspect } from 'node:util';
import { ExecError, run } from '../../src/exec.js';
import { gitEnvironment, HARDENING, SSH_COMMAND } from '../../src/git.js';
import { isRepoHost, isRepoUser } from '../../src/grammar.js';
import { parseInputs, parseRepository } from '../../src/inputs.js';
import { maskUserinfo, parseRepoLocation } from '../../src/repo-url.js';
import { maskCredentials, maskSecret, redact, RepoCredentials } from '../../src/secrets.js';

const TOKEN = 'ghp_s3cretT0kenValue';

describe('repository hosts and users', () => {
  it.each(['github.com', 'mirror.lan', '127.0.0.1', 'a', 'git-server_1.example', '[::1]', '[fe80::1]'])(
    'accepts the host %s',
    (host) => expect(isRepoHost(host)).toBe(true)
  );
  it.each(['', '-oProxyCommand=touch /tmp/x', '-host', 'host-', 'a b', 'h;x', 'h/x', '[]x', '.host'])(
    'refuses the host %j',
    (host) => expect(isRepoHost(host)).toBe(false)
  );
  it.each(['git', 'x-access-token', 'first.last', '_svc'])('accepts the user %s', (user) =>
    expect(isRepoUser(user)).toBe(true)
  );
  it.each(['', '-oProxyCommand=x', 'a b', 'a@b', 'a:b'])('refuses the user %j', (user) =>
    expect(isRepoUser(user)).toBe(false)
  );
});

describe('parseRepoLocation', () => {
  it.each([
    'https://github.com/espressif/esp-idf.git',
    'http://127.0.0.1:8080/espressif/esp-idf.git',
    'https://[::1]:8443/esp-idf.git',
    'ssh://git@host/esp-idf.git',
    'ssh://host:2222/esp-idf.git',
    'git://mirror.lan/esp-idf.git',
    'file:///srv/mirror/esp-idf.git',
    'git@github.com:me/esp-idf.git',
    '/srv/mirror/espressif/esp-idf.git'
  ])('keeps %s as it is', (raw) => expect(parseRepoLocation(raw)).toEqual({ url: raw }));

  it('splits user and password off an https URL, decoded, with the origin they are for', () => {
    expect(parseRepoLocation(`https://x-access-token:${TOKEN}@git.example:8443/org/esp-idf.git`)).toEqual({
      url: 'https://git.example:8443/org/esp-idf.git',
      credentials: {
        origin: 'https://git.example:8443/',
        username: 'x-access-token',
        password: TOKEN,
        written: ['x-access-token', TOKEN]
      }
    });
    expect(parseRepoLocation('http://me:p%40ss%3Aw@mirror.lan/esp-idf.git')).toEqual({
      url: 'http://mirror.lan/esp-idf.git',
      credentials: {
        origin: 'http://mirror.lan/',
        username: 'me',
        password: 'p@ss:w',
        written: ['me', 'p%40ss%3Aw']
      }
    });
    // A token alone, as the user: GitHub's and GitLab's way.
    expect(parseRepoLocation(`https://${TOKEN}@github.com/o/r.git`)).toMatchObject({
      url: 'https://github.com/o/r.git',
      credentials: { username: TOKEN, password: '' }
    });
    expect(parseRepoLocation('https://@github.com/o/r.git')).toEqual({ url: 'https://github.com/o/r.git' });
  });

  it.each([
    ['ssh://-oProxyCommand=touch%20/tmp/pwned/x', 'host'],
    ['ssh://git@-oProxyCommand=x/y', 'host'],
    ['git@-oProxyCommand=x:path', 'host'],
    ['-oProxyCommand=x@host:path', 'user'],
    ['ssh://-me@host/x', 'user'],
    ['-host:path', 'syntax'],
    ['ssh://git:secret@host/x', 'ssh-password'],
    ['git://me@mirror.lan/x', 'userinfo'],
    ['file://me@/srv/x', 'userinfo'],
    ['https:///no-host', 'host'],
    ['file://', 'syntax'],
    ['https://a b/x', 'syntax'],
    ['https://host/x\ny', 'syntax'],
    ['https://me:%zz@host/x', 'syntax'],
    ['ext::sh -c touch% /tmp/pwned', 'syntax'],
    ['--upload-pack=touch /tmp/x', 'syntax'],
    ['relative/path', 'syntax']
  ])('refuses %j (%s)', (raw, problem) => expect(parseRepoLocation(raw)).toBe(problem));

  it('masks the userinfo of a URL for a message', () => {
    expect(maskUserinfo(`https://me:${TOKEN}@host/x`)).toBe('https://***@host/x');
    expect(maskUserinfo('https://host/x')).toBe('https://host/x');
  });
});

describe('credentials from idf-repo', () => {
  const parse = (repo: string) =>
    parseInputs((name) => (name === 'idf-repo' ? repo : ''), { workspace: '/w', cpus: 1 });

  it('give git the URL without them, and never print', () => {
    const inputs = parse(`https://x-access-token:${TOKEN}@git.example/org/esp-idf.git`);
    expect(inputs.idfRepo).toBe('https://git.example/org/esp-idf.git');
    const credentials = inputs.idfRepoCredentials!;
    expect(credentials).toBeInstanceOf(RepoCredentials);
    for (const shown of [JSON.stringify(inputs), inspect(inputs, { depth: 5 }), String(credentials)]) {
      expect(shown).not.toContain(TOKEN);
      expect(shown).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString('base64'));
    }
    expect(JSON.stringify(inputs)).toContain('*** (credentials for https://git.example/)');
  });

  it('become an Authorization header for their origin only', () => {
    const { credentials } = parseRepository(`https://me:${TOKEN}@git.example/org/esp-idf.git`);
    const basic = Buffer.from(`me:${TOKEN}`).toString('base64');
    expect(credentials!.gitConfig()).toEqual({
      key: 'http.https://git.example/.extraHeader',
      value: `Authorization: Basic ${basic}`
    });
    expect(credentials!.secrets().sort()).toEqual([TOKEN, basic].sort());
    // Without a password the user is the token; the percent-encoded spelling is masked too.
    const alone = parseRepository('https://t%2Bk@git.example/r.git').credentials!;
    expect(alone.secrets().sort()).toEqual(['t+k', 't%2Bk', Buffer.from('t+k:').toString('base64')].sort());
  });

  it('are never echoed by an error', () => {
    for (const raw of [
      `ssh://git:${TOKEN}@host/x`,
      `git://u:${TOKEN}@host/x`,
      `https://u:${TOKEN}@-host/x`
    ]) {
      expect(() => parse(raw)).toThrow(/idf-repo '(ssh|git|https):\/\/\*\*\*@/);
      try {
        parse(raw);
      } catch (error) {
        expect((error as Error).message).not.toContain(TOKEN);
      }
    }
  });
});

describe("git's environment", () => {
  const credentials = parseRepository(`https://me:${TOKEN}@git.example/r.git`).credentials!;

  it('never prompts, and uses a batch-mode ssh unless the user chose one', () => {
    const env = gitEnvironment({ PATH: '/bin' });
    expect(env).toMatchObject({ GIT_TERMINAL_PROMPT: '0', GIT_SSH_COMMAND: SSH_COMMAND, PATH: '/bin' });
    expect(SSH_COMMAND).toContain('-oBatchMode=yes');
    expect(gitEnvironment({ GIT_SSH_COMMAND: 'ssh -i key' }).GIT_SSH_COMMAND).toBe('ssh -i key');
    expect(gitEnvironment({ GIT_SSH: '/usr/bin/plink' }).GIT_SSH_COMMAND).toBeUndefined();
    expect(HARDENING).toEqual(
      expect.arrayContaining(['core.fsmonitor=false', 'core.hooksPath=/dev/null', 'http.lowSpeedTime=300'])
    );
  });

  it('carries the credentials as configuration after any the caller had, and nowhere else', () => {
    const env = gitEnvironment(
      { GIT_CONFIG_COUNT: '2', GIT_CONFIG_KEY_0: 'a.b', GIT_CONFIG_VALUE_0: '1' },
      credentials
    );
    expect(env.GIT_CONFIG_COUNT).toBe('3');
    expect(env.GIT_CONFIG_KEY_2).toBe('http.https://git.example/.extraHeader');
    expect(env.GIT_CONFIG_VALUE_2).toMatch(/^Authorization: Basic /);
    expect(env.GIT_CONFIG_KEY_0).toBe('a.b');
    expect(gitEnvironment({}, credentials).GIT_CONFIG_KEY_0).toBe('http.https://git.example/.extraHeader');
    expect(gitEnvironment({}).GIT_CONFIG_COUNT).toBeUndefined();
  });

  it('is what git reads: the header reaches http requests, not the command line', async () => {
    const { stdout } = await run('git', ['config', '--get-regexp', 'extraheader'], {
      env: {
        ...gitEnvironment({ PATH: process.env.PATH }, credentials),
        GIT_CONFIG_NOSYSTEM: '1',
        HOME: '/nonexistent'
      }
    });
    expect(stdout.trim()).toBe(`http.https://git.example/.extraheader ${credentials.gitConfig().value}`);
  });
});

describe('redaction', () => {
  const SECRET = 'redact-me-0123456789';
  beforeAll(() => maskSecret(SECRET));

  it('masks a secret in text, the longest first', () => {
    maskSecret(`${SECRET}-longer`);
    expect(redact(`a ${SECRET}-longer b ${SECRET} c`)).toBe('a *** b *** c');
    expect(redact('nothing here')).toBe('nothing here');
  });

  it("masks the exec wrapper's debug lines, output lines and errors", async () => {
    const debug: string[] = [];
    const lines: string[] = [];
    const error = (await run('sh', ['-c', `echo out ${SECRET}; echo err ${SECRET} >&2; exit 3`, SECRET], {
      debug: (m) => debug.push(m),
      onLine: (l) => lines.push(l)
    }).catch((e: unknown) => e)) as ExecError;
    expect(error).toBeInstanceOf(ExecError);
    for (const text of [debug.join('\n'), lines.join('\n'), error.message, error.stdout, error.stderr]) {
      expect(text).not.toContain(SECRET);
    }
    expect(debug[0]).toContain('***');
    expect(lines).toEqual(['out ***', 'err ***']);
  });

  it('masks every spelling of credentials, and tells the runner too', () => {
    const told: string[] = [];
    const { credentials } = parseRepository('https://u:another-s3cret@h.example/r.git');
    maskCredentials(credentials, (s) => told.push(s));
    expect(told).toContain('another-s3cret');
    expect(redact(`Authorization: Basic ${Buffer.from('u:another-s3cret').toString('base64')}`)).toBe(
      'Authorization: Basic ***'
    );
    maskCredentials(undefined, (s) => told.push(s));
    expect(told).toHaveLength(2);
  });
});
