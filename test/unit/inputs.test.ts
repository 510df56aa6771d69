import {
  InputError,
  parseCacheSaveTimeout,
  parseInputs,
  parseList,
  DEFAULT_IDF_REPO
} from '../../src/inputs.js';

const from = (values: Record<string, string>) => (name: string) => values[name] ?? '';
const parse = (values: Record<string, string>) =>
  parseInputs(from(values), { workspace: '/work/space', cpus: 3 });

describe('parseInputs', () => {
  it('fills every default', () => {
    const inputs = parse({});
    expect(inputs).toEqual({
      micropythonPath: '/work/space',
      board: undefined,
      boardVariant: undefined,
      makeArgs: [],
      targets: [],
      jobs: 3,
      idfVersion: 'auto',
      idfRepo: DEFAULT_IDF_REPO,
      toolchainUrl: undefined,
      toolchainSha256: undefined,
      mirrors: {},
      imageBuildArgs: {},
      image: 'build',
      network: undefined,
      cache: true,
      ccache: true,
      buildCachePolicy: 'scoped',
      resolveOnly: false,
      cacheSaveTimeoutMinutes: 20
    });
  });

  it('reads cache-save-timeout as whole minutes, and says what to set when it is not', () => {
    expect(parse({ 'cache-save-timeout': ' 45 ' }).cacheSaveTimeoutMinutes).toBe(45);
    expect(parseCacheSaveTimeout('')).toBe(20);
    for (const bad of ['0', '-5', '1.5', '20m', '1441', 'soon']) {
      expect(() => parse({ 'cache-save-timeout': bad })).toThrow(
        new RegExp(`cache-save-timeout must be a whole number of minutes from 1 to 1440.*got '${bad}'`)
      );
    }
  });

  it('resolves micropython-path against the workspace and keeps absolute paths', () => {
    expect(parse({ 'micropython-path': 'micropython' }).micropythonPath).toBe('/work/space/micropython');
    expect(parse({ 'micropython-path': '/abs/mp' }).micropythonPath).toBe('/abs/mp');
  });

  it('keeps each make-args line whole, shell metacharacters included', () => {
    const inputs = parse({
      'make-args': 'V=1\n\n  FROZEN_MANIFEST=/a b/manifest.py \nX=$(rm -rf /);`id`|cat\n'
    });
    expect(inputs.makeArgs).toEqual(['V=1', 'FROZEN_MANIFEST=/a b/manifest.py', 'X=$(rm -rf /);`id`|cat']);
  });

  it('splits targets on spaces, commas and lines, and refuses options', () => {
    expect(parse({ targets: 'all size\nsubmodules,clean' }).targets).toEqual([
      'all',
      'size',
      'submodules',
      'clean'
    ]);
    expect(() => parse({ targets: '-f /etc/passwd' })).toThrow(InputError);
    expect(() => parse({ targets: 'a;b' })).toThrow(/not a make target/);
  });

  it('validates board names', () => {
    expect(parse({ board: 'ESP32_GENERIC_S3', 'board-variant': 'SPIRAM_OCT' }).board).toBe(
      'ESP32_GENERIC_S3'
    );
    expect(() => parse({ board: '../etc' })).toThrow(/board '..\/etc' is not a valid name/);
    expect(() => parse({ 'board-variant': 'A B' })).toThrow(/board-variant/);
  });

  it.each(['v5.2.2', 'release/v5.2', 'master', '6ccb4cf5fd7a71f3a9b1f8a2fce3a4d8f4b2b1a0', 'v4.4-beta1'])(
    'accepts the ESP-IDF ref %s',
    (ref) => expect(parse({ 'idf-version': ref }).idfVersion).toBe(ref)
  );

  it.each(['--upload-pack=evil', '-b', 'a..b', 'v5 2', 'release/', 'x.lock', 'a,b', 'refs//x'])(
    'refuses the ESP-IDF ref %j',
    (ref) => expect(() => parse({ 'idf-version': ref })).toThrow(/idf-version .* is not an ESP-IDF tag/)
  );

  it.each([
    'https://github.com/espressif/esp-idf.git',
    'git@github.com:me/esp-idf.git',
    'ssh://git@host/esp-idf.git',
    'file:///srv/mirror/esp-idf.git',
    '/srv/mirror/espressif/esp-idf.git'
  ])('accepts the repository %s', (repo) => expect(parse({ 'idf-repo': repo }).idfRepo).toBe(repo));

  it.each(['--upload-pack=touch /tmp/x', 'relative/path', 'ext::sh -c touch% /tmp/pwned', 'https://a b'])(
    'refuses the repository %j',
    (repo) => expect(() => parse({ 'idf-repo': repo })).toThrow(/idf-repo .* is not a git repository URL/)
  );

  it('validates the toolchain URL and checksum', () => {
    const sha = 'A'.repeat(64);
    const inputs = parse({ 'toolchain-url': 'http://127.0.0.1:8080/x.tar.gz', 'toolchain-sha256': sha });
    expect(inputs.toolchainSha256).toBe('a'.repeat(64));
    expect(() => parse({ 'toolchain-sha256': 'abc' })).toThrow(/64 hexadecimal/);
    expect(() => parse({ 'toolchain-url': 'ftp://x/y.tar.gz' })).toThrow(/http/);
    expect(() => parse({ 'toolchain-url': 'not a url' })).toThrow(/not a URL/);
  });

  it('takes the tools mirror as host/path (https) or as a URL', () => {
    expect(parse({ 'idf-tools-mirror': 'dl.espressif.com/github_assets' }).mirrors).toEqual({
      github: 'https://dl.espressif.com/github_assets',
      githubAssets: 'dl.espressif.com/github_assets'
    });
    expect(parse({ 'idf-tools-mirror': 'https://mirror.example/gh/' }).mirrors).toEqual({
      github: 'https://mirror.example/gh',
      githubAssets: 'mirror.example/gh'
    });
    // Plain http (a mirror on the local network): only the mirror map can say that.
    expect(parse({ 'idf-tools-mirror': 'http://127.0.0.1:8080/github' }).mirrors).toEqual({
      github: 'http://127.0.0.1:8080/github'
    });
    expect(() => parse({ 'idf-tools-mirror': 'ftp://x' })).toThrow(
      /idf-tools-mirror 'ftp:\/\/x' is not a mirror's URL/
    );
  });

  it('takes the other mirrors as URLs, refusing what the mirror map would misread', () => {
    const mirrors = parse({
      'espressif-mirror': 'https://m.example/espressif/',
      'pip-index': 'http://127.0.0.1:3141/simple',
      'idf-pip-wheels': 'https://m.example/espressif/pypi'
    }).mirrors;
    expect(mirrors).toEqual({
      espressif: 'https://m.example/espressif',
      pipIndex: 'http://127.0.0.1:3141/simple',
      pipWheels: 'https://m.example/espressif/pypi'
    });
    expect(() => parse({ 'espressif-mirror': 'https://a,b' })).toThrow(/espressif-mirror/);
    expect(() => parse({ 'pip-index': 'https://a/x;y' })).toThrow(/pip-index/);
    expect(() => parse({ 'pip-index': '-https://a' })).toThrow(/pip-index/);
    expect(parse({}).mirrors).toEqual({});
  });

  it('takes image build arguments as NAME=value lines', () => {
    expect(
      parse({ 'image-build-args': 'BASE=registry.example/debian:bookworm-slim\nX=a=b' }).imageBuildArgs
    ).toEqual({
      BASE: 'registry.example/debian:bookworm-slim',
      X: 'a=b'
    });
    expect(() => parse({ 'image-build-args': '--network=host' })).toThrow(/NAME=value/);
    expect(() => parse({ 'image-build-args': 'BASE' })).toThrow(/NAME=value/);
  });

  it('validates jobs, booleans, image and network', () => {
    expect(parse({ jobs: '8' }).jobs).toBe(8);
    expect(() => parse({ jobs: '0' })).toThrow(/jobs/);
    expect(() => parse({ jobs: 'many' })).toThrow(/jobs/);
    expect(parse({ cache: 'FALSE', ccache: 'no' })).toMatchObject({ cache: false, ccache: false });
    expect(() => parse({ cache: 'maybe' })).toThrow(/cache must be true or false/);
    expect(parse({ image: 'ghcr.io/me/esp32-devel:1.0' }).image).toBe('ghcr.io/me/esp32-devel:1.0');
    expect(() => parse({ image: '--privileged' })).toThrow(/image/);
    expect(parse({ network: 'host' }).network).toBe('host');
    expect(() => parse({ network: 'container:x' })).toThrow(/network/);
  });

  it.each(['foo__bar', 'a--b/c', 'localhost:5000/me/esp32-devel:1.0', `r.io/a@sha256:${'f'.repeat(64)}`])(
    'accepts the Docker image reference %s',
    (image) => expect(parse({ image }).image).toBe(image)
  );
});

describe('parseList', () => {
  it('ignores blank lines and trims', () => {
    expect(parseList(' a \n\n b', 'lines')).toEqual(['a', 'b']);
    expect(parseList('a b, c\nd', 'words')).toEqual(['a', 'b', 'c', 'd']);
  });
});
