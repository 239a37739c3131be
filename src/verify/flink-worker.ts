/**
 * Worker thread of verify's static step: loads the Flink SQL grammar (dt-sql-parser, ~1 s) while the main
 * thread starts PostgreSQL, then validates the script it is sent. Replies `{ errors }` with 1-based lines.
 */
import { register } from 'node:module';
import { parentPort } from 'node:worker_threads';

register(new URL('./dir-import-hook.js', import.meta.url));

const WARM_UP = `SET 'a.b' = 'c';
CREATE TABLE k (\`id\` STRING, \`n\` DECIMAL(10, 2), \`t\` TIMESTAMP_LTZ(3), PRIMARY KEY (\`id\`) NOT ENFORCED) WITH ('connector' = 'kafka');
INSERT INTO s (\`id\`, \`n\`, \`t\`) SELECT \`id\`, CAST(\`n\` AS DECIMAL(10, 2)), TO_TIMESTAMP_LTZ(\`t\`, 3) AS \`t\` FROM k;`;
// The Flink dialect alone: the package's index loads every dialect it has (seconds more).
const loading = import('dt-sql-parser/dist/parser/flink/index.js').then(({ FlinkSQL }) => {
  const parser = new FlinkSQL();
  // ANTLR builds its prediction tables on first use (most of the time of a first parse): warm them on the
  // statement shapes of pipeline.sql while the main thread is still compiling and starting PostgreSQL.
  parser.validate(WARM_UP);
  return parser;
});

parentPort!.on('message', (message: { sql: string }) => {
  loading
    .then((parser) => {
      const errors = parser.validate(message.sql).map((e) => ({
        line: e.startLine,
        column: e.startColumn,
        message: e.message,
      }));
      parentPort!.postMessage({ errors });
    })
    .catch((err: unknown) => parentPort!.postMessage({ failure: String((err as Error)?.stack ?? err) }));
});
