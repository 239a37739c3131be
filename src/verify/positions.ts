/** Positions in generated files, for findings that belong to an artefact rather than to the config. */
import { join } from 'node:path';
import { error, type Diagnostic } from '../diagnostics.js';
import type { Artefact } from '../targets/artefact.js';

/** The text of the artefact at `path` (undefined when there is none, or it is bytes). */
export function textOf(artefacts: readonly Artefact[], path: string): string | undefined {
  const contents = artefacts.find((a) => a.path === path)?.contents;
  return typeof contents === 'string' ? contents : undefined;
}

/**
 * PostgreSQL counts characters (code points); JavaScript indexes UTF-16 units: the JS index of code point
 * number `codePoints` (0-based) of `text`.
 */
export function jsIndex(text: string, codePoints: number): number {
  let index = 0;
  for (let n = 0; n < codePoints && index < text.length; n++) {
    const code = text.codePointAt(index)!;
    index += code > 0xffff ? 2 : 1;
  }
  return index;
}

/** 1-based line and column of JS index `index` in `text`. */
export function lineColumn(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - (before.lastIndexOf('\n') + 1) + 1 };
}

/** An error in a generated file (`outDir`/`path`), at `index` of its text when known. */
export function fileDiagnostic(
  code: string,
  message: string,
  outDir: string,
  path: string,
  text: string,
  index: number | undefined,
  hint?: string,
): Diagnostic {
  const at = index === undefined ? { line: 1, column: 1 } : lineColumn(text, index);
  return { ...error(code, message, undefined, hint), location: { file: join(outDir, path), ...at } };
}
