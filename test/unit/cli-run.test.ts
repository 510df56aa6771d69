import { userDirectory } from '../../src/cli/run.js';

describe('userDirectory', () => {
  it('under this package’s npm run local-*, the directory npm was started in', () => {
    const env = {
      npm_package_name: 'esp32-micropython-build',
      npm_lifecycle_event: 'local-deploy',
      INIT_CWD: '/home/a/mp'
    };
    expect(userDirectory(env, '/home/a/esp32-micropython-build')).toBe('/home/a/mp');
  });
  it('anywhere else, the real current directory', () => {
    expect(userDirectory({}, '/x')).toBe('/x');
    expect(
      userDirectory(
        { npm_package_name: 'firmware', npm_lifecycle_event: 'flash', INIT_CWD: '/pkg' },
        '/pkg/sub'
      )
    ).toBe('/pkg/sub');
    expect(
      userDirectory(
        { npm_package_name: 'esp32-micropython-build', npm_lifecycle_event: 'test', INIT_CWD: '/p' },
        '/q'
      )
    ).toBe('/q');
  });
});
