/** Decision: whether the chosen ESP-IDF can build for the board's chips. */
import { chipSupport, CHIP_SUPPORT, idfVersionOfRef } from '../../idf-versions.js';
import { describeRef, sameRef } from './choose-idf.js';
import { ResolveError } from './model.js';
import type { NamedRef } from './read-idf-pins.js';

/**
 * Throws when ESP-IDF `ref` cannot build for a chip; warns when it only
 * previews it, or when the chip or the ref's version is unknown.
 */
export function checkChipSupport(
  ref: string,
  chips: string[],
  board: string,
  supported: NamedRef[],
  warnings: string[]
): void {
  const idfVersion =
    idfVersionOfRef(ref) ?? supported.find((entry) => sameRef(ref, entry.ref))?.version ?? null;
  for (const target of chips) {
    if (!idfVersion) {
      if (target !== 'esp32') {
        warnings.push(
          `Cannot tell which chips ESP-IDF ${ref} supports; assuming it can build for ${target}.`
        );
      }
      continue;
    }
    const level = chipSupport(target, idfVersion);
    if (level === 'unsupported') {
      const since = CHIP_SUPPORT[target]?.since;
      throw new ResolveError(
        `Board ${board || '(default)'} is for ${target}, which ESP-IDF ${describeRef(ref)} does not support` +
          `${since ? ` (${target} needs ESP-IDF ${since} or later)` : ''}. ` +
          (supported.length
            ? `This MicroPython names: ${supported.map((entry) => describeRef(entry.ref)).join(', ')}.`
            : 'Choose a newer idf-version.')
      );
    }
    if (level === 'preview') {
      warnings.push(`${target} is only a preview target in ESP-IDF ${ref}; the build may fail.`);
    }
    if (level === 'unknown-chip') {
      warnings.push(`Unknown chip ${target}: cannot check that ESP-IDF ${ref} supports it.`);
    }
  }
}
