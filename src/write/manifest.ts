import { hash } from 'node:crypto';
import { closeSync, fstatSync, lstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesSha256, textSha256 } from '../digest.js';
import type { Artefact } from '../targets/artefact.js';
import { canonicalJson } from '../render/json.js';
import { fileIdentity, settled } from './identity.js';

export const MANIFEST = 'manifest.json';

/** How to recover from a damaged manifest without restoring it: the writer's hint and the compile's. */
export const DAMAGED_MANIFEST_RECOVERY =
  'delete it and compile again: files whose content is already right are kept, the others are listed for you to move away';

export interface Manifest {
  readonly generator: { readonly name: string; readonly version: string };
  readonly config: { readonly file: string; readonly sha256: string };
  /** Every generated file (but the manifest itself) → `sha256:<hex>` of its contents. */
  readonly files: Readonly<Record<string, string>>;
  /** What `cdc-compile plan` compares a config with (src/plan/snapshot.ts); opaque to the writer. */
  readonly snapshot?: unknown;
}

/** Hex SHA-256 of text (as UTF-8) or bytes; crypto.hash, one call, no Hash object per artefact. */
export const sha256 = (data: string | Uint8Array) =>
  typeof data === 'string' ? hash('sha256', data, 'hex') : bytesSha256(data);

/** Each artefact's digest, computed once: the manifest records it and the writer's journal again. */
const digests = new WeakMap<Artefact, string>();
export function artefactSha256(a: Artefact): string {
  let digest = digests.get(a);
  if (digest === undefined) digests.set(a, (digest = sha256(a.contents)));
  return digest;
}

/** `a`'s digest if it was computed (or posted by the worker) already; never hashes. */
export function computedSha256(a: Artefact): string | undefined {
  return digests.get(a);
}

/**
 * Records the digest computed for `a` elsewhere: a compile in the worker posts its artefacts' digests
 * back with them (the copies the main thread receives are new objects), so the writer hashes none again.
 */
export function knownSha256(a: Artefact, digest: string): void {
  digests.set(a, digest);
}

/** How the manifest's last key starts: `snapshot`, at depth one (a JSON string holds no raw line end). */
const SNAPSHOT_KEY = '\n  "snapshot": ';

/**
 * The snapshot's JSON as manifest.json holds it: its value's text, indented as at depth one. Made once per
 * compile: the compile compares it with the previous manifest's text (`snapshotText` of its state) and
 * `buildManifest` writes it, so neither the old snapshot nor the new one is walked when nothing changed.
 */
export function snapshotJson(snapshot: unknown): string {
  return JSON.stringify({ snapshot }, null, 2).slice(1 + SNAPSHOT_KEY.length, -2);
}

/**
 * The manifest of `artefacts`; `snapshotText` (from `snapshotJson`) is its last key, `canonicalJson`'s layout.
 * `encode` makes the contents bytes from the text's pieces, so a large snapshot's text is never copied
 * into one string first (at 10,000 tables 51 MB).
 */
export function buildManifest(
  artefacts: readonly Artefact[],
  configFile: string,
  configSource: string,
  version: string,
  snapshotText?: string,
  encode?: (pieces: readonly string[]) => Uint8Array,
): Artefact {
  const files = Object.fromEntries(
    [...artefacts].sort((a, b) => (a.path < b.path ? -1 : 1)).map((a) => [a.path, `sha256:${artefactSha256(a)}`]),
  );
  const manifest: Manifest = {
    generator: { name: 'cdc-compile', version },
    config: { file: configFile, sha256: textSha256(configSource) },
    files,
  };
  const text = canonicalJson(manifest);
  // `…\n}\n` → `…,\n  "snapshot": <text>\n}\n`: what canonicalJson writes for the whole.
  const pieces = snapshotText === undefined ? [text] : [text.slice(0, -3), `,${SNAPSHOT_KEY}`, snapshotText, '\n}\n'];
  return { path: MANIFEST, contents: encode ? encode(pieces) : pieces.join('') };
}

/**
 * The output folder's manifest, read only when it is a regular file of sane size (under 64 MiB): a link
 * (to /dev/zero, or out of the folder) or anything else is left to the writer, which refuses it with its reason.
 */
export function manifestText(outDir: string): string | undefined {
  const path = join(outDir, MANIFEST);
  try {
    const stat = lstatSync(path, { throwIfNoEntry: false });
    return stat?.isFile() && stat.size < 64 << 20 ? readFileSync(path, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** The last manifest read, by the identity of the file it was read from (only one that had settled). */
let lastRead: { readonly id: string; readonly state: ManifestState } | undefined;

/**
 * `readManifest` of the file at `path` (a regular file: callers check what it is first), read and parsed
 * once per version of that file: a compile reads it for its history and its writer again (at 1,000 tables
 * a 5 MB manifest, ~25 ms each time). The version is the file's device, inode, size and change and
 * modification times, taken from the open file itself, so the text and its identity are one version: a
 * manifest replaced (cdc-compile renames a new one into place) or edited is read anew. As for the digests
 * of output files (seen.ts), a version is remembered only if the file had settled when it was read
 * (`settled`): a write within the timestamp tick of that read could leave its identity as it was. `now`
 * is the clock the read is timed by (the tests). `ManifestState` is read-only; its readers never change it.
 */
export function readManifestFile(path: string, now: () => number = Date.now): ManifestState {
  return readVersion(path, false, now);
}

/**
 * The version of a manifest a compile in the worker read, without its snapshot (`manifestRead`), handed
 * to the main thread (`manifestHanded`): the writer, which needs only the file list, takes it instead of
 * reading and parsing the file again (at 10,000 tables 51 MB, ~0.4 s) when the file is still that version.
 * Only a settled read is handed over: the worker remembers no other.
 */
let handed: { readonly id: string; readonly state: ManifestState } | undefined;

/** The last manifest this thread read and remembered, without the snapshot (for the main thread's writer: see `handed`). */
export function manifestRead(): { readonly id: string; readonly state: ManifestState } | undefined {
  if (!lastRead) return undefined;
  if (lastRead.state.kind !== 'ours') return lastRead;
  const { snapshot: _snapshot, snapshotText: _text, ...state } = lastRead.state;
  return { id: lastRead.id, state };
}

export function manifestHanded(read: { readonly id: string; readonly state: ManifestState } | undefined): void {
  handed = read;
}

/** `readManifestFile` for the writer: its state may lack the snapshot (the writer reads none). */
export function readManifestFiles(path: string, now: () => number = Date.now): ManifestState {
  return readVersion(path, true, now);
}

function readVersion(path: string, filesOnly: boolean, now: () => number): ManifestState {
  const fd = openSync(path, 'r');
  try {
    const readAt = now();
    const s = fstatSync(fd);
    const id = fileIdentity(s);
    if (lastRead?.id === id) return lastRead.state;
    if (filesOnly && handed?.id === id) return handed.state;
    const state = readManifest(readFileSync(fd, 'utf8'), true);
    lastRead = settled(s, readAt) ? { id, state } : undefined;
    return state;
  } finally {
    closeSync(fd);
  }
}

/** What the output folder's `manifest.json` says about the folder. */
export type ManifestState =
  | { readonly kind: 'none' }
  /** Written by cdc-compile: `files` maps each safe path to the hex sha256 it recorded. */
  | {
      readonly kind: 'ours';
      readonly configFile?: string;
      readonly files: ReadonlyMap<string, string>;
      /** The compiler version that wrote it, and the snapshot it recorded (for `plan`). */
      readonly version?: string;
      readonly snapshot?: unknown;
      /**
       * Instead of `snapshot` (`readManifest`'s `lazySnapshot`): the text after the manifest's last key,
       * `snapshot`, as written (see `snapshotJson`), not parsed; `recordedSnapshot` parses it.
       */
      readonly snapshotText?: string;
    }
  /** Valid JSON, but not a cdc-compile manifest: another tool's folder. */
  | { readonly kind: 'foreign' }
  /** Not valid JSON (truncated, or edited by hand): it cannot say which files are ours. */
  | { readonly kind: 'damaged'; readonly reason: string };

/**
 * `lazySnapshot`: a manifest laid out as `buildManifest` writes it (the snapshot its last key, once) is
 * parsed without the snapshot, whose text the state carries instead (`snapshotText`): at 1,000 tables the
 * snapshot is 5 MB of the manifest's 5.1, and a compile that changed nothing needs only to compare texts.
 * What is not laid out so is parsed whole, as without the option.
 */
export function readManifest(text: string | undefined, lazySnapshot = false): ManifestState {
  if (text === undefined) return { kind: 'none' };
  let parsed: unknown;
  let snapshotText: string | undefined;
  try {
    const at = lazySnapshot ? text.indexOf(SNAPSHOT_KEY) : -1;
    if (at > 0 && text[at - 1] === ',' && text.endsWith('\n}\n') && text.indexOf(SNAPSHOT_KEY, at + 1) === -1) {
      snapshotText = text.slice(at + SNAPSHOT_KEY.length, -3);
      parsed = JSON.parse(`${text.slice(0, at - 1)}\n}`);
    } else parsed = JSON.parse(text);
  } catch (err) {
    if (snapshotText !== undefined) return readManifest(text);
    return { kind: 'damaged', reason: text.trim() === '' ? 'it is empty' : (err as Error).message };
  }
  if (!parsed || typeof parsed !== 'object') return { kind: 'foreign' };
  const m = parsed as Partial<Manifest>;
  if (m.generator?.name !== 'cdc-compile') return { kind: 'foreign' };
  const files = new Map<string, string>();
  if (m.files && typeof m.files === 'object') {
    for (const [path, hash] of Object.entries(m.files)) {
      const hex = typeof hash === 'string' ? /^sha256:([0-9a-f]{64})$/.exec(hash)?.[1] : undefined;
      // A path without a well-formed hash is still listed, so it is never taken for a user's file, but no
      // content can match it: the writer then refuses to replace or remove it.
      if (isSafeRelativePath(path)) files.set(path, hex ?? '');
    }
  }
  const configFile = typeof m.config?.file === 'string' ? m.config.file : undefined;
  return {
    kind: 'ours',
    ...(configFile !== undefined ? { configFile } : {}),
    files,
    ...(typeof m.generator.version === 'string' ? { version: m.generator.version } : {}),
    ...(snapshotText !== undefined ? { snapshotText } : m.snapshot !== undefined ? { snapshot: m.snapshot } : {}),
  };
}

/**
 * Why the manifest at `path` is not JSON, as JSON.parse says it, with the line and column of the position
 * it names (1-based); undefined when it parses, or cannot be read.
 */
export function manifestParseError(path: string): { message: string; line: number; column: number } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    if (!(err instanceof SyntaxError)) return undefined;
    const position = /at position (\d+)/.exec(err.message);
    const before = position ? text.slice(0, Number(position[1])) : '';
    const lineStart = before.lastIndexOf('\n') + 1;
    return { message: err.message, line: before.split('\n').length, column: before.length - lineStart + 1 };
  }
}

/**
 * The snapshot a manifest's state records: `snapshot`, or its `snapshotText` parsed. A text that is not one
 * JSON value (a manifest damaged or edited there) throws `SyntaxError`, as parsing the whole file would.
 */
export function recordedSnapshot(state: ManifestState & { kind: 'ours' }): unknown {
  return state.snapshotText === undefined ? state.snapshot : JSON.parse(state.snapshotText);
}

/** A manifest (or journal) is data on disk: never let it name a file outside the output directory. */
export function isSafeRelativePath(path: string): boolean {
  return (
    path !== '' &&
    !path.startsWith('/') &&
    !path.includes('\\') &&
    !path.includes('\0') &&
    !path.split('/').some((part) => part === '..' || part === '' || part === '.')
  );
}
