/**
 * The credential policy applied to generated files: a last check that nothing credential-shaped reached
 * an artefact, for tests (every example, fuzzed configs). Same rules as the config check (./policy.ts):
 * a value under a credential-named key must be a reference (`${NAME}`, `${env:NAME}`) or a mask, and no
 * string may hold URL userinfo, a credential parameter or a known key or token shape.
 */
import { credentialInText, isCredentialKey, isPlaceholder } from './policy.js';

export interface ScanFinding {
  readonly path: string;
  /** 1-based line in the artefact. */
  readonly line: number;
  readonly what: string;
}

const lineOf = (text: string, index: number) => text.slice(0, Math.max(0, index)).split('\n').length;

/**
 * `'key' = 'value'` (Flink options and SET), `"key": "value"`, `key: value` (YAML), `KEY=value` (shell, env);
 * each within one line (two quoted strings on consecutive lines, such as a script's `: "${A:?…}"` checks, are
 * no assignment).
 */
const ASSIGNMENTS: readonly RegExp[] = [
  /'([^'\n]+)'[ \t]*=[ \t]*'((?:[^'\n]|'')*)'/g,
  /"([^"\n]+)"[ \t]*:[ \t]*("(?:[^"\\\n]|\\.)*"|-?\d[\d.]*)/g,
  /^[ \t-]*(?:export\s+)?([A-Za-z_][\w.-]*)[ \t]*[:=][ \t]*([^\s#][^\n]*?)[ \t]*$/gm,
];

/** Every credential-shaped value in the artefacts; empty when they only name Secrets. */
export function scanArtefacts(artefacts: readonly { path: string; contents: string | Uint8Array }[]): ScanFinding[] {
  const findings: ScanFinding[] = [];
  for (const artefact of artefacts) {
    const { path } = artefact;
    // Bytes (superset/bundle.zip, stored uncompressed) are read as Latin-1, so their text is scanned too.
    const raw =
      typeof artefact.contents === 'string' ? artefact.contents : Buffer.from(artefact.contents).toString('latin1');
    // A YAML double-quoted scalar (a ConfigMap value with trailing spaces, say) holds a whole script on one
    // line with \n and \" escapes: scanned as the text it stands for, as in the block form. (Line numbers
    // then count its lines too.)
    const contents = /\.ya?ml$/.test(path) ? raw.replace(/\\([n"\\])/g, (_, c: string) => (c === 'n' ? '\n' : c)) : raw;
    const seen = new Set<string>();
    const add = (index: number, what: string) => {
      const line = lineOf(contents, index);
      const key = `${line}\0${what}`;
      if (seen.has(key)) return;
      seen.add(key);
      findings.push({ path, line, what });
    };
    for (const pattern of ASSIGNMENTS) {
      for (const m of contents.matchAll(pattern)) {
        const [, key, rawValue] = m;
        const value = rawValue!.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
        // A switch (`automountServiceAccountToken: false`) holds no credential.
        if (isCredentialKey(key!) && !/^(true|false|null|)$/.test(value) && !isPlaceholder(value)) {
          add(m.index!, `'${key}' has a literal value`);
        }
      }
    }
    let offset = 0;
    for (const line of contents.split('\n')) {
      const found = credentialInText(line);
      if (found) add(offset + found.offset, found.what);
      offset += line.length + 1;
    }
  }
  return findings;
}
