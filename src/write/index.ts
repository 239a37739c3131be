import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  rmdirSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { Artefact } from '../targets/artefact.js';
import { MANIFEST, previousFiles } from './manifest.js';

export type ChangeKind = 'added' | 'changed' | 'removed';

export interface FileChange {
  readonly path: string;
  readonly kind: ChangeKind;
}

function readIfFile(path: string): string | undefined {
  try {
    return statSync(path).isFile() ? readFileSync(path, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** What writing `artefacts` to `outDir` would change; nothing is touched. */
export function plan(outDir: string, artefacts: readonly Artefact[]): FileChange[] {
  const changes: FileChange[] = [];
  const next = new Set(artefacts.map((a) => a.path));
  for (const a of artefacts) {
    const current = readIfFile(join(outDir, a.path));
    if (current === undefined) changes.push({ path: a.path, kind: 'added' });
    else if (current !== a.contents) changes.push({ path: a.path, kind: 'changed' });
  }
  for (const path of previousFiles(readIfFile(join(outDir, MANIFEST)))) {
    if (!next.has(path) && existsSync(join(outDir, path))) changes.push({ path, kind: 'removed' });
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Applies a plan. Every new content is first written to a staging folder inside `outDir` (same file
 * system), then each file is renamed into place, so no file is ever half-written; the manifest goes
 * last, so an interrupted run is detected and repaired by the next one. Only files the previous manifest
 * lists are ever removed.
 */
export function apply(outDir: string, artefacts: readonly Artefact[], changes: readonly FileChange[]): void {
  if (changes.length === 0) return;
  mkdirSync(outDir, { recursive: true });
  const staging = join(outDir, `.cdc-compile-staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const byPath = new Map(artefacts.map((a) => [a.path, a]));
  const writes = changes.filter((c) => c.kind !== 'removed');
  const manifestLast = (a: FileChange, b: FileChange) => Number(a.path === MANIFEST) - Number(b.path === MANIFEST);
  try {
    for (const change of writes) {
      const staged = join(staging, change.path);
      mkdirSync(dirname(staged), { recursive: true });
      writeFileSync(staged, byPath.get(change.path)!.contents);
    }
    for (const change of [...writes].sort(manifestLast)) {
      if (change.path === MANIFEST) removeStale(outDir, changes);
      const target = join(outDir, change.path);
      mkdirSync(dirname(target), { recursive: true });
      renameSync(join(staging, change.path), target);
    }
    if (!writes.some((c) => c.path === MANIFEST)) removeStale(outDir, changes);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function removeStale(outDir: string, changes: readonly FileChange[]): void {
  for (const change of changes.filter((c) => c.kind === 'removed')) {
    rmSync(join(outDir, change.path), { force: true });
    removeEmptyParents(outDir, dirname(join(outDir, change.path)));
  }
}

function removeEmptyParents(root: string, dir: string): void {
  while (dir.startsWith(root) && dir !== root) {
    if (readdirSync(dir).length > 0) return;
    rmdirSync(dir);
    dir = dirname(dir);
  }
}
