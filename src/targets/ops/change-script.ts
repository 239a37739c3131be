/**
 * One change script (`ops/changes/NNNN_<slug>.sh`), rendered from the steps `plan/script.ts` decided.
 * Self-contained: the connector configurations, setup SQL and Flink SQL it needs are written into it (as
 * quoted here-documents), because it is history — kept byte for byte by every later compile, it must do
 * what it did when it was written, not what the files beside it say later.
 */
import { InternalError } from '../../diagnostics.js';
import { shellString } from '../../render/text.js';
import type { Model } from '../../resolve/model.js';
import { header, type Artefact, type EmitContext } from '../artefact.js';
import { pipelineData } from '../flink/emit.js';
import type { ChangeScriptData, ChangeScriptPlan, ScriptStep } from './templates.js';

/** A quoted here-document feeding `command`: nothing in `text` is expanded. */
function heredoc(command: string, delimiter: string, text: string): string[] {
  const lines = text.replace(/\n$/, '').split('\n');
  if (lines.includes(delimiter)) throw new InternalError(`a here-document's text holds its delimiter ${delimiter}`);
  return [`${command} <<'${delimiter}'`, ...lines, delimiter];
}

const textOf = (files: ReadonlyMap<string, string | Uint8Array>, path: string): string => {
  const text = files.get(path);
  if (typeof text !== 'string') throw new InternalError(`the change script needs ${path}, which was not emitted`);
  return text;
};

const setting = (model: Model, key: string) => model.flink.settings.find(([k]) => k === key)?.[1];

export function renderChangeScript(
  plan: ChangeScriptPlan,
  model: Model,
  /** The artefacts of this compile (the connector configurations and setup SQL come from them). */
  artefacts: readonly Artefact[],
  ctx: EmitContext,
): Artefact {
  const files = new Map(artefacts.map((a) => [a.path, a.contents]));
  const sources = new Map(model.sources.map((s) => [s.name, s]));
  const a = model.analytics;
  const lines = (step: ScriptStep): string[] => {
    const op = step.op;
    switch (op.kind) {
      case 'stop-job':
        return [`stop_job ${shellString(op.job)}${op.marker ? ` ${shellString(op.marker)}` : ''}`];
      case 'apply-analytics':
        return ['apply_analytics'];
      case 'setup-source': {
        const s = sources.get(op.source)!;
        return [
          ...heredoc(`source_sql ${shellString(s.name)}`, 'CDC_SETUP_SQL', textOf(files, s.files.setup)),
          `role_password ${shellString(s.name)} ${shellString(s.user)} ${s.password.env}`,
        ];
      }
      case 'source-sql':
      case 'signal':
        return heredoc(`source_sql ${shellString(op.source)}`, 'CDC_SQL', op.sql);
      case 'put-connector': {
        const s = sources.get(op.source)!;
        return heredoc(
          `put_connector ${shellString(op.connector)} ${shellString(op.source)} ${shellString(op.slot)}`,
          'CDC_CONNECTOR',
          textOf(files, s.files.connector),
        );
      }
      case 'delete-connector':
        return [`delete_connector ${shellString(op.connector)}`];
      case 'drop-slot':
        return heredoc(`drop_slot ${shellString(op.source)} ${shellString(op.slot)}`, 'CDC_SQL', op.sql);
      case 'submit-job': {
        const global = setting(model, 'pipeline.global-job-parameters');
        const marker = `cdc.change:${op.marker}`;
        const data = pipelineData(
          model,
          ctx,
          [op.job],
          [['pipeline.global-job-parameters', global ? `${global},${marker}` : marker]],
        );
        const sql = ctx.render('flink/pipeline.sql', data);
        const topics = op.topics
          .map((t) => shellString([t.connector, t.topic, t.partitions, t.replicationFactor ?? ''].join(':')))
          .join(' ');
        return heredoc(`submit_job ${shellString(op.job)}${topics ? ` ${topics}` : ''}`, 'CDC_FLINK_SQL', sql);
      }
      case 'delete-topics':
        return [`delete_topics ${op.topics.map(shellString).join(' ')}`];
    }
  };
  const env = model.flink.env.map((b) => b.env);
  const placeholders = model.flink.env.map((b) => b.placeholder).join(' ');
  const newSources = plan.steps.flatMap((s) => (s.op.kind === 'setup-source' ? [sources.get(s.op.source)!] : []));
  const file = plan.path.slice(plan.path.lastIndexOf('/') + 1);
  const conninfo = (s: ChangeScriptPlan['sources'][number]) => `host=${s.host} port=${s.port} dbname=${s.database}`;
  const data: ChangeScriptData = {
    header: header(ctx, '#'),
    id: plan.id,
    file,
    pipeline: model.pipeline.name,
    defaults: {
      connect: shellString(model.connect.url),
      flink: shellString(model.deployment?.urls.flinkRest ?? ''),
      analytics: shellString(
        `host=${a.host} port=${a.port} dbname=${a.database}${typeof a.user === 'string' ? ` user=${a.user}` : ''}`,
      ),
      kafka: shellString(
        model.tables[0]?.flink.sourceOptions.find(([k]) => k === 'properties.bootstrap.servers')?.[1] ?? '',
      ),
      savepointDir: shellString(setting(model, 'execution.checkpointing.savepoint-dir') ?? ''),
    },
    env: {
      analyticsUser: typeof a.user === 'string' ? '' : a.user.env,
      analyticsPassword: a.password.env,
    },
    flinkEnv: env,
    substitute: placeholders ? `envsubst ${shellString(placeholders)}` : 'cat',
    rolePasswords: newSources.map((s) => ({ env: s.password.env })),
    sources: plan.sources.map((s) => ({
      name: shellString(s.source),
      conninfo: shellString(conninfo(s)),
      conninfoText: `${s.source}=${conninfo(s)}`,
    })),
    needsPsql: plan.steps.some((s) =>
      ['apply-analytics', 'setup-source', 'source-sql', 'signal', 'drop-slot'].includes(s.op.kind),
    ),
    applyAnalytics: model.ops.applyAnalytics,
    steps: plan.steps.map((s, i) => ({
      number: i + 1,
      layer: s.layer,
      comment: s.action,
      action: shellString(s.action),
      lines: lines(s),
    })),
  };
  return { path: plan.path, contents: ctx.render('ops/change-script.sh', data), executable: true };
}
