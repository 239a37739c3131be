// `npm run build`: the package's dist/.
//
// - JavaScript: one bundle (rolldown), because a compile is a short process whose cost is mostly Node
//   loading modules: four entries (dist/index.js: the library API and the DSL a config imports;
//   dist/cli.js: the command line; dist/compile-worker.js and dist/hooks.js: the worker and the loader
//   hooks) share one chunk that holds the compiler with zod, handlebars' runtime and the built-in
//   templates precompiled. What only some runs need (the other subcommands, --watch, locating
//   diagnostics) is split into lazy chunks by its dynamic imports; heavy or rarely used packages
//   (ts-morph, the handlebars compiler for template overrides) stay external, loaded from
//   node_modules when used. sucrase, the config's transpiler when the transpile cache misses (a fresh
//   checkout, CDC_COMPILE_CACHE=0), is bundled apart into dist/sucrase.cjs: one file instead of its ~65
//   modules, required synchronously by src/load/transpile.ts and hooks.ts. Every file sits flat in dist/: code finds package files from the package
//   root (src/package-root.ts), and load/index.ts the hooks beside its chunk.
// - Types: tsc emits the declarations (dist/index.d.ts and what it references).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import Handlebars from 'handlebars';
import { build } from 'rolldown';

const root = new URL('..', import.meta.url).pathname;
const src = join(root, 'src');
const dist = join(root, 'dist');

/** Bare imports that go into the bundle; every other package stays external. */
const BUNDLED = [/^zod(\/|$)/, /^handlebars\/dist\/cjs\/handlebars\.runtime(\.js)?$/];

const ENTRIES = {
  index: join(src, 'index.ts'),
  cli: join(src, 'cli/main.ts'),
  'compile-worker': join(src, 'compile-worker.ts'),
  hooks: join(src, 'load/hooks.ts'),
  // verify's Flink grammar worker and the resolve hook it registers for dt-sql-parser.
  'flink-worker': join(src, 'verify/flink-worker.ts'),
  'dir-import-hook': join(src, 'verify/dir-import-hook.ts'),
};
/** Modules only some runs load, kept in chunks of their own behind their dynamic imports. */
const LAZY = [
  /[\\/]src[\\/]locate[\\/]/,
  /[\\/]src[\\/]cli[\\/](init|watch|plan-command|verify-command|why-command|add-command|drift|options)\.ts$/,
  // add table's codemod (ts-morph, external) and catalog reader (pg): only for `cdc-compile add`.
  /[\\/]src[\\/]cli[\\/]add[\\/]/,
  // The planner and its `yaml` import: a compile loads them only when the snapshot changed.
  /[\\/]src[\\/]plan[\\/](approvals|diff|format|index|impact)\.ts$/,
  // verify (and the PGlite, pg and dt-sql-parser it imports, external) only for `cdc-compile verify`.
  /[\\/]src[\\/]verify[\\/]/,
];
/** The shared chunk: every module but the entries (their top-level code runs only where they are the entry). */
const inCompilerChunk = (id) => !Object.values(ENTRIES).includes(id) && !LAZY.some((re) => re.test(id));

rmSync(dist, { recursive: true, force: true });

// The template names and handlebars options, from the source that the compiler itself uses.
const artefact = await build({
  input: join(src, 'targets/artefact.ts'),
  platform: 'node',
  write: false,
  logLevel: 'silent',
  output: { format: 'esm' },
});
const { TEMPLATE_NAMES, TEMPLATE_OPTIONS } = await import(
  `data:text/javascript;base64,${Buffer.from(artefact.output[0].code).toString('base64')}`
);
const precompiled = TEMPLATE_NAMES.map((name) => {
  const source = readFileSync(join(root, 'templates', `${name}.hbs`), 'utf8');
  return `  ${JSON.stringify(name)}: ${Handlebars.precompile(source, TEMPLATE_OPTIONS)},`;
});
const BUILTIN_TEMPLATES = join(src, 'render', 'builtin-templates.ts');

await build({
  input: ENTRIES,
  platform: 'node',
  logLevel: 'warn',
  external: (id) =>
    !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0') && !BUNDLED.some((re) => re.test(id)),
  plugins: [
    {
      name: 'precompiled-templates',
      load(id) {
        if (id !== BUILTIN_TEMPLATES) return null;
        return `// templates/*.hbs, precompiled by scripts/build.mjs.\nexport const BUILTIN = {\n${precompiled.join('\n')}\n};\n`;
      },
    },
  ],
  output: {
    dir: dist,
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
    // One chunk for everything a compile runs; the lazy chunks are only those named in LAZY.
    codeSplitting: { groups: [{ name: 'compiler', test: inCompilerChunk }] },
    // Readable stack traces for internal errors (exit 70): no minification.
    minify: false,
    // ASCII only (non-ASCII in strings as \u escapes, JSDoc dropped, legal comments kept): V8 holds a
    // source with any character above Latin-1 as two-byte text, twice the memory of the compiler chunk.
    charset: 'ascii',
    comments: { legal: true, annotation: true, jsdoc: false },
  },
});

// sucrase as one CommonJS file (from its ES module build, which bundles without CommonJS wrappers); the
// package stays a dependency, so its LICENSE is installed beside it.
const sucraseDir = dirname(createRequire(import.meta.url).resolve('sucrase/package.json'));
const sucrasePackage = JSON.parse(readFileSync(join(sucraseDir, 'package.json'), 'utf8'));
await build({
  input: { sucrase: join(sucraseDir, sucrasePackage.module) },
  platform: 'node',
  logLevel: 'warn',
  output: {
    dir: dist,
    format: 'cjs',
    entryFileNames: '[name].cjs',
    banner: `// sucrase ${sucrasePackage.version} (${sucrasePackage.license}, ${sucrasePackage.repository?.url ?? sucrasePackage.homepage}) and its dependencies, bundled by scripts/build.mjs.`,
    minify: false,
  },
});

execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});

const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full);
    else if (/\.c?js$/.test(name)) files.push(relative(root, full).split(sep).join('/'));
  }
};
walk(dist);
console.log(`dist/: ${files.length} JavaScript files (${files.join(', ')}) and the type declarations`);
