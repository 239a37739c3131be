import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import Runtime from 'handlebars/dist/cjs/handlebars.runtime.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { BUILTIN } from './builtin-templates.js';

/** Built-in templates ship in the package's `templates/` folder (and precompiled in the bundle). */
export const BUILTIN_TEMPLATES_DIR = join(PACKAGE_ROOT, 'templates');

const require = createRequire(import.meta.url);
type Template = (data: object) => string;

/** A project's template override that does not compile or render: the user's mistake, located in the file. */
export class TemplateError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    message: string,
  ) {
    super(message);
  }
}

function templateError(file: string, err: unknown): TemplateError {
  const message = err instanceof Error ? err.message : String(err);
  // Handlebars says "Parse error on line 3:" for syntax and "… - 3:5" for a missing field in strict mode.
  const parse = /on line (\d+)/.exec(message);
  const field = /- (\d+):(\d+)\s*$/.exec(message);
  const line = Number(parse?.[1] ?? field?.[1] ?? 1);
  const column = field ? Number(field[2]) + 1 : 1;
  const lines = message.split('\n');
  const first = (parse ? `${lines[0]} ${lines.at(-1)}` : lines[0]!).replace(/ in \[object Object\]/, '');
  return new TemplateError(file, line, column, first);
}

/** `.hbs` files in the project's templates folder that override none of `names` (a misspelt name). */
export function unknownTemplates(projectTemplatesDir: string | undefined, names: readonly string[]): string[] {
  if (
    !projectTemplatesDir ||
    !existsSync(projectTemplatesDir) ||
    !statSync(projectTemplatesDir).isDirectory() ||
    resolve(projectTemplatesDir) === resolve(BUILTIN_TEMPLATES_DIR)
  )
    return [];
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.hbs')) found.push(full);
    }
  };
  walk(projectTemplatesDir);
  const known = new Set<string>(names.map((n) => resolve(projectTemplatesDir, `${n}.hbs`)));
  return found.filter((f) => !known.has(resolve(f))).sort();
}

interface HelperOptions {
  readonly fn: (context: unknown, options?: unknown) => string;
  readonly [key: string]: unknown;
}
type Helper = (this: unknown, context: unknown, options: HelperOptions) => string;
interface Environment {
  readonly helpers: Record<string, Helper>;
  registerHelper(name: string, helper: Helper): void;
}

/** Iterations of an `{{#each}}` whose text is joined into one string as they are written. */
const EACH_CHUNK = 64;

/**
 * `{{#each}}` as handlebars has it (its helper iterates), but its text is built from the iterations' texts
 * joined a few dozen at a time rather than appended one by one: the same string, but an each over 10,000
 * tables no longer keeps every iteration's pieces alive until the document is done (the collector's work
 * halved for pipeline.sql). Both environments, the built-ins' and the overrides', use it.
 */
function joinedEach(env: Environment): void {
  const each = env.helpers.each!;
  env.registerHelper('each', function (context, options) {
    // A list of a chunk or less (a table's columns, a job's options: most loops of a large file) is one
    // chunk anyway: handlebars' helper as it is, without a second closure and a copy of its options each time.
    if (Array.isArray(context) && context.length <= EACH_CHUNK) return each.call(this, context, options);
    const done: string[] = [];
    let pending: string[] = [];
    let iterations = 0;
    const fn = options.fn;
    const text = each.call(this, context, {
      ...options,
      fn: (value: unknown, frame?: unknown) => {
        iterations++;
        pending.push(fn(value, frame));
        if (pending.length === EACH_CHUNK) {
          done.push(pending.join(''));
          pending = [];
        }
        return '';
      },
    });
    // No iteration: the helper's own text, from the {{else}} block.
    if (!iterations) return text;
    done.push(pending.join(''));
    // Concatenated, not joined: the file's text is copied once, when it is encoded, not here as well.
    let all = done[0]!;
    for (let i = 1; i < done.length; i++) all += done[i];
    return all;
  });
}

/**
 * The texts of the project's overrides of `names` (what `loadTemplates` would render with), as one string:
 * equal strings, the same templates. Read by a long-lived caller that reuses an emit (src/emit-reuse.ts).
 */
export function overridesKey(projectTemplatesDir: string | undefined, names: readonly string[]): string {
  let key = '';
  for (const name of names) {
    const override = overridePath(projectTemplatesDir, name);
    if (!override) continue;
    let text: string;
    try {
      text = readFileSync(override, 'utf8');
    } catch {
      text = '\0unreadable'; // the compile reports it
    }
    key += `${name}\0${text.length}\0${text}\0`;
  }
  return key;
}

/**
 * The project's override of template `name`, if it has one. cdc-compile's own repository is a project
 * whose templates/ folder is the built-in one: those are not overrides.
 */
function overridePath(projectTemplatesDir: string | undefined, name: string): string | undefined {
  if (!projectTemplatesDir) return undefined;
  const override = join(projectTemplatesDir, `${name}.hbs`);
  return existsSync(override) && resolve(override) !== resolve(BUILTIN_TEMPLATES_DIR, `${name}.hbs`)
    ? override
    : undefined;
}

/**
 * Loads text templates: a file of the same name in the project's `templates/` folder overrides the
 * built-in one. `options` are handlebars' compile options (the built-ins were precompiled with the same).
 */
export function loadTemplates(
  projectTemplatesDir: string | undefined,
  options: object,
): {
  render: (name: string, data: object) => string;
} {
  const compiled = new Map<string, Template>();
  const get = (name: string): Template => {
    const override = overridePath(projectTemplatesDir, name);
    if (override) {
      let template: Template;
      try {
        template = compileSource(readFileSync(override, 'utf8'), options);
        // Handlebars compiles lazily: force the parse now so a syntax error is reported as one.
        template({});
      } catch (err) {
        if (!/not defined in/.test(String((err as Error)?.message))) throw templateError(override, err);
      }
      return (data) => {
        try {
          return template(data);
        } catch (err) {
          throw templateError(override, err);
        }
      };
    }
    const spec = BUILTIN[name];
    if (spec) return runtime().template(spec);
    return compileSource(readFileSync(join(BUILTIN_TEMPLATES_DIR, `${name}.hbs`), 'utf8'), options);
  };
  return {
    render(name, data) {
      let template = compiled.get(name);
      if (!template) compiled.set(name, (template = get(name)));
      return template(data);
    },
  };
}

/** The runtime environment of the precompiled built-ins, made once. */
let builtins: { template(spec: unknown): Template } | undefined;
function runtime(): { template(spec: unknown): Template } {
  if (!builtins) {
    const env = (Runtime as unknown as { create(): Environment & { template(spec: unknown): Template } }).create();
    joinedEach(env);
    builtins = env;
  }
  return builtins;
}

function compileSource(source: string, options: object): Template {
  const hbs = (
    require('handlebars') as { create(): Environment & { compile(s: string, o: object): Template } }
  ).create();
  joinedEach(hbs);
  return hbs.compile(source, options);
}
