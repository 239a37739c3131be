import { createHash } from 'node:crypto';
import type { Artefact } from '../targets/artefact.js';
import { canonicalJson } from '../render/json.js';

export const MANIFEST = 'manifest.json';

export interface Manifest {
  readonly generator: { readonly name: string; readonly version: string };
  readonly config: { readonly file: string; readonly sha256: string };
  /** Every generated file (but the manifest itself) → `sha256:<hex>` of its contents. */
  readonly files: Readonly<Record<string, string>>;
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function buildManifest(
  artefacts: readonly Artefact[],
  configFile: string,
  configSource: string,
  version: string,
): Artefact {
  const files = Object.fromEntries(
    [...artefacts].sort((a, b) => (a.path < b.path ? -1 : 1)).map((a) => [a.path, `sha256:${sha256(a.contents)}`]),
  );
  const manifest: Manifest = {
    generator: { name: 'cdc-compile', version },
    config: { file: configFile, sha256: sha256(configSource) },
    files,
  };
  return { path: MANIFEST, contents: canonicalJson(manifest) };
}

function parse(manifestText: string | undefined): Partial<Manifest> | undefined {
  if (!manifestText) return undefined;
  try {
    const parsed = JSON.parse(manifestText) as Partial<Manifest> | null;
    return parsed && typeof parsed === 'object' && parsed.generator?.name === 'cdc-compile' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** A manifest cdc-compile wrote (another tool's `manifest.json` is never trusted). */
export const isOurManifest = (manifestText: string) => parse(manifestText) !== undefined;

/** Files the previous run generated, from its manifest; empty when there is none or it is not ours. */
export function previousFiles(manifestText: string | undefined): string[] {
  const files = parse(manifestText)?.files;
  return files && typeof files === 'object' ? Object.keys(files).filter(isSafeRelativePath) : [];
}

/** A manifest is data on disk: never let it name a file outside the output directory. */
export function isSafeRelativePath(path: string): boolean {
  return (
    path !== '' &&
    !path.startsWith('/') &&
    !path.split('/').some((part) => part === '..' || part === '' || part === '.')
  );
}
