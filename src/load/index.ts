import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import NodeModule, { register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { error, type Diagnostic, type Location } from '../diagnostics.js';
import { transpile } from './transpile.js';

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
  for (const name of [pathToFileURL(file).href, file]) {
    for (const line of stack.split('\n')) {
      const at = line.indexOf(name);
      if (at < 0) continue;
      const m = /^(?:\?[^:]*)?:(\d+):(\d+)/.exec(line.slice(at + name.length));
      if (m) return { file, line: Number(m[1]), column: Number(m[2]) };
    }
  }
  return undefined;
}

interface CommonJsModule {
  exports: Record<string, unknown>;
  filename: string;
  paths: string[];
  _compile(code: string, filename: string): void;
}
type ModuleClass = (new (id: string) => CommonJsModule) & {
  _nodeModulePaths(dir: string): string[];
  _extensions: Record<string, (module: CommonJsModule, filename: string) => void>;
};

/**
 * Evaluates a TypeScript config as CommonJS in this thread: no loader thread to start, and with the
 * transpile cache no transpiler to load. `import … from 'cdc-compile'` becomes a require of the package's
 * ES module, which Node (>= 20.19) supports.
 */
/**
 * Whether the config or a local TypeScript file it imports uses `import.meta` or a top-level `await`
 * (an unindented line with `await`), which only Node's ES module loader can run.
 */
function needsEsModuleLoader(file: string, source: string, seen = new Set<string>()): boolean {
  seen.add(file);
  if (/\bimport\.meta\b/.test(source) || /^(export\s+)?(const|let|var|for)?\b[^\n]*\bawait\b/m.test(source))
    return true;
  for (const [, specifier] of source.matchAll(/\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const base = join(dirname(file), specifier!);
    const candidates = [base.replace(/\.(m?)js$/, '.$1ts'), base, `${base}.ts`, join(base, 'index.ts')];
    const found = candidates.find((c) => /\.(m?ts|tsx)$/.test(c) && existsSync(c) && statSync(c).isFile());
    if (found && !seen.has(found) && needsEsModuleLoader(found, readFileSync(found, 'utf8'), seen)) return true;
  }
  return false;
}

function evaluateTypeScript(file: string, source: string): unknown {
  const Module = NodeModule as unknown as ModuleClass;
  Module._extensions['.ts'] ??= (module, filename) => {
    module._compile(transpile(filename, readFileSync(filename, 'utf8')), filename);
  };
  const mod = new Module(file);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(dirname(file));
  mod._compile(transpile(file, source), file);
  return mod.exports;
}

/** Reads and evaluates the config (TypeScript or JavaScript). The only stage besides `write` that does I/O. */
export async function loadConfig(file: string): Promise<Loaded> {
  if (!existsSync(file) || !statSync(file).isFile()) {
    return {
      diagnostics: [
        error(
          'CLI.CONFIG_NOT_FOUND',
          `config file not found: ${file}`,
          undefined,
          'pass --config <path to pipeline.config.ts>',
        ),
      ],
    };
  }
  const source = readFileSync(file, 'utf8');
  try {
    let mod: { default?: unknown };
    if (/\.c?ts$/.test(file) && !needsEsModuleLoader(file, source)) {
      try {
        mod = evaluateTypeScript(file, source) as { default?: unknown };
      } catch (err) {
        // A top-level await the scan above missed (e.g. inside a block) needs the ES module loader.
        if (
          !/top-level await|ERR_REQUIRE_ASYNC_MODULE|await is only valid/i.test(
            `${(err as Error)?.message} ${(err as { code?: string })?.code}`,
          )
        ) {
          throw err;
        }
        mod = await importModule(file, source);
      }
    } else {
      mod = await importModule(file, source);
    }
    if (mod.default === undefined) {
      return {
        source,
        diagnostics: [
          {
            ...error(
              'CONFIG.NO_DEFAULT_EXPORT',
              'the config has no default export',
              undefined,
              'end the file with `export default definePipeline({ … })`',
            ),
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

/** ES module configs (.mts, .mjs, .js, or TypeScript using import.meta / top-level await) via Node's loader. */
async function importModule(file: string, source: string): Promise<{ default?: unknown }> {
  if (!hooksRegistered && /\.(m?ts|tsx)$/.test(file)) {
    // From the built package; when cdc-compile itself runs from source under vitest, vite reads TypeScript.
    const hooks = new URL('./hooks.js', import.meta.url);
    if (existsSync(fileURLToPath(hooks))) register(hooks);
    hooksRegistered = true;
  }
  // The content hash in the URL makes a changed config load anew in a long-lived process.
  const url = `${pathToFileURL(file).href}?v=${createHash('sha256').update(source).digest('hex').slice(0, 16)}`;
  return (await import(url)) as { default?: unknown };
}

/** Where the config names a module, e.g. the './tables.js' of an import that cannot be resolved. */
function specifierLocation(file: string, specifier: string | undefined): Location | undefined {
  if (!specifier) return undefined;
  const lines = readFileSync(file, 'utf8').split('\n');
  for (const [i, line] of lines.entries()) {
    const at = Math.max(line.indexOf(`'${specifier}'`), line.indexOf(`"${specifier}"`));
    if (at >= 0 && /\b(from|import|require)\b/.test(line)) return { file, line: i + 1, column: at + 1 };
  }
  return undefined;
}

function loadFailure(err: unknown, file: string): Diagnostic {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string } | undefined)?.code;
  // sucrase reports syntax errors as "Unexpected token (line:column)".
  const syntax = /\((\d+):(\d+)\)\s*$/.exec(message);
  if (err instanceof SyntaxError || syntax) {
    // sucrase's columns are 1-based already.
    const location = syntax
      ? { file, line: Number(syntax[1]), column: Number(syntax[2]) }
      : (locationInStack(err, file) ?? { file, line: 1, column: 1 });
    const reason = message.replace(/\s*\(\d+:\d+\)\s*$/, '').replace(/^Error transforming \S+:\s*/, '');
    return { ...error('CONFIG.SYNTAX', `the config does not parse: ${reason}`), location };
  }
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    const pkg = /Cannot find (?:package|module) '([^']+)'/.exec(message)?.[1];
    return {
      ...error(
        'CONFIG.IMPORT_FAILED',
        `the config imports something that cannot be found: ${message.split('\n')[0]}`,
        undefined,
        pkg === 'cdc-compile'
          ? 'install it in the project: npm install --save-dev cdc-compile'
          : 'check the import path',
      ),
      location: specifierLocation(file, pkg) ?? locationInStack(err, file) ?? { file, line: 1, column: 1 },
    };
  }
  return {
    ...error(
      'CONFIG.THREW',
      `evaluating the config threw: ${message.split('\n')[0]}`,
      undefined,
      'fix the code at this line; the config runs as ordinary TypeScript',
    ),
    location: locationInStack(err, file) ?? { file, line: 1, column: 1 },
  };
}
