/**
 * The data the Flink template receives (see src/targets/debezium/templates.ts for what that promises an
 * override: layout, never decisions).
 */

/** One captured table: its Kafka source and JDBC sink, as lines ready to lay out. */
export interface FlinkTableData {
  readonly title: string;
  readonly sourceTable: string;
  /** Column lines with their commas, the primary key last. */
  readonly sourceColumns: readonly string[];
  /** `'key' = 'value'` lines with their commas. */
  readonly sourceOptions: readonly string[];
  readonly sinkTable: string;
  readonly sinkColumns: readonly string[];
  readonly sinkOptions: readonly string[];
}

/** `flink/pipeline.sql`: for `sql-client.sh -f`. */
export interface PipelineSqlData {
  readonly header: string;
  /** One line per placeholder to substitute before submission: `${VAR} from Secret name (key k)`. */
  readonly env: readonly string[];
  readonly taskManagerUtc: boolean;
  /** `SET 'key' = 'value';` statements. */
  readonly settings: readonly string[];
  readonly tables: readonly FlinkTableData[];
  /**
   * The jobs to submit, in order (the Model decides per-table INSERT jobs or one STATEMENT SET):
   * `name` as a string literal, each INSERT statement complete with its semicolon.
   */
  readonly jobs: readonly {
    readonly name: string;
    readonly statementSet: boolean;
    readonly inserts: readonly string[];
  }[];
}
