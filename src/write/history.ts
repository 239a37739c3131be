/**
 * The previous output as history: the snapshot its manifest recorded, its analytics migrations and its
 * change scripts (ops/changes/), read back so a compile keeps them byte for byte and numbers the next one
 * after them. Read-only; a history file that is missing or differs from the hash the manifest recorded is
 * an error (every database applies the migrations in order, and a change script is what a stack ran), located at the file.
 */
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { error, type Diagnostic } from '../diagnostics.js';
import { readSnapshot, type Snapshot } from '../plan/snapshot.js';
import type { Artefact } from '../targets/artefact.js';
import { MANIFEST, readManifestFile, recordedSnapshot, sha256, type ManifestState } from './manifest.js';

export interface History {
  /** The snapshot the previous compile recorded (absent on a first compile). */
  readonly recorded?: Recorded;
  /** Its history files (each folder's in number order), as artefacts to write again unchanged. */
  readonly migrations: readonly Artefact[];
  /** The number the next analytics migration gets (the first folder's). */
  readonly next: number;
  /** Per folder, the number its next file gets. */
  readonly nextIn: ReadonlyMap<string, number>;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * A recorded snapshot, parsed only on demand: `text` is its JSON as the manifest holds it (`snapshotJson`),
 * when the manifest was laid out as cdc-compile writes it, so a compile compares it with its own snapshot's
 * text first; `snapshot()` is the parsed value, undefined when written by a version this compiler does not
 * read, and throws `SyntaxError` when the manifest is damaged there.
 */
export interface Recorded {
  readonly text?: string;
  snapshot(): Snapshot | undefined;
}

/** A folder of numbered files kept as history, and what its files' names look like. */
export interface HistoryFolder {
  readonly folder: string;
  /** Four digits or more, a slug, the extension. */
  readonly file: RegExp;
  /** Written with the executable bit (a script). */
  readonly executable?: boolean;
}

/** A migration's file name: four digits, then a slug. */
export const MIGRATION_FILE = /^(\d{4,})_([a-z0-9_]+)\.sql$/;
/** A change script's file name (ops/changes/). */
export const CHANGE_SCRIPT_FILE = /^(\d{4,})_([a-z0-9_]+)\.sh$/;

/** A regular file's text, or undefined (absent, a link, a folder, or larger than `max` bytes). */
function regularFile(path: string, max: number): string | undefined {
  try {
    const stat = lstatSync(path);
    return stat.isFile() && stat.size <= max ? readFileSync(path, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** The manifest when it is a regular file of at most `max` bytes (else, as for none: the writer refuses it). */
function manifestOf(path: string, max: number): ManifestState {
  try {
    const stat = lstatSync(path);
    return stat.isFile() && stat.size <= max ? readManifestFile(path) : { kind: 'none' };
  } catch {
    return { kind: 'none' };
  }
}

export function readHistory(outDir: string, folders: string | readonly HistoryFolder[]): History {
  const wanted: readonly HistoryFolder[] =
    typeof folders === 'string' ? [{ folder: folders, file: MIGRATION_FILE }] : folders;
  const nextIn = new Map(wanted.map((f) => [f.folder, 1]));
  const none: History = { migrations: [], next: 1, nextIn, diagnostics: [] };
  const state = manifestOf(join(outDir, MANIFEST), 64 << 20);
  if (state.kind !== 'ours') return none;
  let parsed: { value: Snapshot | undefined } | undefined;
  const recorded: Recorded | undefined =
    state.snapshotText === undefined && state.snapshot === undefined
      ? undefined
      : {
          ...(state.snapshotText !== undefined ? { text: state.snapshotText } : {}),
          snapshot() {
            if (!parsed) {
              const read = readSnapshot(recordedSnapshot(state));
              parsed = { value: read === 'unknown-version' ? undefined : read };
            }
            return parsed.value;
          },
        };
  const diagnostics: Diagnostic[] = [];
  const migrations: Artefact[] = [];
  for (const { folder, file, executable } of wanted) {
    let next = 1;
    const prefix = `${folder}/`;
    const listed = [...state.files.keys()].filter((p) => p.startsWith(prefix) && file.test(p.slice(prefix.length)));
    const number = (p: string) => Number(file.exec(p.slice(prefix.length))![1]);
    for (const path of listed.sort((a, b) => number(a) - number(b) || (a < b ? -1 : 1))) {
      next = Math.max(next, number(path) + 1);
      const full = join(outDir, path);
      const contents = regularFile(full, 16 << 20);
      const at = { file: full, line: 1, column: 1 };
      const hint = `restore it (e.g. git checkout -- ${path}); to change the pipeline, change the config and compile: the next ${executable ? 'change script' : 'migration'} follows`;
      if (contents === undefined) {
        diagnostics.push({
          ...error(
            'MIGRATION.MISSING',
            `${path} is missing: ${MANIFEST} records it, and ${executable ? 'a change script is what a running stack was taken through' : 'databases apply every migration in order'}`,
            undefined,
            hint,
          ),
          location: at,
        });
      } else if (sha256(contents) !== state.files.get(path)) {
        diagnostics.push({
          ...error(
            'MIGRATION.CHANGED',
            `${path} differs from what ${MANIFEST} recorded: a ${executable ? 'change script' : 'migration'} is history, never edited`,
            undefined,
            hint,
          ),
          location: at,
        });
      } else migrations.push({ path, contents, ...(executable ? { executable: true } : {}) });
    }
    nextIn.set(folder, next);
  }
  return {
    ...(recorded ? { recorded } : {}),
    migrations,
    next: nextIn.get(wanted[0]!.folder) ?? 1,
    nextIn,
    diagnostics,
  };
}
