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
