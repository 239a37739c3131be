/**
 * Vitest global setup. Without CDC_TEST_PG_URL the real-PostgreSQL tests skip: in CI (CI set) that is a
 * failure before any test runs; elsewhere the run passes and ends with one loud line saying so.
 */
import { PG_URL } from './postgres-url.js';

export default function setup(): (() => void) | undefined {
  if (PG_URL) return undefined;
  if (process.env['CI']) {
    throw new Error('CDC_TEST_PG_URL is not set: CI must run the real-PostgreSQL tests (.ci/run starts a server)');
  }
  return () => {
    console.warn(
      '\n!!! NOT RUN: the real-PostgreSQL tests (CDC_TEST_PG_URL is not set; start a server with scripts/ci-postgres.sh)\n',
    );
  };
}
