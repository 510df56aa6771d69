/**
 * What the release workflow relies on: the release notes taken from
 * CHANGELOG.md (scripts/changelog-section.mjs), the shape of
 * docker/published.json it rewrites, and GitHub's parser finding real errors
 * in workflows and action.yml (scripts/lint-actions.mjs, run by npm run lint).
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  absoluteLinks,
  changelogSection,
  plainVersion,
  releaseNotes
} from '../../scripts/changelog-section.mjs';
import { PROJECT } from '../support/project.js';

const CHANGELOG = `# Changelog

## [Unreleased]

### Fixed

- Something after 1.1.0.

## [1.1.0] - 2026-06-01

### Added

- A \`new-input\` input; see [SECURITY.md](SECURITY.md) and [the image](README.md#the-container-image).
- Nothing from [elsewhere](https://example.com/x) or [here](#top) changes.

## [1.0.0] - Unreleased

### Added

- Everything.

[Unreleased]: https://github.com/o/r/compare/v1.1.0...HEAD
[1.1.0]: https://github.com/o/r/compare/v1.0.0...v1.1.0
[1.0.0]: https://github.com/o/r/releases/tag/v1.0.0
`;

describe('changelog-section', () => {
  test('versions with or without v, pre-releases; anything else is none', () => {
    expect(plainVersion('v1.2.3')).toBe('1.2.3');
    expect(plainVersion('1.2.3')).toBe('1.2.3');
    expect(plainVersion('v2.0.0-rc.1')).toBe('2.0.0-rc.1');
    expect(plainVersion('v1')).toBeUndefined();
    expect(plainVersion('refs/tags/v1.2.3')).toBeUndefined();
  });

  test("a version's section: up to the next heading, its date, no link definitions", () => {
    const section = changelogSection(CHANGELOG, 'v1.1.0');
    expect(section?.date).toBe('2026-06-01');
    expect(section?.body.startsWith('### Added\n\n- A `new-input` input')).toBe(true);
    expect(section?.body).not.toContain('## [1.0.0]');
    const last = changelogSection(CHANGELOG, 'v1.0.0');
    expect(last).toEqual({
      heading: '## [1.0.0] - Unreleased',
      date: undefined,
      body: '### Added\n\n- Everything.'
    });
    expect(() => changelogSection(CHANGELOG, 'v1.1')).toThrow(/not a version/);
    expect(changelogSection(CHANGELOG, 'v1.0.1')).toBeUndefined();
    // 1.1.0 is not a prefix match for 1.1.00 or 11.1.0.
    expect(changelogSection('## [11.1.0] - 2026-01-01\n\nx\n', 'v1.1.0')).toBeUndefined();
  });

  test('release notes need a dated, non-empty section', () => {
    expect(() => releaseNotes(CHANGELOG, 'v1.0.0')).toThrow(/not dated .*## \[1\.0\.0\] - YYYY-MM-DD/);
    expect(() => releaseNotes(CHANGELOG, 'v9.9.9')).toThrow(/no section for 9\.9\.9/);
    expect(() => releaseNotes('## [2.0.0] - 2026-01-01\n\n## [1.0.0] - 2025-01-01\n\nx', 'v2.0.0')).toThrow(
      /is empty/
    );
    expect(() => releaseNotes(CHANGELOG, 'latest')).toThrow(/not a version/);
  });

  test("links to the repository's files are made absolute for the release page", () => {
    const notes = releaseNotes(CHANGELOG, 'v1.1.0', 'https://github.com/o/r/blob/v1.1.0');
    expect(notes).toContain('[SECURITY.md](https://github.com/o/r/blob/v1.1.0/SECURITY.md)');
    expect(notes).toContain('[the image](https://github.com/o/r/blob/v1.1.0/README.md#the-container-image)');
    expect(notes).toContain('[elsewhere](https://example.com/x)');
    expect(notes).toContain('[here](#top)');
    expect(absoluteLinks('[a](docs/ARCHITECTURE.md)', 'https://h/b/')).toBe(
      '[a](https://h/b/docs/ARCHITECTURE.md)'
    );
  });

  test('the command prints the notes, or fails naming what is missing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'changelog-'));
    try {
      const file = path.join(dir, 'CHANGELOG.md');
      await writeFile(file, CHANGELOG);
      const script = path.join(PROJECT, 'scripts', 'changelog-section.mjs');
      const ok = spawnSync('node', [script, 'v1.1.0', file, '--base-url', 'https://h/r/blob/v1.1.0/'], {
        encoding: 'utf8'
      });
      expect(ok.status).toBe(0);
      expect(ok.stdout).toContain('[SECURITY.md](https://h/r/blob/v1.1.0/SECURITY.md)');
      const undated = spawnSync('node', [script, 'v1.0.0', file], { encoding: 'utf8' });
      expect(undated.status).toBe(1);
      expect(undated.stderr).toMatch(/not dated/);
      expect(spawnSync('node', [script], { encoding: 'utf8' }).status).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("the repository's changelog has a section for package.json's version", () => {
    const { version } = JSON.parse(readFileSync(path.join(PROJECT, 'package.json'), 'utf8')) as {
      version: string;
    };
    const changelog = readFileSync(path.join(PROJECT, 'CHANGELOG.md'), 'utf8');
    expect(changelogSection(changelog, version)?.body).toMatch(/\S/);
  });
});

test('docker/published.json: no release yet, or one release with both eras by digest', () => {
  const published = JSON.parse(readFileSync(path.join(PROJECT, 'docker', 'published.json'), 'utf8')) as {
    version: string | null;
    repository: string | null;
    images: Record<string, string>;
  };
  expect(Object.keys(published).sort()).toEqual(['images', 'repository', 'version']);
  if (published.version === null) {
    expect(published).toEqual({ version: null, repository: null, images: {} });
    return;
  }
  expect(plainVersion(published.version)).toBeDefined();
  expect(published.repository).toMatch(/^ghcr\.io\/[a-z0-9._-]+\/esp32-devel$/);
  expect(Object.keys(published.images).sort()).toEqual(['bookworm', 'idf4']);
  for (const digest of Object.values(published.images)) expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
});

test("action.yml's Marketplace description fits the 125 characters the listing shows", () => {
  const action = readFileSync(path.join(PROJECT, 'action.yml'), 'utf8');
  const description = /^description: '(.+)'$/m.exec(action)?.[1];
  expect(description).toBeDefined();
  expect(description!.length).toBeLessThanOrEqual(125);
  expect(action).toMatch(/^branding:\n {2}icon: '[a-z0-9-]+'\n {2}color: '[a-z-]+'$/m);
});

describe('lint-actions (GitHub’s workflow parser)', () => {
  const script = path.join(PROJECT, 'scripts', 'lint-actions.mjs');
  const run = (args: string[], cwd = PROJECT) =>
    spawnSync('node', [script, ...args], { cwd, encoding: 'utf8' });

  test("the repository's workflows and action.yml pass", () => {
    const result = run([]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('ok action.yml');
    expect(result.stdout).toContain(`ok ${path.join('.github', 'workflows', 'release.yml')}`);
  });

  test('real errors are found: an unknown job, a bad context, an input a called workflow lacks, a bad icon', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lint-actions-'));
    try {
      const workflows = path.join(dir, '.github', 'workflows');
      await mkdir(workflows, { recursive: true });
      await writeFile(
        path.join(workflows, 'called.yml'),
        'on:\n  workflow_call:\n    inputs:\n      known: { type: string }\njobs:\n  c:\n    runs-on: ubuntu-24.04\n    steps: [{ run: echo }]\n'
      );
      await writeFile(
        path.join(workflows, 'caller.yml'),
        'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    needs: missing\n    steps: [{ run: echo }]\n  b:\n    uses: ./.github/workflows/called.yml\n    with: { unknown: x }\n'
      );
      await writeFile(
        path.join(workflows, 'context.yml'),
        'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps: [{ run: "echo ${{ secretz.X }}" }]\n'
      );
      await writeFile(
        path.join(dir, 'action.yml'),
        'name: x\ndescription: y\nbranding: { icon: smile, color: blue }\nruns: { using: node24, main: a.js }\n'
      );
      const result = run(
        ['action.yml', ...['called', 'caller', 'context'].map((name) => `.github/workflows/${name}.yml`)],
        dir
      );
      expect(result.status).toBe(1);
      expect(result.stdout).toContain('ok .github/workflows/called.yml');
      expect(result.stderr).toContain("Unexpected value 'smile'");
      expect(result.stderr).toContain("depends on unknown job 'missing'");
      expect(result.stderr).toContain('unknown is not defined in the referenced workflow');
      expect(result.stderr).toContain("Unrecognized named-value: 'secretz'");
      expect(result.stderr).toContain('3 of 4 files have errors.');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
