import {
  isBoardName,
  isIdfRef,
  isImageReference,
  isMakeTarget,
  isNetworkName,
  isSha256
} from '../../src/grammar.js';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('board names', () => {
  it.each(['ESP32_GENERIC', 'ESP32_GENERIC_S3', 'SPIRAM_OCT', 'GENERIC', 'm5stack_atom', '_', '1'])(
    'accepts %s',
    (name) => expect(isBoardName(name)).toBe(true)
  );
  it.each(['', 'A B', '../etc', 'ESP32-GENERIC', 'a/b', '$(shell id)', 'BOARD=X', '-x', 'ÄB'])(
    'refuses %j',
    (name) => expect(isBoardName(name)).toBe(false)
  );
});

describe('ESP-IDF refs', () => {
  it.each([
    'auto',
    'v5.2.2',
    'v5.2',
    '5.2.2',
    'v4.4-beta1',
    'release/v5.2',
    'master',
    'feature/a_b+c',
    '6ccb4cf5fd7a71f3a9b1f8a2fce3a4d8f4b2b1a0',
    '4c81978a',
    'a'.repeat(200)
  ])('accepts %s', (ref) => expect(isIdfRef(ref)).toBe(true));
  it.each([
    '',
    '-b',
    '--upload-pack=evil',
    '.hidden',
    'a..b',
    '../../etc',
    'release/',
    '/release',
    'refs//x',
    'x.lock',
    'x.lock/y',
    'release/.v5',
    'v5.2.',
    'v5 2',
    'a,b',
    'v5.0; rm -rf /',
    'a@{1}',
    'a\\b',
    'a'.repeat(201)
  ])('refuses %j', (ref) => expect(isIdfRef(ref)).toBe(false));
});

describe('image references', () => {
  it.each([
    'ubuntu',
    'ubuntu:24.04',
    'library/ubuntu',
    'ghcr.io/owner/esp32-devel:1.0',
    'foo__bar',
    'a--b',
    'a---b/c_d/e.f',
    'localhost:5000/a/b',
    'registry:5000/a/b:tag',
    `registry:5000/a/b:tag@${DIGEST}`,
    `ubuntu@${DIGEST}`,
    'My-Registry.example.com/team/image:Tag_1.2-rc',
    `a:${'t'.repeat(128)}`
  ])('accepts %s', (reference) => expect(isImageReference(reference)).toBe(true));
  it.each([
    '',
    'build here',
    '--privileged',
    '-a',
    'Ubuntu',
    'team/Image',
    'a_-b',
    'a___b',
    'a..b',
    '_a',
    'a-',
    'a//b',
    'a/',
    'ubuntu:',
    'ubuntu:-tag',
    `a:${'t'.repeat(129)}`,
    'ubuntu@sha256:abc',
    `ubuntu@sha256:${'A'.repeat(64)}`,
    'registry:port/a',
    '-registry.io/a',
    `${'a'.repeat(256)}`,
    'a;b'
  ])('refuses %j', (reference) => expect(isImageReference(reference)).toBe(false));
});

describe('network names', () => {
  it.each(['host', 'bridge', 'none', 'my_net-1.2'])('accepts %s', (name) =>
    expect(isNetworkName(name)).toBe(true)
  );
  it.each(['', 'container:x', '-net', '.net', 'a b', 'a/b'])('refuses %j', (name) =>
    expect(isNetworkName(name)).toBe(false)
  );
});

describe('make targets', () => {
  it.each(['all', 'deploy', 'size', 'submodules', 'clean', '_x', 'a.b', 'c++', 'x-y'])(
    'accepts %s',
    (target) => expect(isMakeTarget(target)).toBe(true)
  );
  it.each(['', '-f', '--eval=x', 'V=1', 'a;b', 'a b', 'a/b', '$(x)', '.hidden'])('refuses %j', (target) =>
    expect(isMakeTarget(target)).toBe(false)
  );
});

describe('SHA-256 checksums', () => {
  it('accepts 64 lowercase hexadecimal digits only', () => {
    expect(isSha256('0123456789abcdef'.repeat(4))).toBe(true);
    expect(isSha256('0123456789ABCDEF'.repeat(4))).toBe(false);
    expect(isSha256('0'.repeat(63))).toBe(false);
    expect(isSha256('0'.repeat(65))).toBe(false);
    expect(isSha256('g'.repeat(64))).toBe(false);
  });
});
