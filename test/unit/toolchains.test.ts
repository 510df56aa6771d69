import {
  chipSupport,
  chipsSupportedBy,
  compareIdfVersions,
  findKnownIdfCommit,
  idfVersionOfRef,
  parseIdfVersion,
  type IdfVersion
} from '../../src/idf-versions.js';
import {
  findToolchainByUrl,
  LEGACY_TOOLCHAINS,
  toolchainForIdf,
  toolchainVersionFromUrl
} from '../../src/toolchains.js';

function v(ref: string): IdfVersion {
  const version = parseIdfVersion(ref);
  if (!version) throw new Error(`unparsable ${ref}`);
  return version;
}

describe('toolchain table', () => {
  it('has a URL on dl.espressif.com and a SHA-256 for every entry', () => {
    for (const entry of LEGACY_TOOLCHAINS) {
      expect(entry.url).toMatch(/^https:\/\/dl\.espressif\.com\/dl\/xtensa-esp32-elf-.*\.tar\.gz$/);
      expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(entry.url).toContain(entry.version.replace(/-(\d+\.\d+\.\d+)$/, ''));
    }
  });

  it.each([
    ['v3.1', '1.22.0-80-g6c4433a-5.2.0'],
    ['v3.1.7', '1.22.0-80-g6c4433a-5.2.0'],
    ['v3.2.5', '1.22.0-80-g6c4433a-5.2.0'],
    ['v3.3', '1.22.0-80-g6c4433a-5.2.0'],
    ['v3.3.2', '1.22.0-80-g6c4433a-5.2.0'],
    ['v3.3.3', '1.22.0-96-g2852398-5.2.0'],
    ['v3.3.4', '1.22.0-96-g2852398-5.2.0'],
    ['v3.3.5', '1.22.0-97-gc752ad5-5.2.0'],
    ['v3.3.6', '1.22.0-97-gc752ad5-5.2.0'],
    ['release/v3.3', '1.22.0-97-gc752ad5-5.2.0'],
    ['release/v3.2', '1.22.0-80-g6c4433a-5.2.0'],
    ['v4.0-beta1', 'esp32-2019r1-8.2.0'],
    ['v4.0', 'esp-2019r2-8.2.0'],
    ['v4.0.1', 'esp-2019r2-8.2.0'],
    // the commits MicroPython pinned
    ['3ede9f011b50999b0560683f9419538c066dd09e', '1.22.0-80-g6c4433a-5.2.0'],
    ['30545f4cccec7460634b656d278782dd7151098e', '1.22.0-80-g6c4433a-5.2.0'],
    ['5c88c5996dbde6208e3bec05abc21ff6cd822d26', '1.22.0-80-g6c4433a-5.2.0'],
    ['6ccb4cf5b7d1fdddb8c2492f9cbc926abaf230df', '1.22.0-80-g6c4433a-5.2.0'],
    ['9e70825d1e1cbf7988cf36981774300066580ea7', '1.22.0-80-g6c4433a-5.2.0'],
    ['310beae373446ceb9a4ad9b36b5428d7fdf2705f', 'esp32-2019r1-8.2.0'],
    ['4c81978a3e2220674a432a588292a4c860eef27b', 'esp-2019r2-8.2.0']
  ])('ESP-IDF %s uses %s', (ref, version) => {
    const choice = toolchainForIdf(ref);
    expect(choice.toolchain.version).toBe(version);
    expect(choice.warning).toBeUndefined();
  });

  it('falls back to the 1.22.0-80 toolchain with a warning', () => {
    for (const ref of ['master', 'deadbeef', 'v4.4']) {
      const choice = toolchainForIdf(ref);
      expect(choice.toolchain.version).toBe('1.22.0-80-g6c4433a-5.2.0');
      expect(choice.warning).toMatch(/No known standalone toolchain/);
    }
  });

  it('finds entries by URL and names custom archives', () => {
    expect(findToolchainByUrl(LEGACY_TOOLCHAINS[2].url)?.version).toBe('1.22.0-97-gc752ad5-5.2.0');
    expect(findToolchainByUrl('https://example.com/x.tar.gz')).toBeUndefined();
    expect(
      toolchainVersionFromUrl('https://m.example/xtensa-esp32-elf-linux64-1.22.0-80-g6c4433a-5.2.0.tar.gz')
    ).toBe('1.22.0-80-g6c4433a-5.2.0');
    expect(
      toolchainVersionFromUrl('https://m.example/xtensa-esp32-elf-gcc8_2_0-esp-2019r2-linux-amd64.tar.gz')
    ).toBe('gcc8_2_0-esp-2019r2');
    expect(toolchainVersionFromUrl('https://m.example/dl/my-toolchain.tgz?x=1')).toBe('my-toolchain');
  });
});

describe('ESP-IDF versions', () => {
  it('parses tags, bare versions, describe output and release branches', () => {
    expect(parseIdfVersion('v5.2.2')).toEqual({
      major: 5,
      minor: 2,
      patch: 2,
      patchGiven: true,
      branch: false
    });
    expect(parseIdfVersion('5.2')).toEqual({
      major: 5,
      minor: 2,
      patch: 0,
      patchGiven: false,
      branch: false
    });
    expect(parseIdfVersion('v4.3-beta2')?.pre).toBe('beta2');
    expect(parseIdfVersion('v3.1-dev-396-g3ede9f011b5')?.pre).toBe('dev');
    expect(parseIdfVersion('release/v5.4')).toMatchObject({ major: 5, minor: 4, branch: true });
    expect(parseIdfVersion('master')).toBeNull();
    expect(parseIdfVersion('3ede9f011b50')).toBeNull();
  });

  it('orders versions', () => {
    const sorted = [
      'v5.0',
      'v4.4-dev',
      'release/v4.4',
      'v4.4',
      'v4.3-beta2',
      'v4.4.1',
      'v4.3-rc1',
      'v4.3'
    ].map(v);
    sorted.sort(compareIdfVersions);
    expect(
      sorted.map((x) => `${x.major}.${x.minor}.${x.branch ? 'x' : x.patch}${x.pre ? `-${x.pre}` : ''}`)
    ).toEqual(['4.3.0-beta2', '4.3.0-rc1', '4.3.0', '4.4.0-dev', '4.4.0', '4.4.1', '4.4.x', '5.0.0']);
  });

  it('knows the pinned commits, also by abbreviated hash', () => {
    expect(findKnownIdfCommit('9e70825d')?.version).toBe('v3.3.2');
    expect(idfVersionOfRef('142bb32c50fa9875b8b69fa539a2d59559460d72')).toMatchObject({
      major: 4,
      minor: 4,
      pre: 'dev'
    });
    expect(findKnownIdfCommit('v3.3.2')).toBeUndefined();
  });

  it('knows which chips each version builds', () => {
    expect(chipsSupportedBy(v('v4.0.2'))).toEqual(['esp32']);
    expect(chipsSupportedBy(v('v4.2'))).toEqual(['esp32', 'esp32s2']);
    expect(chipsSupportedBy(v('v4.3-beta2'))).toEqual(['esp32', 'esp32s2', 'esp32c3']);
    expect(chipsSupportedBy(v('v4.4'))).toEqual(['esp32', 'esp32s2', 'esp32c3', 'esp32s3']);
    expect(chipsSupportedBy(v('v5.0.4'))).toContain('esp32c2');
    expect(chipsSupportedBy(v('v5.1.2'))).toEqual(expect.arrayContaining(['esp32c6', 'esp32h2']));
    expect(chipSupport('esp32p4', v('v5.2.2'))).toBe('preview');
    expect(chipSupport('esp32p4', v('v5.3'))).toBe('supported');
    expect(chipSupport('esp32c5', v('v5.5'))).toBe('preview');
    expect(chipSupport('esp32c5', v('v5.5.1'))).toBe('supported');
    expect(chipSupport('esp32c61', v('release/v5.5'))).toBe('supported');
    expect(chipSupport('esp32s3', v('v4.0.2'))).toBe('unsupported');
    expect(chipSupport('esp32x9', v('v5.5'))).toBe('unknown-chip');
  });
});
