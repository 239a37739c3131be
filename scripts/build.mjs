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
// - The shared chunk then becomes a CommonJS script run from V8's code cache (src/load/chunk-loader.ts;
//   below): dist/compiler-<hash>.cjs, and a stand-in ES module of the chunk's name that runs it.
// - Types: tsc emits the declarations (dist/index.d.ts and what it references).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import Handlebars from 'handlebars';
import { build } from 'rolldown';
import { parseAst } from 'rolldown/parseAst';

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
/**
 * The shared chunk: every module but the entries (their top-level code runs only where they are the entry),
 * and the CLI's (dist/cli.js re-exports its `main`, so that bin/cdc-compile.js, a CommonJS script, reaches
 * it through dist/cli.cjs without Node's ES module loader).
 */
const inCompilerChunk = (id) =>
  (id === ENTRIES.cli || !Object.values(ENTRIES).includes(id)) && !LAZY.some((re) => re.test(id));

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
// A built-in template that reads no @data variable (@index, @first, …) is compiled without them: its each
// loops then make no frame per iteration (pipeline.sql at 1,000 tables: ~50,000 iterations, its render
// 57 → 47 ms). Overrides keep TEMPLATE_OPTIONS: a project's template may read them.
const DATA_VARIABLE = /@(index|first|last|key|root|level)\b/;
const precompiled = TEMPLATE_NAMES.map((name) => {
  const source = readFileSync(join(root, 'templates', `${name}.hbs`), 'utf8');
  const options = DATA_VARIABLE.test(source) ? TEMPLATE_OPTIONS : { ...TEMPLATE_OPTIONS, data: false };
  return `  ${JSON.stringify(name)}: ${Handlebars.precompile(source, options)},`;
});
const BUILTIN_TEMPLATES = join(src, 'render', 'builtin-templates.ts');

const bundle = await build({
  input: ENTRIES,
  platform: 'node',
  logLevel: 'warn',
  external: (id) =>
    !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0') && !BUNDLED.some((re) => re.test(id)),
  plugins: [
    {
      // zod 3's ZodType constructor binds 24 of its methods to every schema it makes, so that a method can
      // be called detached (`const { parse } = schema`). Nothing here calls one so (neither the compiler nor
      // zod itself: its methods call each other through `this`), and the compiler builds its schemas at
      // load: the binds were 15 M of the book store compile's 330 M instructions over bare Node, and
      // garbage for the first scavenges. The methods stay on the prototype; the build fails if zod changes.
      name: 'zod-unbound-methods',
      transform(code, id) {
        if (!/[\\/]node_modules[\\/]zod[\\/]v3[\\/]types\.js$/.test(id)) return null;
        const binds = /\n\s*this\.(\w+) = this\.\1\.bind\(this\);/g;
        const count = code.match(binds)?.length ?? 0;
        if (count !== 24)
          throw new Error(`build: zod's ZodType constructor binds ${count} methods, not 24: check the transform`);
        return { code: code.replace(binds, ''), map: null };
      },
    },
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

// The compiler chunk as a script, run from V8's code cache (src/load/chunk-loader.ts). Its ES module syntax
// is rewritten in place (from rolldown's syntax tree, so comments and line numbers stay): the imports, all of
// built-ins, become require calls; import.meta.url and import() the loader's `__cdcUrl` and `__cdcImport`; the
// export list assignments to `exports`. The text goes inside the wrapper function runChunk compiles, strict
// as the module was, on the module's first line. In its place an ES module of the same name runs it and
// re-exports its bindings (each a constant, function or class: checked here, since a re-export is a
// copy), so the entries and lazy chunks that import it share the one instance.
const compilerChunk = bundle.output.find((o) => o.type === 'chunk' && o.name === 'compiler');
if (!compilerChunk) throw new Error('build: no compiler chunk');
const esm = compilerChunk.code;
const edits = [];
const bindings = [];
for (const node of parseAst(esm).body) {
  if (node.type === 'ImportDeclaration') {
    const from = node.source.value;
    // A package would need its CommonJS entry; the chunk imports only built-ins (zod and handlebars are bundled).
    if (!from.startsWith('node:')) throw new Error(`build: the compiler chunk imports ${from}, not a built-in`);
    const whole = [];
    const named = [];
    for (const s of node.specifiers) {
      if (s.type !== 'ImportSpecifier') whole.push(`${s.local.name} = require(${JSON.stringify(from)})`);
      else {
        const name = s.imported.type === 'Identifier' ? s.imported.name : s.imported.value;
        named.push(name === s.local.name ? name : `${name}: ${s.local.name}`);
      }
    }
    if (named.length) whole.push(`{ ${named.join(', ')} } = require(${JSON.stringify(from)})`);
    edits.push([
      node.start,
      node.end,
      whole.length ? `const ${whole.join(', ')};` : `require(${JSON.stringify(from)});`,
    ]);
  } else if (node.type === 'ExportNamedDeclaration' && !node.declaration && !node.source) {
    const assigned = node.specifiers.map((s) => {
      bindings.push([s.exported.name, s.local.name]);
      return `exports.${s.exported.name} = ${s.local.name};`;
    });
    edits.push([node.start, node.end, assigned.join(' ')]);
  } else if (/^(Import|Export)/.test(node.type)) throw new Error(`build: the compiler chunk has a ${node.type}`);
}
const walkAst = (node, parent) => {
  if (Array.isArray(node)) return node.forEach((n) => walkAst(n, parent));
  if (!node || typeof node !== 'object') return;
  if (node.type === 'ImportExpression') edits.push([node.start, node.start + 'import'.length, '__cdcImport']);
  if (node.type === 'MetaProperty' && node.meta.name === 'import') {
    if (parent?.type !== 'MemberExpression' || parent.property.name !== 'url' || parent.computed)
      throw new Error(`build: import.meta other than import.meta.url in the compiler chunk at ${node.start}`);
    edits.push([parent.start, parent.end, '__cdcUrl']);
  }
  for (const value of Object.values(node)) if (value && typeof value === 'object') walkAst(value, node);
};
walkAst(parseAst(esm).body, undefined);
let cjs = esm;
for (const [from, to, text] of edits.sort((a, b) => b[0] - a[0])) cjs = `${cjs.slice(0, from)}${text}${cjs.slice(to)}`;
for (const [name, local] of bindings) {
  const escaped = local.replace(/\$/g, '\\$');
  if (
    !new RegExp(
      `^(?:const ${escaped}\\b|(?:async )?function\\*? ${escaped}\\(|class ${escaped}\\b|var ${escaped} = class\\b)`,
      'm',
    ).test(cjs)
  )
    throw new Error(`build: the compiler chunk's export ${name} (${local}) is not a constant, function or class`);
}
const exported = bindings.map(([name]) => name);
const { CHUNK_PARAMETERS } = await import(
  `data:text/javascript;base64,${Buffer.from(
    (
      await build({
        input: join(src, 'load/chunk-loader.ts'),
        platform: 'node',
        write: false,
        logLevel: 'silent',
        output: { format: 'esm' },
      })
    ).output[0].code,
  ).toString('base64')}`
);
const script = `(function (${CHUNK_PARAMETERS.join(', ')}) {'use strict'; ${cjs}\n})`;
const scriptName = compilerChunk.fileName.replace(/\.js$/, '.cjs');
writeFileSync(join(dist, scriptName), script);
const key = createHash('sha256').update(script).digest('hex').slice(0, 16);
const STAND_IN = '\0compiler-stand-in';
await build({
  input: { [compilerChunk.fileName.replace(/\.js$/, '')]: STAND_IN },
  platform: 'node',
  logLevel: 'warn',
  plugins: [
    {
      name: 'compiler-stand-in',
      resolveId: (id) => (id === STAND_IN ? id : null),
      load(id) {
        if (id !== STAND_IN) return null;
        return [
          `// The compiler chunk, ${scriptName}, run from V8's code cache (src/load/chunk-loader.ts; scripts/build.mjs).`,
          "const { runChunk } = process.getBuiltinModule('node:module').createRequire(import.meta.url)('./chunk-loader.cjs');",
          `export const codeCache = runChunk(new URL(${JSON.stringify(`./${scriptName}`)}, import.meta.url), ${JSON.stringify(key)}, (specifier) => import(specifier));`,
          `export const { ${exported.join(', ')} } = codeCache.exports;`,
          '',
        ].join('\n');
      },
    },
  ],
  output: {
    dir: dist,
    format: 'esm',
    entryFileNames: '[name].js',
    minify: false,
    charset: 'ascii',
    comments: { legal: true, annotation: true, jsdoc: false },
  },
});

// The loader as CommonJS (one instance per thread, whoever requires it first: the stand-in, dist/cli.cjs or
// dist/index.cjs), and the CommonJS twins of the entries that only re-export the chunk: dist/cli.cjs for
// bin/cdc-compile.js, dist/index.cjs for require('cdc-compile') (a config after sucrase). A compile then
// runs without Node's ES module loader.
/** One CommonJS file per input, in dist/ as `<name>.cjs`. */
const commonJs = (input, output = {}) =>
  build({
    input,
    platform: 'node',
    logLevel: 'warn',
    output: { dir: dist, format: 'cjs', entryFileNames: '[name].cjs', minify: false, ...output },
  });
await commonJs(
  { 'chunk-loader': join(src, 'load/chunk-loader.ts') },
  { charset: 'ascii', comments: { legal: true, annotation: true, jsdoc: false } },
);
for (const entry of ['cli', 'index']) {
  const esmEntry = readFileSync(join(dist, `${entry}.js`), 'utf8');
  const aliases = new Map();
  const names = [];
  for (const node of parseAst(esmEntry).body) {
    if (node.type === 'ImportDeclaration' && node.source.value === `./${compilerChunk.fileName}`)
      for (const s of node.specifiers) aliases.set(s.local.name, s.imported.name);
    else if (node.type === 'ExportNamedDeclaration' && !node.declaration && !node.source)
      for (const s of node.specifiers) names.push([s.exported.name, s.local.name]);
    else throw new Error(`build: dist/${entry}.js is not a re-export of the compiler chunk (${node.type})`);
  }
  const members = names.map(([name, local]) => {
    if (!aliases.has(local)) throw new Error(`build: dist/${entry}.js exports ${name}, not from the compiler chunk`);
    return `  ${name}: chunk.${aliases.get(local)},`;
  });
  writeFileSync(
    join(dist, `${entry}.cjs`),
    [
      `// dist/${entry}.js for require(): the compiler chunk's bindings, from the one instance (scripts/build.mjs).`,
      "'use strict';",
      "const { pathToFileURL } = require('node:url');",
      "const { runChunk } = require('./chunk-loader.cjs');",
      `const chunk = runChunk(new URL(${JSON.stringify(`./${scriptName}`)}, pathToFileURL(__filename)), ${JSON.stringify(key)}, (specifier) => import(specifier)).exports;`,
      'module.exports = {',
      ...members,
      '};',
      '',
    ].join('\n'),
  );
}

// sucrase as one CommonJS file (from its ES module build, which bundles without CommonJS wrappers); the
// package stays a dependency, so its LICENSE is installed beside it.
const sucraseDir = dirname(createRequire(import.meta.url).resolve('sucrase/package.json'));
const sucrasePackage = JSON.parse(readFileSync(join(sucraseDir, 'package.json'), 'utf8'));
await commonJs(
  { sucrase: join(sucraseDir, sucrasePackage.module) },
  {
    banner: `// sucrase ${sucrasePackage.version} (${sucrasePackage.license}, ${sucrasePackage.repository?.url ?? sucrasePackage.homepage}) and its dependencies, bundled by scripts/build.mjs.`,
  },
);

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
