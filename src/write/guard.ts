import { existsSync, lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, parse, relative, sep } from 'node:path';
import { error, type Diagnostic } from '../diagnostics.js';

/**
 * `join(dir, rel)` for a path `rel` below an absolute `dir`, both of plain parts (none empty, `.` or
 * `..`), on a POSIX system: concatenated, not normalised. path.join's normalisation runs character by
 * character in JavaScript, and it was the largest single cost of the writer's look at a small output
 * folder (several joins per file, under the short compile's --no-opt). Anything else goes through join.
 */
export function below(dir: string, rel: string): string {
  return sep === '/' && PLAIN_ABSOLUTE.test(dir) && PLAIN_RELATIVE.test(rel) ? `${dir}/${rel}` : join(dir, rel);
}
const PLAIN_RELATIVE = /^(?!\.\.?(?:\/|$))[^/]+(?:\/(?!\.\.?(?:\/|$))[^/]+)*$/;
const PLAIN_ABSOLUTE = /^(?:\/(?!\.\.?(?:\/|$))[^/]+)+$/;

/** `path` is `dir` or inside it (both real, absolute paths). */
export const within = (dir: string, path: string) =>
  path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/** The real location of a path that may not exist yet: its deepest existing ancestor, resolved, plus the rest. */
export function realLocation(path: string): string {
  const missing: string[] = [];
  let at = path;
  for (;;) {
    try {
      return join(realpathSync(at), ...missing.reverse());
    } catch {
      const up = dirname(at);
      if (up === at) return path;
      missing.push(basename(at));
      at = up;
    }
  }
}

// Kernel pseudo-file systems: reading their "files" can block forever (/dev/stdin, /proc/…/fd/0) or never end.
const PSEUDO = ['/proc', '/sys', '/dev'];

/**
 * Why `outDir` must not be an output folder, if it must not: the file system root, a kernel pseudo-file
 * system, the home folder, the project itself (the folder holding the config, or one of its parents, or
 * any folder holding a package.json or .git), a source folder, or a folder inside node_modules or .git.
 * The test is on the real location, so a symbolic link to `/` is refused like `/`.
 */
export function unsafeOutDir(outDir: string, configPath: string, shown: string): Diagnostic | undefined {
  const real = realLocation(outDir);
  const refuse = (why: string, hint = 'choose a folder of its own, e.g. the default generated/ beside the config') =>
    error('OUT.UNSAFE_FOLDER', `refusing to write to ${shown}: it is ${why}`, undefined, hint);
  if (parse(real).root === real) return refuse('the root of the file system');
  const pseudo = PSEUDO.find((p) => within(p, real));
  if (pseudo) return refuse(`inside ${pseudo}, a kernel pseudo-file system`);
  if (existsSync(real) && !statSync(real).isDirectory()) {
    return error('OUT.NOT_A_FOLDER', `${shown} is a file, not a folder`, undefined, 'choose a folder with --out');
  }
  if (real === realLocation(homedir())) return refuse('your home folder');
  const configDir = realLocation(dirname(configPath));
  if (within(real, configDir)) return refuse('the project folder: it holds the config itself');
  for (const marker of ['package.json', '.git']) {
    if (existsSync(join(real, marker))) return refuse(`a project folder: it holds ${marker}`);
  }
  if (basename(real) === 'src') return refuse('a source folder (src/)');
  const parts = relative(parse(real).root, real).split(sep);
  const inside = ['node_modules', '.git'].find((p) => parts.includes(p));
  if (inside) return refuse(`inside ${inside}/`);
  return undefined;
}

/**
 * Why writing or removing `rel` below the real output folder `realOut` could touch something outside it,
 * if it could: a symbolic link on the way whose real location leaves the output folder, or one that leads
 * nowhere. Parts that do not exist yet are created by the writer as real folders, so they cannot leave it.
 */
export function escapesOutDir(
  realOut: string,
  rel: string,
  /** One look per path for a caller that checks many paths in one pass (lstatSync when absent). */
  look: (path: string) => Stats | undefined = lstatOrUndefined,
): string | undefined {
  const parts = rel.split('/');
  let at = realOut;
  for (let i = 0; i < parts.length; i++) {
    const next = below(at, parts[i]!);
    const stat = look(next);
    if (!stat) return undefined;
    if (!stat.isSymbolicLink()) {
      at = next;
      continue;
    }
    const shown = parts.slice(0, i + 1).join('/');
    let real: string;
    try {
      real = realpathSync(next);
    } catch {
      return `${shown} is a symbolic link that leads nowhere`;
    }
    if (!within(realOut, real)) return `${shown} is a symbolic link to ${real}, outside the output folder`;
    at = real;
  }
  return undefined;
}

/** lstat without a thrown error (and the stack trace it builds) for a path that is not there. */
export function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** `lstatOrUndefined` remembered per path: for one pass over many paths that share folders. */
export function lstatOnce(): (path: string) => Stats | undefined {
  const seen = new Map<string, Stats | undefined>();
  return (path) => {
    if (seen.has(path)) return seen.get(path);
    const stat = lstatOrUndefined(path);
    seen.set(path, stat);
    return stat;
  };
}
