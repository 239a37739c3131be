import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEMPLATE_OPTIONS, type TemplateName } from '../targets/artefact.js';

/** Built-in templates ship in the package's `templates/` folder (and precompiled in dist/). */
export const BUILTIN_TEMPLATES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates');

const require = createRequire(import.meta.url);
type Template = (data: object) => string;
type Runtime = { template(spec: unknown): Template };

let precompiled: Record<string, unknown> | undefined;

/** The build's precompiled templates; absent when running from source (tests), then they compile here. */
function builtin(): Record<string, unknown> | undefined {
  if (precompiled === undefined) {
    try {
      precompiled = (require('./builtin-templates.cjs') as { BUILTIN: Record<string, unknown> }).BUILTIN;
    } catch {
      precompiled = {};
    }
  }
  return precompiled;
}

/**
 * Loads text templates: a file of the same name in the project's `templates/` folder overrides the
 * built-in one.
 */
export function loadTemplates(projectTemplatesDir: string | undefined): {
  render: (name: TemplateName, data: object) => string;
  overridden: string[];
} {
  const compiled = new Map<TemplateName, Template>();
  const overridden: string[] = [];
  const get = (name: TemplateName): Template => {
    const override = projectTemplatesDir ? join(projectTemplatesDir, `${name}.hbs`) : undefined;
    // cdc-compile's own repository is a project whose templates/ folder is the built-in one.
    if (override && existsSync(override) && resolve(override) !== resolve(BUILTIN_TEMPLATES_DIR, `${name}.hbs`)) {
      overridden.push(name);
      return compileSource(readFileSync(override, 'utf8'));
    }
    const spec = builtin()?.[name];
    if (spec) return (require('handlebars/runtime') as { default: Runtime }).default.template(spec);
    return compileSource(readFileSync(join(BUILTIN_TEMPLATES_DIR, `${name}.hbs`), 'utf8'));
  };
  return {
    overridden,
    render(name, data) {
      let template = compiled.get(name);
      if (!template) compiled.set(name, (template = get(name)));
      return template(data);
    },
  };
}

function compileSource(source: string): Template {
  const hbs = (require('handlebars') as { create(): { compile(s: string, o: object): Template } }).create();
  return hbs.compile(source, TEMPLATE_OPTIONS);
}
