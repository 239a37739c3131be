/**
 * The real PostgreSQL server of the replication tests, from CDC_TEST_PG_URL (`.ci/run` starts one; so does
 * `scripts/ci-postgres.sh`). Test files that need it skip without it; `global-setup.ts` makes sure that
 * never happens silently.
 */
export const PG_URL: string | undefined = process.env['CDC_TEST_PG_URL'] || undefined;
