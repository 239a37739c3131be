import type { Diagnostic } from '../diagnostics.js';
import type { Model } from '../resolve/model.js';
import type { Artefact, EmitContext } from './artefact.js';
import { emit as analytics } from './analytics/emit.js';
import { emit as debezium } from './debezium/emit.js';
import { emit as docs } from './docs/emit.js';
import { emit as flink } from './flink/emit.js';
import { emit as kubernetes } from './kubernetes/index.js';
import { emit as ops } from './ops/emit.js';
import { emit as superset } from './superset/index.js';

/** Content families, in output order. Each is a pure `(model, ctx) => Artefact[]`. */
export const TARGETS = { debezium, flink, analytics, superset, ops, docs } as const;

/** Packaging families: phase two, given the content families' artefacts (never re-reading files). */
export const PACKAGERS = { kubernetes } as const;

export function emitAll(model: Model, ctx: EmitContext): { artefacts: Artefact[]; diagnostics: Diagnostic[] } {
  const content = [...Object.values(TARGETS).flatMap((emit) => emit(model, ctx)), ...(ctx.migrations ?? [])];
  const packaged = Object.values(PACKAGERS).map((emit) => emit(model, ctx, content));
  return {
    artefacts: [...content, ...packaged.flatMap((p) => p.artefacts)],
    diagnostics: packaged.flatMap((p) => p.diagnostics),
  };
}
