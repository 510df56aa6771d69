import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { BuildSystem } from './resolve/index.js';

/** The files a flasher needs, plus the ELF and map for debugging, per build system. */
export const ARTIFACT_FILES: Record<BuildSystem, readonly string[]> = {
  cmake: [
    'firmware.bin',
    'micropython.bin',
    'bootloader/bootloader.bin',
    'partition_table/partition-table.bin',
    'ota_data_initial.bin',
    'micropython.uf2',
    'flash_args',
    'flasher_args.json',
    'micropython.elf',
    'micropython.map'
  ],
  make: [
    'firmware.bin',
    'bootloader.bin',
    'partitions.bin',
    'application.bin',
    'application.elf',
    'application.map'
  ]
};

export interface Artifacts {
  buildDir: string;
  /** firmware.bin, when the build produced one. */
  firmware?: string;
  firmwareSize?: number;
  files: string[];
}

/** Which of the expected files exist in the build directory. */
export function findArtifacts(tree: string, buildDir: string, buildSystem: BuildSystem): Artifacts {
  const dir = path.resolve(tree, buildDir);
  const files = ARTIFACT_FILES[buildSystem].map((f) => path.join(dir, f)).filter((f) => existsSync(f));
  const firmware = files.find((f) => path.basename(f) === 'firmware.bin');
  return { buildDir: dir, firmware, firmwareSize: firmware ? statSync(firmware).size : undefined, files };
}
