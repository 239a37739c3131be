import type { Model } from '../resolve/model.js';
import type { Artefact, EmitContext } from './artefact.js';
import { emit as analytics } from './analytics/emit.js';
import { emit as debezium } from './debezium/emit.js';
import { emit as flink } from './flink/emit.js';

/** Every target family, in output order. Each is a pure `(model, ctx) => Artefact[]`. */
export const TARGETS = { debezium, flink, analytics } as const;

export function emitAll(model: Model, ctx: EmitContext): Artefact[] {
  return Object.values(TARGETS).flatMap((emit) => emit(model, ctx));
}
