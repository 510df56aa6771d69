#!/usr/bin/env node
/**
 * The release notes of one version, taken from CHANGELOG.md (Keep a Changelog:
 * `## [1.2.3] - 2026-05-04` headings, newest first, link definitions at the end).
 *
 *   node scripts/changelog-section.mjs v1.2.3 [CHANGELOG.md] [--base-url URL]
 *
 * prints the section's body (its heading left out, since the release has its own
 * title). With --base-url (say https://github.com/o/r/blob/v1.2.3/), a link to a
 * file of the repository, such as `[SECURITY.md](SECURITY.md)`, is made absolute,
 * since a release page resolves no relative link. Fails, naming what to do, when
 * the version has no section, its section is empty, or its heading carries no
 * date (`## [1.2.3] - Unreleased` is still being written).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** 1.2.3 from v1.2.3 or 1.2.3 (pre-releases too: 1.2.3-rc.1); undefined for anything else. */
export function plainVersion(tag) {
  const match = /^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/.exec(tag.trim());
  return match ? match[1] : undefined;
}

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The section of a version: its heading line, its date (YYYY-MM-DD, or undefined
 * when the heading has none) and its body, trimmed, without the link definitions
 * that close the file. Undefined when the changelog has no such section.
 */
export function changelogSection(changelog, tag) {
  const version = plainVersion(tag);
  if (!version) throw new Error(`${tag} is not a version such as v1.2.3`);
  const lines = changelog.split(/\r?\n/);
  const heading = new RegExp(`^## +\\[?v?${escape(version)}\\]?(?:\\s|$)`);
  const start = lines.findIndex((line) => heading.test(line));
  if (start < 0) return undefined;
  let end = lines.findIndex((line, i) => i > start && /^## /.test(line));
  if (end < 0) end = lines.length;
  const body = lines.slice(start + 1, end);
  while (body.length > 0 && (/^\s*$/.test(body.at(-1)) || /^\[[^\]]+\]:\s/.test(body.at(-1)))) body.pop();
  while (body.length > 0 && /^\s*$/.test(body[0])) body.shift();
  const date = /\b(\d{4}-\d{2}-\d{2})\b/.exec(
    lines[start].slice(lines[start].indexOf(version) + version.length)
  );
  return { heading: lines[start], date: date?.[1], body: body.join('\n') };
}

/** Relative Markdown links made absolute under baseUrl; anchors, absolute URLs and mailto: left alone. */
export function absoluteLinks(markdown, baseUrl) {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return markdown.replace(/\]\(([^)\s]+)\)/g, (whole, target) =>
    /^(?:[a-z][a-z0-9+.-]*:|#|\/)/i.test(target) ? whole : `](${new URL(target, base).href})`
  );
}

/** The release notes of a tag, or an Error saying what is missing from the changelog. */
export function releaseNotes(changelog, tag, baseUrl) {
  const section = changelogSection(changelog, tag);
  const version = plainVersion(tag);
  if (!section) {
    throw new Error(
      `CHANGELOG.md has no section for ${version}: add "## [${version}] - YYYY-MM-DD" with its changes.`
    );
  }
  if (!section.date) {
    throw new Error(
      `CHANGELOG.md's section for ${version} is not dated ("${section.heading}"): write the release date, "## [${version}] - YYYY-MM-DD", before tagging.`
    );
  }
  if (!section.body) throw new Error(`CHANGELOG.md's section for ${version} is empty.`);
  return baseUrl ? absoluteLinks(section.body, baseUrl) : section.body;
}

function main(args) {
  const options = { baseUrl: undefined };
  const positional = [];
  for (let i = 0; i < args.length; i += 1) {
    if (args[i] === '--base-url') options.baseUrl = args[(i += 1)];
    else positional.push(args[i]);
  }
  const [tag, file = 'CHANGELOG.md'] = positional;
  if (!tag || positional.length > 2 || (args.includes('--base-url') && !options.baseUrl)) {
    console.error('usage: changelog-section.mjs <version tag> [CHANGELOG.md] [--base-url URL]');
    process.exitCode = 2;
    return;
  }
  try {
    process.stdout.write(`${releaseNotes(readFileSync(file, 'utf8'), tag, options.baseUrl)}\n`);
  } catch (error) {
    console.error(error.message);
    process.exitCode = 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  main(process.argv.slice(2));
