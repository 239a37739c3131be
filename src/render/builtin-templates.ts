/**
 * The built-in templates, precompiled: the build (scripts/build.mjs) replaces this module in the bundle
 * with every templates/<name>.hbs precompiled by handlebars, so a compile loads only handlebars' runtime.
 * Run from source (tests), it is empty and render/templates.ts compiles templates/*.hbs at run time.
 */
export const BUILTIN: Readonly<Record<string, unknown>> = {};
