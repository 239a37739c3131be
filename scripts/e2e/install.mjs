// Obtains every engine the end-to-end stack runs, from the registries only, into a cache that survives
// runs (default /var/cache/cdc-compile/e2e): Kafka (broker and Connect) and the Debezium PostgreSQL
// connector as Maven artefacts (through mvn, into the Maven local repository, then copied into one folder
// per set), and Flink's full distribution from PyPI's apache-flink + apache-flink-libraries in a venv,
// with the Model's connector jars (deployment.flinkJars: the same list the Flink image build reads) in
// its lib/. A set is reused when its marker file names the same versions; otherwise rebuilt.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  copyFileSync,
  chmodSync,
} from 'node:fs';
import { join } from 'node:path';
import { run } from './proc.mjs';

export const CACHE = process.env.CDC_E2E_CACHE ?? '/var/cache/cdc-compile/e2e';

/** A pom whose only job is to list `deps` for dependency:copy-dependencies. */
function pom(name, deps) {
  const dep = ({ g, a, v, scope, exclusions = [] }) => `    <dependency>
      <groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version>${scope ? `<scope>${scope}</scope>` : ''}
      <exclusions>${exclusions.map(([eg, ea]) => `<exclusion><groupId>${eg}</groupId><artifactId>${ea}</artifactId></exclusion>`).join('')}</exclusions>
    </dependency>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>cdc-compile.e2e</groupId><artifactId>${name}</artifactId><version>0</version><packaging>pom</packaging>
  <dependencies>
${deps.map(dep).join('\n')}
  </dependencies>
</project>
`;
}

/** Copies the runtime closure of `deps` into `dir` (flat jars), via the Maven local repository. */
async function mavenSet(name, deps, dir, log, extraArgs = []) {
  const work = `${dir}.pom`;
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'pom.xml'), pom(name, deps));
  rmSync(dir, { recursive: true, force: true });
  await run(
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      join(work, 'pom.xml'),
      'dependency:copy-dependencies',
      `-DoutputDirectory=${dir}`,
      '-DincludeScope=runtime',
      ...extraArgs,
    ],
    { log, what: `Maven set ${name}` },
  );
}

const marker = (dir) => join(dir, '.cdc-e2e-versions');
const upToDate = (dir, key) => existsSync(marker(dir)) && readFileSync(marker(dir), 'utf8') === key;
const mark = (dir, key) => writeFileSync(marker(dir), key);
// The seconds the download and install took when the set was made: a cached run reports the first run's.
const tookFile = (dir) => join(dir, '.cdc-e2e-took');
const firstTook = (dir) => (existsSync(tookFile(dir)) ? Number(readFileSync(tookFile(dir), 'utf8')) : null);

/**
 * Installs what is missing. `versions` is the Model's version table, `flinkJars` its Flink jar list.
 * Returns the folders, the seconds each set took (0 when it came from the cache) and, per set, the seconds
 * its first download took (`first`; null for a set cached before this was recorded).
 */
export async function install({ versions, flinkJars }, logDir) {
  mkdirSync(CACHE, { recursive: true });
  const took = {};
  const first = {};
  const timed = async (what, dir, key, fn) => {
    if (upToDate(dir, key)) {
      took[what] = 0;
      first[what] = firstTook(dir);
      return;
    }
    const t0 = performance.now();
    await fn();
    mark(dir, key);
    took[what] = (performance.now() - t0) / 1000;
    first[what] = took[what];
    writeFileSync(tookFile(dir), String(Math.round(took[what])));
  };

  // Kafka broker and Connect worker on one classpath, as the distribution's libs/ folder has them. The
  // broker's logging back end (reload4j) is a compile-only dependency of the core, so it is named here.
  const kafkaDir = join(CACHE, `kafka-${versions.kafka}`);
  await timed('kafka', kafkaDir, `kafka ${versions.kafka} tools\n`, () =>
    mavenSet(
      'kafka',
      [
        { g: 'org.apache.kafka', a: 'kafka_2.13', v: versions.kafka },
        { g: 'org.apache.kafka', a: 'connect-runtime', v: versions.kafka },
        { g: 'org.apache.kafka', a: 'connect-json', v: versions.kafka },
        // TopicCommand, for listing topics.
        { g: 'org.apache.kafka', a: 'kafka-tools', v: versions.kafka },
        { g: 'ch.qos.reload4j', a: 'reload4j', v: '1.2.25' },
        { g: 'org.slf4j', a: 'slf4j-reload4j', v: '1.7.36' },
      ],
      kafkaDir,
      join(logDir, 'install-kafka.log'),
    ),
  );

  // The Debezium plugin: the connector's runtime closure without what Connect itself provides (the Kafka
  // API, slf4j) and without Jackson, which the plugin archive leaves out too (Connect's own is used).
  const pluginRoot = join(CACHE, `debezium-${versions.debezium}`);
  const pluginDir = join(pluginRoot, 'debezium-connector-postgres');
  await timed('debezium', pluginRoot, `debezium ${versions.debezium}\n`, async () => {
    rmSync(pluginRoot, { recursive: true, force: true });
    mkdirSync(pluginRoot, { recursive: true });
    await mavenSet(
      'debezium',
      [{ g: 'io.debezium', a: 'debezium-connector-postgres', v: versions.debezium }],
      pluginDir,
      join(logDir, 'install-debezium.log'),
      ['-DexcludeGroupIds=org.apache.kafka,org.slf4j,com.fasterxml.jackson.core,com.fasterxml.jackson.datatype'],
    );
  });

  // Flink: the full distribution that PyPI's packages carry (pyflink/ is a FLINK_HOME: bin/, conf/, lib/,
  // opt/), installed without the Python API's own dependencies, plus the Model's connector jars.
  const flinkRoot = join(CACHE, `flink-${versions.flink}`);
  const venv = join(flinkRoot, 'venv');
  const jarKey = flinkJars.map((j) => `${j.group}:${j.artifact}:${j.version}`).join('\n');
  await timed('flink', flinkRoot, `flink ${versions.flink} gateway\n${jarKey}\n`, async () => {
    rmSync(flinkRoot, { recursive: true, force: true });
    mkdirSync(flinkRoot, { recursive: true });
    const log = join(logDir, 'install-flink.log');
    await run('python3', ['-m', 'venv', venv], { log, what: 'python venv for Flink' });
    await run(
      join(venv, 'bin', 'pip'),
      [
        'install',
        '--no-deps',
        '--disable-pip-version-check',
        `apache-flink==${versions.flink}`,
        `apache-flink-libraries==${versions.flink}`,
      ],
      { log, what: `pip install apache-flink==${versions.flink}` },
    );
    const home = flinkHomeIn(venv);
    for (const f of readdirSync(join(home, 'bin'))) chmodSync(join(home, 'bin', f), 0o755);
    const jarsDir = join(flinkRoot, 'jars');
    // The SQL client runs on the SQL gateway's classes (opt/flink-sql-gateway in the full distribution),
    // which the PyPI packages leave out.
    const gateway = { g: 'org.apache.flink', a: 'flink-sql-gateway', v: versions.flink };
    await mavenSet(
      'flink-jars',
      [...flinkJars.map((j) => ({ g: j.group, a: j.artifact, v: j.version })), gateway],
      jarsDir,
      log,
      ['-DexcludeTransitive=true'],
    );
    for (const j of flinkJars) copyFileSync(join(jarsDir, j.file), join(home, 'lib', j.file));
    copyFileSync(
      join(jarsDir, `flink-sql-gateway-${versions.flink}.jar`),
      join(home, 'opt', `flink-sql-gateway-${versions.flink}.jar`),
    );
  });
  return { kafkaDir, pluginRoot, flinkHome: flinkHomeIn(venv), took, first };
}

function flinkHomeIn(venv) {
  const lib = join(venv, 'lib');
  const py = readdirSync(lib).find((d) => d.startsWith('python'));
  return join(lib, py, 'site-packages', 'pyflink');
}
