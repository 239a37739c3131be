// handlebars' runtime (what precompiled templates need, without the compiler). The package's own
// runtime.d.ts declares no exports, so the CommonJS file is imported by path and typed here.
declare module 'handlebars/dist/cjs/handlebars.runtime.js' {
  const runtime: { template(spec: unknown): (data: object) => string };
  export default runtime;
}
