import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import NodeModule, { register } from 'node:module';
import { basename, dirname, extname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { entityKind } from '../dsl/entity.js';
import { error, type Diagnostic, type Location } from '../diagnostics.js';
import { ConfigExit, type Exit, type Limits } from './limits.js';
import { findSyntaxError, localImports, userLocation, userMessage, type Transform } from './positions.js';
import { codeCachePath, runModule, type CommonJsModule } from './code-cache.js';
import { transpile, transpiled } from './transpile.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { ownEntry, PACKAGE_NAME } from './own-package.js';

export {
  DEFAULT_LIMITS,
  ExitGuard,
  IN_THREAD_SLICE_MS,
  runInWorker,
  runTimed,
  type Limits,
  type Phase,
} from './limits.js';
export { thrownByUserCode, type Transform } from './positions.js';

let hooksRegistered = false;

export interface Loaded {
  /** The config module's default export. */
  readonly value?: unknown;
  /** The config file's text (its hash goes into the manifest). */
  readonly source?: string;
  readonly diagnostics: Diagnostic[];
}

const CONFIG_FILE = /\.(c|m)?[jt]sx?$/;

/** A missing config, or a file that is no config (JSON, YAML, …): a diagnostic before anything runs. */
export function checkConfigFile(file: string): Diagnostic | undefined {
  if (!existsSync(file) || !statSync(file).isFile()) {
    return error(
      'CLI.CONFIG_NOT_FOUND',
      `config file not found: ${file}`,
      undefined,
      'pass --config <path to pipeline.config.ts>',
    );
  }
  if (CONFIG_FILE.test(file)) return undefined;
  const kind = extname(file) ? `a ${extname(file).slice(1).toUpperCase()} file` : 'a file without an extension';
  return {
    ...error(
      'CONFIG.UNSUPPORTED_FILE',
      `${basename(file)} is ${kind}; a config is a TypeScript or JavaScript module that exports definePipeline({ … })`,
      undefined,
      extname(file) === '.json'
        ? "secrets, column types and views are DSL calls that JSON cannot express: write pipeline.config.ts (data may stay in JSON: import it there with `import data from './data.json' with { type: 'json' }`)"
        : 'pass --config <path to pipeline.config.ts> (.ts, .mts, .cts, .js, .mjs or .cjs)',
    ),
    location: { file, line: 1, column: 1 },
  };
}

type ModuleClass = (new (id: string) => CommonJsModule) & {
  _nodeModulePaths(dir: string): string[];
  _extensions: Record<string, (module: CommonJsModule, filename: string) => void>;
  _cache: Record<string, unknown>;
};

/**
 * Whether the config or a local TypeScript file it imports uses `import.meta` or a top-level `await`
 * (an unindented line with `await`), which only Node's ES module loader can run.
 */
function needsEsModuleLoader(file: string, source: string, seen = new Set<string>()): boolean {
  seen.add(file);
  // The literal first: the line scan costs ~2 ms per MB of source (10,000 tables: 23 ms), and most configs hold no await.
  if (/\bimport\.meta\b/.test(source) || (source.includes('await') && TOP_LEVEL_AWAIT.test(source))) return true;
  for (const found of localImports(file, source)) {
    if (
      /\.(m?ts|tsx)$/.test(found) &&
      !seen.has(found) &&
      needsEsModuleLoader(found, readFileSync(found, 'utf8'), seen)
    )
      return true;
  }
  return false;
}

const TOP_LEVEL_AWAIT = /^(export\s+)?(const|let|var|for)?\b[^\n]*\bawait\b/m;

/**
 * Whether the config can be evaluated as CommonJS in this thread (a TypeScript config without top-level
 * await or `import.meta`): no loader thread, and with the transpile cache no transpiler to load.
 */
export function evaluatesInThread(file: string, source: string): boolean {
  return /\.c?ts$/.test(file) && !needsEsModuleLoader(file, source);
}

/** Transpiles the config and the local TypeScript files it imports (kept in memory for evaluation). */
export function prepareInThread(file: string, source: string, seen = new Set<string>()): void {
  seen.add(file);
  try {
    transpile(file, source);
  } catch {
    return; // a syntax error: reported when the config is evaluated
  }
  for (const found of localImports(file, source)) {
    if (/\.c?ts$/.test(found) && !seen.has(found)) prepareInThread(found, readFileSync(found, 'utf8'), seen);
  }
}

/** cdc-compile's own modules (the config may import the package it is compiled by as itself). */
const ownCode = (file: string) =>
  [join(PACKAGE_ROOT, 'dist'), join(PACKAGE_ROOT, 'src')].some((dir) => file.startsWith(dir + sep));

/** A TypeScript file as a CommonJS module, compiled with V8's code cache when the transpile cache is on. */
function run(mod: CommonJsModule, file: string, source: string): void {
  const { code, cached } = transpiled(file, source);
  const from = dirname(file);
  runModule(mod, code, file, cached && codeCachePath(cached), (id) =>
    id === PACKAGE_NAME ? ownEntry(from) : undefined,
  );
}

function evaluateTypeScript(file: string, source: string): unknown {
  const Module = NodeModule as unknown as ModuleClass;
  Module._extensions['.ts'] ??= (module, filename) => run(module, filename, readFileSync(filename, 'utf8'));
  const mod = new Module(file);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(dirname(file));
  const before = new Set(Object.keys(Module._cache));
  try {
    run(mod, file, source);
  } finally {
    // The project's own files the config imported are read again by the next compile in this process
    // (--watch, tests, tools): an edited import must count. Packages (cdc-compile itself) stay loaded.
    for (const key of Object.keys(Module._cache)) {
      if (!before.has(key) && !ownCode(key) && !key.split(/[\\/]/).includes('node_modules')) delete Module._cache[key];
    }
  }
  return mod.exports;
}

/**
 * Evaluates a TypeScript config as CommonJS, synchronously. `import … from 'cdc-compile'` becomes a
 * require of the package's ES module, which Node (>= 20.19) supports. `'needs-module-loader'`: the
 * config uses a top-level await the scan in `evaluatesInThread` missed (e.g. inside a block).
 */
export function evaluateInThread(file: string, source: string): Loaded | 'needs-module-loader' {
  try {
    return defaultExport(evaluateTypeScript(file, source) as Record<string, unknown>, file, source);
  } catch (err) {
    if (
      /top-level await|ERR_REQUIRE_ASYNC_MODULE|await is only valid/i.test(
        `${(err as Error)?.message} ${(err as { code?: string })?.code}`,
      )
    ) {
      return 'needs-module-loader';
    }
    return { source, diagnostics: [loadFailure(err, file, 'cjs')] };
  }
}

/** ES module configs (.mts, .mjs, .js, or TypeScript using import.meta / top-level await) via Node's loader. */
export async function evaluateAsModule(file: string, source: string): Promise<Loaded> {
  if (!hooksRegistered && /\.(m?ts|tsx)$/.test(file)) {
    // From the built package; when cdc-compile itself runs from source under vitest, vite reads TypeScript.
    const hooks = new URL('./hooks.js', import.meta.url);
    if (existsSync(fileURLToPath(hooks))) register(hooks);
    hooksRegistered = true;
  }
  // The content hash in the URL makes a changed config load anew in a long-lived process.
  const url = `${pathToFileURL(file).href}?v=${createHash('sha256').update(source).digest('hex').slice(0, 16)}`;
  try {
    return defaultExport((await import(url)) as Record<string, unknown>, file, source);
  } catch (err) {
    return { source, diagnostics: [loadFailure(err, file, 'esm')] };
  }
}

function defaultExport(mod: Record<string, unknown>, file: string, source: string): Loaded {
  if (mod['default'] !== undefined) return { value: mod['default'], source, diagnostics: [] };
  const pipelines = Object.keys(mod).filter((k) => k !== 'default' && entityKind(mod[k]) === 'pipeline');
  return {
    source,
    diagnostics: [
      {
        ...error(
          'CONFIG.NO_DEFAULT_EXPORT',
          pipelines.length
            ? `the config has no default export (its pipeline is the named export '${pipelines[0]}')`
            : 'the config has no default export',
          undefined,
          pipelines.length
            ? `export it as the default: \`export default ${pipelines[0]}\``
            : 'end the file with `export default definePipeline({ … })`',
        ),
        location: { file, line: 1, column: 1 },
      },
    ],
  };
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

/** What evaluating the config threw, as a diagnostic located in the user's file. */
export function loadFailure(err: unknown, file: string, transform: Transform): Diagnostic {
  if (err instanceof ConfigExit) return exitDiagnostic({ how: err.how, error: err }, file, transform);
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string } | undefined)?.code;
  // sucrase reports syntax errors as "Unexpected token (line:column)".
  const sucraseSyntax = /\((\d+):(\d+)\)\s*$/.test(message) && /^Error transforming /.test(message);
  if (err instanceof SyntaxError || sucraseSyntax) {
    const found = findSyntaxError(file);
    if (found) {
      const where = found.location.file !== file ? ` (in ${basename(found.location.file)})` : '';
      return {
        ...error('CONFIG.SYNTAX', `the config does not parse${where}: ${found.message}`),
        location: found.location,
      };
    }
    // Not a syntax error of the code: e.g. JSON.parse of a bad file, thrown at run time.
    if (!sucraseSyntax) return threwDiagnostic(err, file, transform, 'evaluating the config threw');
    const reason = message.replace(/\s*\(\d+:\d+\)\s*$/, '').replace(/^Error transforming \S+:\s*/, '');
    return {
      ...error('CONFIG.SYNTAX', `the config does not parse: ${reason}`),
      location: userLocation(err, transform) ?? { file, line: 1, column: 1 },
    };
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
      location: specifierLocation(file, pkg) ?? userLocation(err, transform) ?? { file, line: 1, column: 1 },
    };
  }
  return threwDiagnostic(err, file, transform, 'evaluating the config threw');
}

function threwDiagnostic(err: unknown, file: string, transform: Transform, what: string): Diagnostic {
  const location = userLocation(err, transform) ?? { file, line: 1, column: 1 };
  let message = err instanceof Error ? err.message : String(err);
  if (/^Cannot read properties of undefined \(reading 'call'\)/.test(message)) {
    // The import transform calls an imported function as `binding.name.call(void 0, …)`.
    const line = readFileSync(location.file, 'utf8').split('\n')[location.line - 1] ?? '';
    const callee = /^[\w$]+(?=\s*\()/.exec(line.slice(location.column - 1))?.[0];
    if (callee)
      message = `${callee} is not a function (it is undefined: check that the module it is imported from exports it)`;
  }
  return {
    ...error(
      'CONFIG.THREW',
      `${what}: ${userMessage(message.split('\n')[0] ?? '', location.file)}`,
      undefined,
      'fix the code at this line; the config runs as ordinary TypeScript',
    ),
    location,
  };
}

/** An error the config's own code (a getter, a Proxy trap) threw while cdc-compile read its value. */
export function readFailure(err: unknown, file: string, transform: Transform): Diagnostic {
  if (err instanceof ConfigExit) return exitDiagnostic({ how: err.how, error: err }, file, transform);
  return threwDiagnostic(err, file, transform, 'reading the config threw');
}

export function exitDiagnostic(exit: Exit, file: string, transform: Transform = 'cjs'): Diagnostic {
  return {
    ...error(
      'CONFIG.EXITED',
      `the config called ${exit.how}: a config may not end the compiler's process`,
      undefined,
      'remove the call; to stop with an error, throw an Error (cdc-compile reports it with its location)',
    ),
    location: userLocation(exit.error, transform) ?? { file, line: 1, column: 1 },
  };
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;

/** The top-level `await` of the config or a module it imports, where an unsettled promise is waited on. */
function topLevelAwait(file: string, seen = new Set<string>()): Location | undefined {
  seen.add(file);
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const m = TOP_LEVEL_AWAIT.exec(source);
  if (m) {
    const at = m.index + m[0].lastIndexOf('await');
    const before = source.slice(0, at).split('\n');
    return { file, line: before.length, column: before.at(-1)!.length + 1 };
  }
  for (const found of localImports(file, source)) {
    const hit = !seen.has(found) && topLevelAwait(found, seen);
    if (hit) return hit;
  }
  return undefined;
}

/** The config broke a limit, or never finished: one diagnostic saying which, and what to do. */
export function limitDiagnostic(
  kind: 'timeout' | 'memory' | 'unsettled' | 'exited',
  file: string,
  limits: Limits,
  exitCode?: number,
): Diagnostic {
  const at = { file, line: 1, column: 1 };
  switch (kind) {
    case 'timeout':
      return {
        ...error(
          'CONFIG.TIMEOUT',
          `evaluating the config did not finish within ${seconds(limits.timeoutMs)}`,
          undefined,
          'look for a loop that never ends or an await on something slow; a config that needs longer can pass --timeout <seconds>',
        ),
        location: at,
      };
    case 'memory':
      return {
        ...error(
          'CONFIG.OUT_OF_MEMORY',
          `evaluating the config used more than ${limits.maxMemoryMb} MiB of memory and was stopped`,
          undefined,
          'look for a loop that keeps allocating; a config that needs more can pass --max-memory <MiB>',
        ),
        location: at,
      };
    case 'unsettled':
      return {
        ...error(
          'CONFIG.UNSETTLED',
          'the config awaits a promise that never settles: nothing is left that could resolve it',
          undefined,
          'make the awaited promise resolve or reject (e.g. call its resolve function, or await the real work)',
        ),
        location: topLevelAwait(file) ?? at,
      };
    case 'exited':
      return {
        ...error(
          'CONFIG.EXITED',
          `the config ended its process (exit code ${exitCode}): a config may not end the compiler's process`,
          undefined,
          'remove the call; to stop with an error, throw an Error (cdc-compile reports it with its location)',
        ),
        location: at,
      };
    default:
      return kind satisfies never;
  }
}

/** Evaluates the config in this thread, without the limits `compile()` applies (for tests and tools). */
export async function loadConfig(file: string): Promise<Loaded> {
  const problem = checkConfigFile(file);
  if (problem) return { diagnostics: [problem] };
  const source = readFileSync(file, 'utf8');
  const loaded = evaluatesInThread(file, source) ? evaluateInThread(file, source) : 'needs-module-loader';
  return loaded === 'needs-module-loader' ? evaluateAsModule(file, source) : loaded;
}
