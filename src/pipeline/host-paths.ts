/**
 * Host paths as the build container sees them. On Linux a directory is
 * mounted at its own path, and so on macOS, whose Docker Desktop shares
 * /Users at the same path. A Windows path (C:\Users\me\src) has no place in
 * a Linux container: it is mounted at /c/Users/me/src, the drive letter in
 * lower case as the first directory, as Git Bash and WSL name it. Pure.
 */
import path from 'node:path';

/** How this host names paths, when not as the container does: Windows' drive-letter paths. */
export type HostPaths = 'windows';

/** The `path` of the host's paths: this one's, or Windows' for Windows paths (so tests run anywhere). Pure. */
export function hostPath(hostPaths: HostPaths | undefined): path.PlatformPath {
  return hostPaths === 'windows' ? path.win32 : path;
}

/** The host's path style, from its platform: undefined where host and container paths agree. Pure. */
export function hostPathsOf(platform: NodeJS.Platform): HostPaths | undefined {
  return platform === 'win32' ? 'windows' : undefined;
}

export class HostPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostPathError';
  }
}

/** Where `hostPath` is mounted in the container: itself, or a Windows path's /<drive>/… name. Pure. */
export function containerPath(hostPath: string, hostPaths?: HostPaths): string {
  if (hostPaths !== 'windows') return hostPath;
  const normal = path.win32.normalize(hostPath);
  const drive = /^([A-Za-z]):\\(.*)$/.exec(normal);
  if (!drive) {
    throw new HostPathError(
      `Cannot mount '${hostPath}' into the container: on Windows only a path on a drive (C:\\…) is shared with Docker Desktop, not a network share or a relative path. Move it to a local drive.`
    );
  }
  const rest = drive[2].split('\\').filter(Boolean);
  return path.posix.join('/', drive[1].toLowerCase(), ...rest);
}

/** What a container spec takes from the host's path style: nothing on Linux and macOS. Pure. */
export function hostPathsField(hostPaths: HostPaths | undefined): { hostPaths?: HostPaths } {
  return hostPaths ? { hostPaths } : {};
}
