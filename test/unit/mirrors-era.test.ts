import { describeRange, imageEra, pythonFits, pythonRange } from '../../src/pipeline/era.js';
import { componentEnv, downloadFailureHint, mirrorEnv, mirrorInputFor } from '../../src/pipeline/mirrors.js';

describe('mirrorEnv', () => {
  it('maps every mirror onto the variables ESP-IDF and pip read', () => {
    expect(
      mirrorEnv({
        github: 'https://m.example/github',
        githubAssets: 'm.example/github',
        espressif: 'http://127.0.0.1:8080/espressif',
        pipIndex: 'http://127.0.0.1:3141/simple'
      })
    ).toEqual({
      // The map covers v4.0.2 and v4.2, which ignore IDF_GITHUB_ASSETS, and dl.espressif.com.
      IDF_MIRROR_PREFIX_MAP:
        '^https://github\\.com,https://m.example/github;^https://dl\\.espressif\\.com,http://127.0.0.1:8080/espressif',
      IDF_GITHUB_ASSETS: 'm.example/github',
      PIP_INDEX_URL: 'http://127.0.0.1:3141/simple',
      // Espressif's wheels come from the Espressif mirror unless given apart.
      IDF_PIP_WHEELS_URL: 'http://127.0.0.1:8080/espressif/pypi',
      PIP_TRUSTED_HOST: '127.0.0.1'
    });
  });

  it('ESP-IDF v4 asks dl.espressif.com/pypi whatever it is told: with a mirror of it, pip tries once', () => {
    expect(mirrorEnv({ espressif: 'https://m.example/e' }, 4)).toMatchObject({ PIP_RETRIES: '1' });
    expect(mirrorEnv({ espressif: 'https://m.example/e' }, 5)).not.toHaveProperty('PIP_RETRIES');
    expect(mirrorEnv({}, 4)).not.toHaveProperty('PIP_RETRIES');
  });

  it('sets nothing without mirrors, and trusts only plain-http hosts', () => {
    expect(mirrorEnv({})).toEqual({});
    expect(
      mirrorEnv({ pipIndex: 'https://pypi.example/simple', pipWheels: 'http://w.example/pypi' })
    ).toEqual({
      PIP_INDEX_URL: 'https://pypi.example/simple',
      IDF_PIP_WHEELS_URL: 'http://w.example/pypi',
      PIP_TRUSTED_HOST: 'w.example'
    });
  });

  it('points the component manager at a registry mirror: its storage and its registry', () => {
    expect(componentEnv({})).toEqual({});
    expect(componentEnv({ componentRegistry: 'https://m.example/components' })).toEqual({
      IDF_COMPONENT_REGISTRY_URL: 'https://m.example/components',
      IDF_COMPONENT_STORAGE_URL: 'https://m.example/components'
    });
    expect(mirrorInputFor('components-file.espressif.com')).toBe('component-registry-mirror');
  });

  it('names the input that mirrors a host', () => {
    expect(mirrorInputFor('github.com')).toBe('idf-tools-mirror');
    expect(mirrorInputFor('dl.espressif.com')).toBe('espressif-mirror');
    expect(mirrorInputFor('files.pythonhosted.org')).toBe('pip-index');
    expect(mirrorInputFor('example.com')).toBeUndefined();
  });
});

describe('image eras', () => {
  it('ESP-IDF v4 gets its own image; legacy and v5 keep bookworm', () => {
    expect(imageEra('make', '9e70825d1e1cbf7988cf36981774300066580ea7')).toBe('bookworm');
    expect(imageEra('cmake', 'v4.4')).toBe('idf4');
    expect(imageEra('cmake', 'v4.0.2')).toBe('idf4');
    expect(imageEra('cmake', 'release/v4.4')).toBe('idf4');
    expect(imageEra('cmake', 'v5.2.2')).toBe('bookworm');
    expect(imageEra('cmake', 'master')).toBe('bookworm');
  });

  it('knows the Python each installer works with', () => {
    expect(pythonRange('make', 'v3.3.2')).toBeUndefined();
    const v4 = pythonRange('cmake', 'v4.4')!;
    expect(pythonFits('3.8', v4)).toBe(true);
    expect(pythonFits('3.11', v4)).toBe(false);
    expect(describeRange(v4)).toBe('Python 3.6 to 3.9');
    expect(pythonFits('3.7', pythonRange('cmake', 'v5.0.4'))).toBe(true);
    expect(pythonFits('3.7', pythonRange('cmake', 'v5.2.2'))).toBe(false);
    expect(pythonFits('3.8', pythonRange('cmake', 'v5.5.1'))).toBe(false);
    expect(pythonFits('3.11', pythonRange('cmake', 'v5.5.1'))).toBe(true);
    expect(pythonFits('garbage', pythonRange('cmake', 'v5.5.1'))).toBe(false);
  });
});

describe('downloadFailureHint', () => {
  it('names the host install.sh could not reach and the input that mirrors it', () => {
    const output = [
      'Installing xtensa-esp-elf@esp-13.2.0_20230928',
      'Downloading https://github.com/espressif/crosstool-NG/releases/download/esp-13.2.0_20230928/x.tar.xz',
      'WARNING: Download failure: <urlopen error [Errno -3] Temporary failure in name resolution>',
      'ERROR: Failed to download, and retry count has expired'
    ].join('\n');
    expect(downloadFailureHint(output)).toMatch(
      /could not download from github\.com\. .*set idf-tools-mirror/
    );
    expect(
      downloadFailureHint(
        'Looking in indexes: https://pypi.org/simple\nERROR: Could not find a version that satisfies the requirement click'
      )
    ).toMatch(/pypi\.org.*pip-index/);
    expect(downloadFailureHint('Downloading http://127.0.0.1:9/espressif/x\nurlopen error refused')).toMatch(
      /127\.0\.0\.1: check that this mirror answers/
    );
    expect(downloadFailureHint('ERROR: some other failure at https://github.com/x')).toBeUndefined();
  });
});
