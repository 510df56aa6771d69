import type { PipelineResult } from '../../src/pipeline/index.js';
import { cacheHits, seconds, summaryRows } from '../../src/pipeline/summary.js';

const result = (over: Partial<PipelineResult> = {}): PipelineResult =>
  ({
    resolution: {
      micropythonVersion: '1.24.1',
      buildSystem: 'cmake',
      idf: { ref: 'v5.2.2', supported: ['v5.2.2'], pinSource: 'tools/ci.sh (IDF_VER)' },
      toolchain: null,
      board: 'ESP32_GENERIC',
      boardVariant: 'SPIRAM',
      boards: ['ESP32_GENERIC'],
      chips: ['esp32'],
      buildDir: 'ports/esp32/build-ESP32_GENERIC-SPIRAM',
      portSubmodules: true,
      warnings: []
    },
    image: { ref: 'esp32-devel:abc', python: '3.11', source: 'actions-cache' },
    idf: {
      dir: '/c/idf/x',
      idfPath: '/c/idf/x/esp-idf',
      toolsPath: '/c/idf/x/espressif',
      commit: 'a'.repeat(40),
      kind: 'tag',
      key: 'k',
      source: 'clone',
      needsInstall: false
    },
    ccache: { dir: '/c/ccache', hit: 'this machine', fingerprint: '1:2:3' },
    artifacts: {
      buildDir: '/t/b',
      firmware: '/t/b/firmware.bin',
      firmwareSize: 1536000,
      files: ['/t/b/firmware.bin']
    },
    saves: [],
    durations: { resolve: 12, image: 7700, idf: 210, build: 900 },
    makeMs: 400,
    ...over
  }) as PipelineResult;

describe('job summary', () => {
  it('says where each cached piece came from', () => {
    expect(cacheHits(result())).toEqual({ image: true, idf: false, ccache: true });
    const legacy = result({
      toolchain: { dir: '/tc', version: '1.22.0-80-g6c4433a-5.2.0', sha256: 'x', source: 'download' },
      ccache: undefined
    });
    expect(cacheHits(legacy)).toEqual({ image: true, idf: false, toolchain: false });
  });

  it('lists board, versions, commit, sources, phases, make time and firmware size', () => {
    const rows = Object.fromEntries(summaryRows(result()));
    expect(rows).toMatchObject({
      Board: 'ESP32_GENERIC (SPIRAM)',
      MicroPython: '1.24.1',
      'ESP-IDF': 'v5.2.2 (tag, from tools/ci.sh (IDF_VER))',
      'ESP-IDF commit': 'a'.repeat(40),
      'ESP-IDF checkout': 'cloned',
      Image: 'esp32-devel:abc (Actions cache)',
      ccache: 'warm (this machine)',
      Phases: 'resolve 0.0 s, image 7.7 s, idf 0.2 s, build 0.9 s',
      make: '0.4 s',
      Firmware: 'firmware.bin: 1,536,000 bytes'
    });
    expect(seconds(undefined)).toBe('–');
  });
});
