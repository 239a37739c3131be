/** The Kubernetes family: packaging of the other families' artefacts (see emit.ts). */
export { emit } from './emit.js';
export { checkObjects, placeholders } from './checks.js';
