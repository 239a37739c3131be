/**
 * A module resolve hook for the Flink grammar's worker: dt-sql-parser's ESM build imports its own files
 * without extensions (`./parser`, `./common/basicSQL`), which Node's ESM resolver refuses. Only relative
 * imports from inside dt-sql-parser that fail are retried, as `<path>.js` or `<path>/index.js`.
 */
interface Context {
  readonly parentURL?: string;
}
type Next = (specifier: string, context: Context) => Promise<unknown>;

export async function resolve(specifier: string, context: Context, next: Next): Promise<unknown> {
  try {
    return await next(specifier, context);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (!specifier.startsWith('.') || !context.parentURL?.includes('/dt-sql-parser/')) throw err;
    if (code === 'ERR_UNSUPPORTED_DIR_IMPORT') return next(`${specifier}/index.js`, context);
    if (code === 'ERR_MODULE_NOT_FOUND') return next(`${specifier}.js`, context);
    throw err;
  }
}
