/**
 * Which build image an ESP-IDF needs. Each era's installer wants its own
 * Python: ESP-IDF v4.x pins packages (gdbgui 0.13.2.0, so gevent 1.5.0) that
 * install only up to Python 3.8 and creates its venv with virtualenv, which
 * a PEP 668 Python refuses to install; v5 wants 3.7 to 3.9 at least; the
 * legacy GNU make builds run on bookworm's Python 3.11. Pure.
 */
import { compareVersionTags, idfVersionOfRef, type IdfVersion } from '../idf-versions.js';
import type { BuildSystem } from './resolve/index.js';

/** `bookworm` serves the legacy era and ESP-IDF v5+; `idf4` serves ESP-IDF v4.x. */
export type ImageEra = 'bookworm' | 'idf4';

export interface EraImage {
  era: ImageEra;
  /** The Dockerfile in docker/ that builds it. */
  dockerfile: string;
  /** What its tag starts with, before the hash of its inputs. */
  tagPrefix: string;
}

/** The label that says which era an image of ours serves (and lets older ones be pruned). */
export const ERA_LABEL = 'org.esp32-micropython-build.era';

export const ERA_IMAGES: Readonly<Record<ImageEra, EraImage>> = {
  bookworm: { era: 'bookworm', dockerfile: 'Dockerfile', tagPrefix: '' },
  idf4: { era: 'idf4', dockerfile: 'Dockerfile.idf4', tagPrefix: 'idf4-' }
};

/** The Python versions (major.minor) an ESP-IDF's installer works with, and why. */
export interface PythonRange {
  min?: string;
  max?: string;
  why: string;
}

/** The era of the image a build needs, from its build system and ESP-IDF ref. */
export function imageEra(buildSystem: BuildSystem, idfRef: string): ImageEra {
  if (buildSystem === 'make') return 'bookworm';
  return idfVersionOfRef(idfRef)?.major === 4 ? 'idf4' : 'bookworm';
}

/** The Python an ESP-IDF version installs with; undefined when any python3 will do. */
export function pythonRange(buildSystem: BuildSystem, idfRef: string): PythonRange | undefined {
  if (buildSystem === 'make') return undefined;
  const version: IdfVersion | null = idfVersionOfRef(idfRef);
  if (!version) return undefined;
  if (version.major === 4) {
    return {
      min: '3.6',
      max: '3.9',
      why: 'its requirements (gdbgui 0.13.2.0, gevent 1.5.0) install only up to Python 3.8 from wheels and do not build on 3.11'
    };
  }
  if (version.major === 5 && version.minor <= 1)
    return { min: '3.7', why: 'its installer needs Python 3.7 or later' };
  if (version.major === 5 && version.minor <= 4)
    return { min: '3.8', why: 'its installer needs Python 3.8 or later' };
  return { min: '3.9', why: 'its installer needs Python 3.9 or later' };
}

/** Whether a Python (major.minor) is within a range. */
export function pythonFits(python: string, range: PythonRange | undefined): boolean {
  if (!range) return true;
  if (!/^\d+\.\d+$/.test(python)) return false;
  return (
    (!range.min || compareVersionTags(python, range.min) >= 0) &&
    (!range.max || compareVersionTags(python, range.max) <= 0)
  );
}

/** The range in words: "Python 3.6 to 3.9", "Python 3.8 or later". */
export function describeRange(range: PythonRange): string {
  if (range.min && range.max) return `Python ${range.min} to ${range.max}`;
  return range.min ? `Python ${range.min} or later` : `Python up to ${range.max}`;
}
