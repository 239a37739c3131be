/**
 * The data the ops template receives (see src/targets/debezium/templates.ts for what that promises an
 * override: layout, never decisions). Every value is a finished shell word.
 */

/** `ops/check.sh`: the smoke check of a running stack (seed §11.1). */
export interface CheckScriptData {
  readonly header: string;
  readonly pipeline: string;
  /** Default addresses (single-quoted shell words; `''` where the compile knows none). */
  readonly defaults: {
    readonly connect: string;
    readonly flink: string;
    readonly superset: string;
    /** libpq connection string of the analytics database, without credentials. */
    readonly analytics: string;
  };
  /** Environment variables the script falls back to for credentials (the Secret bindings' names). */
  readonly env: {
    /** `PGUSER` falls back to it when the analytics login is a Secret; else empty. */
    readonly analyticsUser: string;
    readonly analyticsPassword: string;
    /** Superset's login: a shell word, the name or the Secret-bound variable holding it. */
    readonly supersetUser: string;
    readonly supersetPassword: string;
  };
  readonly connectors: readonly string[];
  readonly jobs: readonly string[];
  /** Analytics tables and views as SQL names, each a shell word. */
  readonly tables: readonly string[];
  readonly views: readonly string[];
  /** Dashboard slugs, each a shell word. */
  readonly dashboards: readonly string[];
  /** Nothing of Superset to check (no dashboards, no deployment): the part is skipped unless asked for. */
  readonly skipSupersetByDefault: boolean;
}

/** `ops/apply-analytics.sh`: the analytics migrations, schema.sql and views.sql, in order. */
export interface ApplyAnalyticsData {
  readonly header: string;
  readonly pipeline: string;
  /** The migrations table's SQL name (for the comment). */
  readonly migrationsTable: string;
  readonly defaults: { readonly analytics: string };
  readonly env: CheckScriptData['env'];
  /** Paths relative to the output directory, in the order to run them, each a shell word. */
  readonly files: readonly string[];
}

/** Where a source database is reached (from its connector configuration), for the admin connection. */
export interface SourceAddress {
  readonly source: string;
  readonly host: string;
  readonly port: string;
  readonly database: string;
}

/** One operation of a change script (decided by src/plan/script.ts; rendered by ./change-script.ts). */
export type ScriptOp =
  /** Stop the RUNNING job of this name with a savepoint (nothing when none runs). `marker`: a job carrying it is the new one. */
  | { readonly kind: 'stop-job'; readonly job: string; readonly marker?: string }
  /** Run ops/apply-analytics.sh: the migrations (this change's among them), schema.sql and views.sql. */
  | { readonly kind: 'apply-analytics'; readonly migration?: string }
  /** A new source: its whole setup SQL (role, grants, replica identity, signal table, publication). */
  | { readonly kind: 'setup-source'; readonly source: string }
  /** Idempotent SQL on a source database. */
  | { readonly kind: 'source-sql'; readonly source: string; readonly sql: string }
  /**
   * PUT the connector's configuration (creates or replaces) and wait until its new task runs it: the tasks'
   * configurations are the new ones, the status RUNNING, and the replication slot read by another backend
   * than before the PUT (Connect updates the task configurations before it stops the old task).
   */
  | { readonly kind: 'put-connector'; readonly source: string; readonly connector: string; readonly slot: string }
  | { readonly kind: 'delete-connector'; readonly connector: string }
  /** Drop the replication slot once the connector is gone: only when it exists and no one reads it. */
  | { readonly kind: 'drop-slot'; readonly source: string; readonly slot: string; readonly sql: string }
  /** Insert the execute-snapshot signal (once: `sql` checks its id first). */
  | {
      readonly kind: 'signal';
      readonly source: string;
      readonly table: string;
      readonly id: string;
      readonly sql: string;
    }
  /**
   * Submit the job (only its tables' sources and sinks and its INSERT), unless a RUNNING job has its name;
   * first wait until the topics it reads exist (a Kafka source cannot start on a missing topic).
   */
  | {
      readonly kind: 'submit-job';
      readonly job: string;
      readonly restore: 'fresh';
      readonly marker: string;
      /** The topics it reads; a missing one is created as the connector would (its partitions, replication). */
      readonly topics: readonly {
        readonly connector: string;
        readonly topic: string;
        readonly partitions: string;
        /** Absent: the broker's default (the connector's -1). */
        readonly replicationFactor?: string;
      }[];
    }
  /** Topics nothing reads any more: listed as commands; deleted only when the script is told to. */
  | { readonly kind: 'delete-topics'; readonly topics: readonly string[] };

export interface ScriptStep {
  readonly layer: 'source' | 'connector' | 'kafka' | 'flink' | 'analytics';
  /** What the step does, as the plan prints it and the script announces it. */
  readonly action: string;
  readonly op: ScriptOp;
  /** The change ids it carries out. */
  readonly changes: readonly string[];
}

export interface ChangeScriptPlan {
  /** `NNNN_<slug>`. */
  readonly id: string;
  readonly path: string;
  readonly steps: readonly ScriptStep[];
  /** Admin connections of the sources the steps touch (old or new). */
  readonly sources: readonly SourceAddress[];
}

/** `ops/changes/NNNN_<slug>.sh`: every value a finished shell word or a line of the script. */
export interface ChangeScriptData {
  readonly header: string;
  readonly id: string;
  /** The script's file name (for messages). */
  readonly file: string;
  readonly pipeline: string;
  readonly defaults: {
    readonly connect: string;
    readonly flink: string;
    readonly analytics: string;
    readonly kafka: string;
    readonly savepointDir: string;
  };
  readonly env: { readonly analyticsUser: string; readonly analyticsPassword: string };
  /** Variables Flink SQL's placeholders are filled from. */
  readonly flinkEnv: readonly string[];
  /** The command that fills them in (envsubst with the explicit list, or cat). */
  readonly substitute: string;
  /** New sources' replication role passwords: the variable each comes from. */
  readonly rolePasswords: readonly { readonly env: string }[];
  /** Sources the script connects to: name and default connection string (shell words), and as text. */
  readonly sources: readonly { readonly name: string; readonly conninfo: string; readonly conninfoText: string }[];
  readonly needsPsql: boolean;
  /** ops/apply-analytics.sh, relative to the output directory. */
  readonly applyAnalytics: string;
  readonly steps: readonly {
    readonly number: number;
    readonly layer: string;
    /** The action as text (header comment) and as a shell word. */
    readonly comment: string;
    readonly action: string;
    /** Shell lines that carry the step out (calls of the script's functions, here-documents). */
    readonly lines: readonly string[];
  }[];
}
