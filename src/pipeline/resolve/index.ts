/** The resolver's public face: `resolveTree` and what it reads and answers. */
export { resolveTree } from './resolve-tree.js';
export {
  BOARDS_DIR,
  LOCKFILE_PREFIX,
  PORT_DIR,
  ResolveError,
  TREE_FILES,
  type BuildSystem,
  type Resolution,
  type ResolveOptions,
  type TreeSnapshot
} from './model.js';
export { idfTagSpelling, lockfileIdfVersion, readmeIdfVersions } from './read-idf-pins.js';
export { micropythonVersionOf } from './read-version.js';
export type { ToolchainSpec } from '../../toolchains.js';
