import { hash } from 'node:crypto';

/** The text last hashed by `textSha256`, and its digest. */
let last: { readonly text: string; readonly digest: string } | undefined;

/**
 * Hex SHA-256 of `text` as UTF-8, remembered for the last text: a compile hashes its config's source for
 * the transpile cache's key (twice: once to transpile, once to run) and for manifest.json; at 10,000
 * tables that source is 12 MB, ~45 ms a hash. The same string (or an equal one) is hashed once.
 */
export function textSha256(text: string): string {
  if (last?.text !== text) last = { text, digest: hash('sha256', text, 'hex') };
  return last.digest;
}

const byteDigests = new WeakMap<Uint8Array, string>();

/**
 * Hex SHA-256 of bytes, remembered per buffer: a binary artefact (superset/bundle.zip) is hashed for the
 * Kubernetes Job that carries it and again for manifest.json.
 */
export function bytesSha256(bytes: Uint8Array): string {
  let digest = byteDigests.get(bytes);
  if (digest === undefined) byteDigests.set(bytes, (digest = hash('sha256', bytes, 'hex')));
  return digest;
}
