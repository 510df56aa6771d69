import { diskFullHint, withFaultHints } from '../../src/diagnostics.js';
import { stoppedFromOutside } from '../../src/pipeline/build.js';

describe('what a fault says to do', () => {
  it('a full disk, named where known, once', () => {
    const git = "fatal: failed to copy file to '/cache/idf/x.partial/o': No space left on device";
    expect(diskFullHint(git, '/cache/idf')).toMatch(
      /^The disk holding \/cache\/idf is full\. Free space there/
    );
    expect(diskFullHint('ENOSPC: no space left on device, write')).toMatch(/^The disk is full/);
    expect(diskFullHint('Disk quota exceeded')).toBeDefined();
    expect(diskFullHint('fatal: repository not found')).toBeUndefined();
    const hinted = withFaultHints(git);
    expect(hinted).toBe(`${git}\n${diskFullHint(git)}`);
    // Already said (with the place): not said twice.
    const specific = `${git}\n${diskFullHint(git, '/cache/idf')}`;
    expect(withFaultHints(specific)).toBe(specific);
    expect(withFaultHints('exit code 2')).toBe('exit code 2');
  });

  it('a container stopped from outside, by its exit code', () => {
    expect(stoppedFromOutside(137)).toMatch(/SIGKILL.*out of memory.*jobs: 1/);
    expect(stoppedFromOutside(143)).toMatch(/SIGTERM/);
    for (const code of [1, 2, 126, 127, 130, null, undefined])
      expect(stoppedFromOutside(code)).toBeUndefined();
  });
});
