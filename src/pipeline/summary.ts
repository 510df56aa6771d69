import path from 'node:path';
import type { PipelineResult } from './index.js';

/** Where each cached thing came from: true when it was not made afresh. */
export function cacheHits(result: PipelineResult): Record<string, boolean> {
  const hits: Record<string, boolean> = {
    image: result.image.source !== 'built',
    idf: result.idf.source !== 'clone'
  };
  if (result.toolchain) hits.toolchain = result.toolchain.source !== 'download';
  if (result.ccache) hits.ccache = result.ccache.hit !== undefined;
  if (result.components) hits.components = result.components.hit !== undefined;
  return hits;
}

const SOURCE_WORDS: Record<string, string> = {
  local: 'on this machine',
  'tool-cache': 'tool cache',
  'actions-cache': 'Actions cache',
  clone: 'cloned',
  download: 'downloaded',
  built: 'built',
  pulled: 'pulled'
};

/** Which way the image was had, in words: published (pulled or present), or the fallback and why. Pure. */
export function imageWords(image: PipelineResult['image']): string {
  if (image.source === 'published-pulled') return `published ${image.version} (pulled by digest)`;
  if (image.source === 'published-present') return `published ${image.version} (present)`;
  const words = SOURCE_WORDS[image.source];
  return image.fallback ? `${words}; the published image was not used: ${image.fallback}` : words;
}

export function seconds(ms: number | undefined): string {
  return ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`;
}

/** The rows of the job summary: plain data, rendered by the front end. Pure. */
export function summaryRows(result: PipelineResult): [string, string][] {
  const r = result.resolution;
  const rows: [string, string][] = [
    ['Board', r.board ? `${r.board}${r.boardVariant ? ` (${r.boardVariant})` : ''}` : '(default)'],
    ['Chips', r.chips.join(', ')],
    ['MicroPython', r.micropythonVersion ?? 'unknown'],
    ['Build system', r.buildSystem === 'make' ? 'GNU make (legacy)' : 'CMake / idf.py'],
    ['ESP-IDF', `${r.idf.ref} (${result.idf.kind}, from ${r.idf.pinSource})`],
    ['ESP-IDF commit', result.idf.commit],
    ['ESP-IDF checkout', SOURCE_WORDS[result.idf.source]],
    ['Image', `${result.image.ref} (${imageWords(result.image)})`]
  ];
  if (result.toolchain) {
    rows.push([
      'Toolchain',
      `xtensa-esp32-elf ${result.toolchain.version} (${SOURCE_WORDS[result.toolchain.source]})`
    ]);
  }
  if (result.ccache) rows.push(['ccache', result.ccache.hit ? `warm (${result.ccache.hit})` : 'cold']);
  if (result.components) {
    rows.push([
      'Components',
      result.components.hit ? `cached (${result.components.hit})` : 'downloaded by the build'
    ]);
  }
  const phases = Object.entries(result.durations)
    .map(([name, ms]) => `${name} ${seconds(ms)}`)
    .join(', ');
  rows.push(['Phases', phases]);
  if (result.makeMs !== undefined) rows.push(['make', seconds(result.makeMs)]);
  const firmware = result.artifacts?.firmware;
  if (firmware) {
    rows.push([
      'Firmware',
      `${path.basename(firmware)}: ${result.artifacts?.firmwareSize?.toLocaleString('en-US')} bytes`
    ]);
  }
  return rows;
}
