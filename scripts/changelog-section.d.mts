/** Types of changelog-section.mjs, for the unit tests. */
export interface ChangelogSection {
  heading: string;
  date: string | undefined;
  body: string;
}
export function plainVersion(tag: string): string | undefined;
export function changelogSection(changelog: string, tag: string): ChangelogSection | undefined;
export function absoluteLinks(markdown: string, baseUrl: string): string;
export function releaseNotes(changelog: string, tag: string, baseUrl?: string): string;
