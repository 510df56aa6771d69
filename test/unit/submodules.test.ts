import { requestedSubmodules, SUBMODULE_MARK, submoduleGitConfig } from '../../src/pipeline/submodules.js';

const tree = '/w/app/micropython';
const line = (dir: string, name: string) => `${SUBMODULE_MARK}\t${dir}\t${name}`;

describe('the submodules a port names', () => {
  it('takes plain paths inside the tree, relative to where git was asked, once each', () => {
    const output = [
      'Updating submodules: lib/berkeley-db-1.xx lib/micropython-lib',
      line(tree, 'lib/berkeley-db-1.xx'),
      line(`${tree}/ports/esp32`, '../../lib/micropython-lib'),
      line(tree, 'lib/micropython-lib'),
      line(tree, 'lib/tinyusb\r')
    ].join('\n');
    expect(requestedSubmodules(output, tree)).toEqual({
      paths: ['lib/berkeley-db-1.xx', 'lib/micropython-lib', 'lib/tinyusb'],
      refused: []
    });
  });

  it('refuses what is outside the tree, inside a .git, the tree itself, or not a plain path', () => {
    const output = [
      line(tree, '../other'),
      line(tree, '/etc'),
      line(tree, 'lib/x/.git'),
      line(tree, '.'),
      line(tree, 'lib/$(id)'),
      line('relative/dir', 'lib/a'),
      `${SUBMODULE_MARK}\t${tree}\tlib/a\textra`,
      `not-the-mark\t${tree}\tlib/b`
    ].join('\n');
    const { paths, refused } = requestedSubmodules(output, tree);
    expect(paths).toEqual([]);
    expect(refused).toEqual(['../other', '/etc', 'lib/x/.git', '.', 'lib/$(id)', 'lib/a', 'lib/a']);
  });

  it('git for them runs no fsmonitor or hook, no ext::, and file:// only for a tree cloned from a local path', () => {
    const hardened = [
      '-c',
      'core.fsmonitor=false',
      '-c',
      'core.hooksPath=/dev/null',
      '-c',
      'protocol.ext.allow=never'
    ];
    expect(submoduleGitConfig('https://github.com/micropython/micropython')).toEqual([
      ...hardened,
      '-c',
      'protocol.file.allow=never'
    ]);
    expect(submoduleGitConfig(undefined)).toContain('protocol.file.allow=never');
    expect(submoduleGitConfig('/srv/mirror/micropython.git')).toEqual(hardened);
    expect(submoduleGitConfig('file:///srv/mirror/micropython.git')).toEqual(hardened);
  });
});
