import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { error, type Diagnostic, type Location } from '../diagnostics.js';

let hooksRegistered = false;

export interface Loaded {
  /** The config module's default export. */
  readonly value?: unknown;
  /** The config file's text (its hash goes into the manifest). */
  readonly source?: string;
  readonly diagnostics: Diagnostic[];
}

/** Where a thrown error points inside the config file, from its stack. */
function locationInStack(err: unknown, file: string): Location | undefined {
  const stack = err instanceof Error ? (err.stack ?? '') : '';
  const url = pathToFileURL(file).href;
  for (const line of stack.split('\n')) {
    const at = line.indexOf(url);
    if (at < 0) continue;
    const m = /^(?:\?[^:]*)?:(\d+):(\d+)/.exec(line.slice(at + url.length));
    if (m) return { file, line: Number(m[1]), column: Number(m[2]) };
  }
  return undefined;
}

/** Reads and evaluates the config (TypeScript or JavaScript). The only stage besides `write` that does I/O. */
export async function loadConfig(file: string): Promise<Loaded> {
  if (!existsSync(file) || !statSync(file).isFile()) {
    return { diagnostics: [error('CLI.CONFIG_NOT_FOUND', `config file not found: ${file}`, undefined, 'pass --config <path to pipeline.config.ts>')] };
  }
  const source = readFileSync(file, 'utf8');
  if (!hooksRegistered && /\.(m?ts|tsx)$/.test(file)) {
    // From the built package; when cdc-compile itself runs from source under vitest, vite reads TypeScript.
    const hooks = new URL('./hooks.js', import.meta.url);
    if (existsSync(fileURLToPath(hooks))) register(hooks);
    hooksRegistered = true;
  }
  // The content hash in the URL makes a changed config load anew in a long-lived process.
  const url = `${pathToFileURL(file).href}?v=${createHash('sha256').update(source).digest('hex').slice(0, 16)}`;
  try {
    const mod = (await import(url)) as { default?: unknown };
    if (!('default' in mod) || mod.default === undefined) {
      return {
        source,
        diagnostics: [
          {
            ...error('CONFIG.NO_DEFAULT_EXPORT', 'the config has no default export', undefined, 'end the file with `export default definePipeline({ … })`'),
            location: { file, line: 1, column: 1 },
          },
        ],
      };
    }
    return { value: mod.default, source, diagnostics: [] };
  } catch (err) {
    return { source, diagnostics: [loadFailure(err, file)] };
  }
}

function loadFailure(err: unknown, file: string): Diagnostic {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string } | undefined)?.code;
  // sucrase reports syntax errors as "Unexpected token (line:column)".
  const syntax = /\((\d+):(\d+)\)\s*$/.exec(message);
  if (err instanceof SyntaxError || syntax) {
    const location = syntax ? { file, line: Number(syntax[1]), column: Number(syntax[2]) + 1 } : (locationInStack(err, file) ?? { file, line: 1, column: 1 });
    return { ...error('CONFIG.SYNTAX', `the config does not parse: ${message.replace(/\s*\(\d+:\d+\)\s*$/, '')}`), location };
  }
  if (code === 'ERR_MODULE_NOT_FOUND') {
    const pkg = /Cannot find (?:package|module) '([^']+)'/.exec(message)?.[1];
    return {
      ...error(
        'CONFIG.IMPORT_FAILED',
        `the config imports something that cannot be found: ${message.split('\n')[0]}`,
        undefined,
        pkg === 'cdc-compile' ? 'install it in the project: npm install --save-dev cdc-compile' : 'check the import path',
      ),
      location: locationInStack(err, file) ?? { file, line: 1, column: 1 },
    };
  }
  return {
    ...error('CONFIG.THREW', `evaluating the config threw: ${message.split('\n')[0]}`, undefined, 'fix the code at this line; the config runs as ordinary TypeScript'),
    location: locationInStack(err, file) ?? { file, line: 1, column: 1 },
  };
}
