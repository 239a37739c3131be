import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import type { FileChange } from '../write/index.js';

const where = (d: Diagnostic, cwd: string) =>
  d.location
    ? `${relative(cwd, d.location.file) || d.location.file}:${d.location.line}:${d.location.column}`
    : undefined;

/** `file:line:col error CODE message`, then the hint and the config line with a caret. */
export function formatDiagnostic(d: Diagnostic, cwd: string, sources: Map<string, string[]>): string {
  const at = where(d, cwd);
  const lines = [`${at ? `${at} ` : ''}${d.severity} ${d.code}: ${d.message}`];
  if (d.hint) lines.push(`  hint: ${d.hint}`);
  if (d.location) {
    let text = sources.get(d.location.file);
    if (!text) {
      try {
        text = readFileSync(d.location.file, 'utf8').split('\n');
      } catch {
        text = [];
      }
      sources.set(d.location.file, text);
    }
    const line = text[d.location.line - 1];
    if (line !== undefined) {
      const gutter = String(d.location.line);
      lines.push(
        `  ${gutter} | ${line}`,
        `  ${' '.repeat(gutter.length)} | ${' '.repeat(Math.max(0, d.location.column - 1))}^`,
      );
    }
  }
  return lines.join('\n');
}

export function formatDiagnostics(diagnostics: readonly Diagnostic[], cwd: string): string {
  const sources = new Map<string, string[]>();
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const summary = [
    errors ? `${errors} error${errors > 1 ? 's' : ''}` : '',
    warnings ? `${warnings} warning${warnings > 1 ? 's' : ''}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${diagnostics.map((d) => formatDiagnostic(d, cwd, sources)).join('\n\n')}\n\n${summary}\n`;
}

export function jsonDiagnostic(d: Diagnostic) {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    ...(d.hint ? { hint: d.hint } : {}),
    ...(d.location ? { file: d.location.file, line: d.location.line, column: d.location.column } : {}),
  };
}

export function formatChanges(changes: readonly FileChange[]): string {
  const width = Math.max(...changes.map((c) => c.kind.length));
  return changes.map((c) => `  ${c.kind.padEnd(width)}  ${c.path}`).join('\n');
}

/** `2 added, 1 changed, 1 removed`: each kind once, in that order, only those present. */
export function countChanges(changes: readonly FileChange[]): string {
  return (['added', 'changed', 'removed'] as const)
    .map((kind) => [kind, changes.filter((c) => c.kind === kind).length] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
}
