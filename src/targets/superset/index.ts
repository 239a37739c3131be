/** Superset family: the V1 asset bundle (YAML and zip) and its bootstrap script. */
export { emit } from './emit.js';
export { checkBundle, IMPORT_SCHEMAS_5_0, VIZ_TYPES_5_0 } from './checks.js';
