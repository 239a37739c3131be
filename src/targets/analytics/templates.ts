/**
 * The data the analytics templates receive (see src/targets/debezium/templates.ts for what that promises an
 * override: layout, never decisions).
 */

/** `analytics/schema.sql`: the landing tables. */
export interface SchemaSqlData {
  readonly header: string;
  /** The schema to create first, if any. */
  readonly createSchema: string | undefined;
  readonly tables: readonly {
    readonly title: string;
    /** Qualified table name. */
    readonly name: string;
    /** Column and primary-key lines with their commas. */
    readonly lines: readonly string[];
    /** `COMMENT ON …;` statements. */
    readonly comments: readonly string[];
  }[];
}

/** `analytics/views.sql`: the views, dropped and created again in one transaction. */
export interface ViewsSqlData {
  readonly header: string;
  /** The `DROP VIEW IF EXISTS` list in the Model's order (dependents first), with commas and the final `;`. */
  readonly drop: readonly string[];
  /** In dependency order. */
  readonly views: readonly {
    readonly title: string;
    /** `COMMENT ON VIEW …;`, if the view has a description. */
    readonly comment: string | undefined;
    readonly name: string;
    /** The view's body as written, and as a complete statement. */
    readonly sql: string;
    readonly statement: string;
  }[];
}
