/**
 * The data the Superset template receives (see src/targets/debezium/templates.ts for what that promises an
 * override: layout, never decisions).
 */

/** `superset/bootstrap`: the Python import script. Strings marked "literal" are already Python literals. */
export interface BootstrapData {
  readonly header: string;
  /** Literal: the JSON of every asset (kind, name, UUID) the bundle holds, and the pipeline's UUID namespace. */
  readonly assets: string;
  /** Literal: the default Superset URL (`SUPERSET_URL` overrides it). */
  readonly url: string;
  /** Literal: the default admin login, `''` when it comes from a Secret. */
  readonly user: string;
  /** Environment variable that overrides (or holds) the admin login. */
  readonly userEnv: string;
  /** Environment variable holding the admin password. */
  readonly passwordEnv: string;
  /** Literal: the environment variable holding the analytics login, `''` when it is a plain name. */
  readonly databaseUserEnv: string;
  /** Environment variable holding the analytics password (sent in the import's `passwords` field). */
  readonly databasePasswordEnv: string;
  /** Literal: the zip's file name beside the script. */
  readonly bundleFile: string;
  /** One line per Secret-backed variable, for the script's help text. */
  readonly secrets: readonly string[];
}
