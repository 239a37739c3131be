import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import type { TemplateName } from '../targets/artefact.js';

/** Built-in templates ship in the package's `templates/` folder. */
export const BUILTIN_TEMPLATES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates');

/**
 * Loads text templates: a file of the same name in the project's `templates/` folder overrides the
 * built-in one. SQL and shell are not HTML, so nothing is escaped; the emitters escape literals.
 */
export function loadTemplates(projectTemplatesDir: string | undefined): {
  render: (name: TemplateName, data: object) => string;
  overridden: string[];
} {
  const hbs = Handlebars.create();
  const compiled = new Map<TemplateName, Handlebars.TemplateDelegate>();
  const overridden: string[] = [];
  const file = (name: TemplateName) => {
    const override = projectTemplatesDir ? join(projectTemplatesDir, `${name}.hbs`) : undefined;
    if (override && existsSync(override)) {
      overridden.push(name);
      return override;
    }
    return join(BUILTIN_TEMPLATES_DIR, `${name}.hbs`);
  };
  return {
    overridden,
    render(name, data) {
      let template = compiled.get(name);
      if (!template) {
        template = hbs.compile(readFileSync(file(name), 'utf8'), { noEscape: true, strict: true });
        compiled.set(name, template);
      }
      return template(data);
    },
  };
}
