/**
 * `cdc-compile init`: starts a project in the current folder. Writes a minimal pipeline.config.ts that
 * compiles as it is, adds `cdc:compile` / `cdc:check` scripts to package.json (creating a private one when
 * there is none) and the lines cdc-compile needs in .gitignore. It refuses only when pipeline.config.ts
 * exists; it never replaces a script or a line the user already has.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { STAGING_PREFIX } from '../write/journal.js';
import { UsageError, type Command } from './command.js';

const CONFIG = 'pipeline.config.ts';

const USAGE = `Usage: cdc-compile init

Starts a cdc-compile project in the current folder:
  ${CONFIG}     a minimal pipeline (one source table, one view) that compiles as it is
  package.json           scripts "cdc:compile" (cdc-compile) and "cdc:check" (cdc-compile --check);
                         created when missing; existing scripts are never replaced
  .gitignore             node_modules/ and the writer's staging folders, when not listed yet

Refuses (exit 1, nothing written) when ${CONFIG} already exists. generated/ is meant to be committed.

Options:
  -h, --help   show this help
`;

export const SCRIPTS: Readonly<Record<string, string>> = {
  'cdc:compile': 'cdc-compile',
  'cdc:check': 'cdc-compile --check',
};

export const GITIGNORE_LINES: readonly string[] = [
  'node_modules/', // dependencies and the transpiled-config cache (node_modules/.cache/cdc-compile)
  `${STAGING_PREFIX}*/`, // what a killed run leaves inside generated/ (the next run completes or removes it)
];

/** A pipeline name (lower-case letters, digits and -) from the package or folder name. */
export function pipelineName(raw: string): string {
  const name = raw
    .replace(/^@[^/]*\//, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[^a-z]+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return name || 'pipeline';
}

export const configText = (name: string) => `/**
 * The pipeline: PostgreSQL sources and the tables to capture, how each lands in the analytics database,
 * and the views over them. \`npx cdc-compile\` turns it into generated/; commit both.
 * Replace the hosts, database names, Secret names and tables below with yours.
 */
import { definePipeline, postgresSource, secret, sql, t, view } from 'cdc-compile';

// One operational database. Credentials are Kubernetes Secret references, never values.
const app = postgresSource('app', {
  host: 'app-db.default.svc.cluster.local',
  database: 'app',
  password: secret('app-db', 'password'),
});

// One captured table: declare the columns to capture with their PostgreSQL types.
const customers = app.table('customers', {
  columns: {
    id: t.bigint().primaryKey(),
    email: t.varchar(320).notNull(),
    country: t.char(2),
    signed_up_at: t.timestamptz(),
  },
  analytics: { kind: 'dimension' },
});

// A view in the analytics database; \${customers.c.country} is checked by TypeScript.
const customersByCountry = view('customers_by_country', {
  columns: { country: t.char(2), customers: t.bigint() },
  sql: sql\`SELECT \${customers.c.country}, COUNT(*) AS customers FROM \${customers} GROUP BY \${customers.c.country}\`,
});

export default definePipeline({
  name: '${name}',
  sources: [app],
  kafka: { bootstrapServers: 'kafka:9092' },
  connect: { url: 'http://connect:8083' },
  analytics: {
    host: 'analytics-db',
    database: 'analytics',
    user: 'flink_writer',
    password: secret('analytics-db', 'password'),
  },
  views: [customersByCountry],
});
`;

interface PackageJson {
  name?: unknown;
  scripts?: Record<string, unknown>;
  dependencies?: Record<string, unknown>;
  devDependencies?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The indentation a JSON file uses, so an edit keeps its style. */
const indentOf = (text: string) => /^\{\s*\n([ \t]+)"/.exec(text)?.[1] ?? '  ';

export const initCommand: Command = {
  usage: USAGE,
  async run(argv, cwd) {
    let help: boolean | undefined;
    try {
      ({
        values: { help },
      } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } }, strict: true }));
    } catch (err) {
      throw new UsageError((err as Error).message, USAGE);
    }
    if (help) {
      process.stdout.write(USAGE);
      return 0;
    }

    const configFile = join(cwd, CONFIG);
    if (existsSync(configFile)) {
      process.stderr.write(
        `cdc-compile init: ${CONFIG} already exists; nothing was written. Compile it with \`npx cdc-compile\`.\n`,
      );
      return 1;
    }

    // Read everything first: a package.json that cannot be parsed stops init before it writes anything.
    const pkgFile = join(cwd, 'package.json');
    const pkgText = existsSync(pkgFile) ? readFileSync(pkgFile, 'utf8') : undefined;
    let pkg: PackageJson;
    try {
      pkg = pkgText === undefined ? {} : (JSON.parse(pkgText) as PackageJson);
    } catch (err) {
      process.stderr.write(
        `cdc-compile init: package.json is not valid JSON (${(err as Error).message}); nothing was written.\n`,
      );
      return 1;
    }
    if (typeof pkg !== 'object' || pkg === null || Array.isArray(pkg)) {
      process.stderr.write('cdc-compile init: package.json is not a JSON object; nothing was written.\n');
      return 1;
    }
    const ignoreFile = join(cwd, '.gitignore');
    const ignoreText = existsSync(ignoreFile) ? readFileSync(ignoreFile, 'utf8') : '';

    const report: string[] = [];
    const name = pipelineName(typeof pkg.name === 'string' ? pkg.name : basename(cwd));
    writeFileSync(configFile, configText(name), { flag: 'wx' });
    report.push(`  created  ${CONFIG} (pipeline '${name}')`);

    const scripts: Record<string, unknown> = { ...(pkg.scripts ?? {}) };
    const added = Object.entries(SCRIPTS).filter(([script]) => !(script in scripts));
    const kept = Object.entries(SCRIPTS).filter(
      ([script, command]) => script in scripts && scripts[script] !== command,
    );
    for (const [script, command] of added) scripts[script] = command;
    if (pkgText === undefined) {
      const created = { name, private: true, scripts };
      writeFileSync(pkgFile, `${JSON.stringify(created, null, 2)}\n`, { flag: 'wx' });
      report.push(`  created  package.json (scripts ${added.map(([s]) => s).join(', ')})`);
    } else if (added.length) {
      const edited = { ...pkg, scripts };
      writeFileSync(pkgFile, `${JSON.stringify(edited, null, indentOf(pkgText))}${pkgText.endsWith('\n') ? '\n' : ''}`);
      report.push(`  updated  package.json (scripts ${added.map(([s]) => s).join(', ')})`);
    }
    for (const [script] of kept)
      report.push(`  kept     package.json script '${script}' (yours: ${JSON.stringify(scripts[script])})`);

    const present = new Set(ignoreText.split(/\r?\n/).map((l) => l.trim()));
    const missing = GITIGNORE_LINES.filter((line) => !present.has(line));
    if (missing.length) {
      const separator = ignoreText === '' || ignoreText.endsWith('\n') ? '' : '\n';
      writeFileSync(ignoreFile, `${ignoreText}${separator}${missing.join('\n')}\n`);
      report.push(`  ${ignoreText ? 'updated' : 'created'}  .gitignore (${missing.join(', ')})`);
    }

    const installed = ['dependencies', 'devDependencies'].some(
      (field) => typeof pkg[field] === 'object' && pkg[field] !== null && 'cdc-compile' in (pkg[field] as object),
    );
    process.stdout.write(`cdc-compile init:\n${report.join('\n')}\n\nNext:\n`);
    if (!installed) {
      process.stdout.write(
        '  npm install --save-dev cdc-compile   (the config imports it; until it is published, a tarball or git URL: see its README)\n',
      );
    }
    process.stdout.write(`  edit ${CONFIG}, then: npx cdc-compile   (writes generated/; commit it)\n`);
    return 0;
  },
};
