/**
 * The Kafka security pass: `kafka.security` → SASL over TLS for every Kafka client of the stack (the Connect
 * worker and its producers, consumers and admin client; the Flink sources) and, with a deployment, the
 * brokers' listeners. One decision for every cluster profile: pipeline.sql and the connector configs do not
 * change between profiles, so neither does how they reach Kafka.
 *
 * The brokers (apache/kafka image, docker/resources/common-scripts/configure): the client and inter-broker
 * listener is SASL_SSL; the controller listener is SSL with client certificates required, so the KRaft
 * quorum is encrypted and only holders of a node certificate reach it (an unauthenticated controller port
 * would let any client past SASL through KIP-919's controller bootstrap). The image turns
 * KAFKA_SSL_KEYSTORE_FILENAME / _KEYSTORE_CREDENTIALS / _KEY_CREDENTIALS into the keystore location and
 * passwords, read from files under /etc/kafka/secrets, and wants the JAAS file in KAFKA_OPTS; a JAAS line
 * cannot travel as a KAFKA_* variable at all (the image drops values that contain '=').
 */
import type { SecretRef } from '../dsl/source.js';
import { error, type Diagnostic } from '../diagnostics.js';
import type { ValidConfig } from '../validate/index.js';
import { binding } from './debezium.js';
import type { DeploymentModel } from './deployment.js';
import type { KafkaSecurityModel, KeyValue } from './model.js';
import { BROKER_JAAS_FILE, secretEnv, securityLogins, truststorePassword, type SecretNames } from './secrets.js';

/** Where the client pods (Connect, Flink) mount the truststore, and the file in it. */
const CLIENT_TRUSTSTORE_DIR = '/opt/cdc/kafka-tls';
const TRUSTSTORE_FILE = 'truststore.p12';
/** The apache/kafka image reads its keystore and password files here (configure: /etc/kafka/secrets/$KAFKA_SSL_…). */
const BROKER_SECRETS_DIR = '/etc/kafka/secrets';
const BROKER_JAAS_DIR = '/etc/kafka/jaas';

export function kafkaSecurityPass(
  config: ValidConfig,
  deployment: DeploymentModel | undefined,
  secretNames: SecretNames,
  out: Diagnostic[],
): { security?: KafkaSecurityModel; deployment?: DeploymentModel } {
  const s = config.pipeline.options.kafka?.security;
  if (!s) return deployment ? { deployment } : {};
  const mechanism = s.mechanism;
  if (deployment && mechanism !== 'PLAIN')
    out.push(
      error(
        'KAFKA.SCRAM_DEPLOYED_BROKERS',
        `the deployed brokers cannot use ${mechanism}: SCRAM users live in the KRaft metadata, and the generated manifests do not create them (kafka-storage format --add-scram at first start, kafka-configs afterwards)`,
        { kind: 'pipeline', path: ['kafka', 'security', 'mechanism'] },
        "use mechanism: 'PLAIN' with the stack's brokers (users in the brokers' JAAS file), or SCRAM-SHA-512 without a deployment, against brokers you run",
      ),
    );
  const logins = securityLogins(s);
  const pw = truststorePassword(s);
  const bind = (ref: SecretRef, consumer: 'connect' | 'env') => binding(secretEnv(secretNames, ref), ref, consumer);
  const truststoreSecret = s.truststore ?? 'kafka-tls';
  // Under a loopback profile the Flink sources read the truststore where it is on this machine.
  const location = deployment?.localTruststore ?? `${CLIENT_TRUSTSTORE_DIR}/${TRUSTSTORE_FILE}`;
  const client = (login: string, password: string): KeyValue[] => [
    ['security.protocol', 'SASL_SSL'],
    ['sasl.mechanism', mechanism],
    ['sasl.jaas.config', login],
    ['ssl.truststore.type', 'PKCS12'],
    ['ssl.truststore.location', location],
    ['ssl.truststore.password', password],
  ];
  const connectLogin = bind(logins.connect, 'connect');
  const connectPassword = bind(pw, 'connect');
  const flinkLogin = bind(logins.flink, 'env');
  const flinkPassword = bind(pw, 'env');
  // The worker's own clients read the unprefixed settings; its source tasks' producers only `producer.*`,
  // sink consumers only `consumer.*`, and the topic-creating admin client `admin.*` over the unprefixed ones.
  const connectSettings = ['', 'producer.', 'consumer.', 'admin.'].flatMap((prefix) =>
    client(connectLogin.placeholder, connectPassword.placeholder).map(([k, v]): KeyValue => [`${prefix}${k}`, v]),
  );
  const keystoreSecret = s.broker?.keystore ?? 'kafka-broker-tls';
  const security: KafkaSecurityModel = {
    protocol: 'SASL_SSL',
    mechanism,
    truststore: {
      secret: truststoreSecret,
      file: TRUSTSTORE_FILE,
      passwordKey: pw.key,
      type: 'PKCS12',
      mountPath: CLIENT_TRUSTSTORE_DIR,
      location,
    },
    connect: { settings: connectSettings, env: [connectLogin, connectPassword] },
    flink: { settings: client(flinkLogin.placeholder, flinkPassword.placeholder), env: [flinkLogin, flinkPassword] },
    ...(deployment
      ? {
          broker: {
            keystore: {
              secret: keystoreSecret,
              file: 'keystore.p12',
              passwordKey: 'keystore-password',
              keyPasswordKey: 'key-password',
              mountPath: BROKER_SECRETS_DIR,
            },
            truststorePassword: {
              env: 'KAFKA_SSL_TRUSTSTORE_PASSWORD',
              secret: truststoreSecret,
              key: pw.key,
              placeholder: '${KAFKA_SSL_TRUSTSTORE_PASSWORD}',
            },
            jaas: {
              secret: logins.broker.name,
              key: logins.broker.key,
              mountPath: BROKER_JAAS_DIR,
              file: BROKER_JAAS_FILE,
            },
            jvmOptions: `-Djava.security.auth.login.config=${BROKER_JAAS_DIR}/${BROKER_JAAS_FILE}`,
            // Clients and brokers verify the host name (ssl.endpoint.identification.algorithm=https, the default).
            dnsNames: [deployment.services.kafka.host, `*.${deployment.services.kafkaHeadless.host}`],
          },
        }
      : {}),
    secrets: [
      ...new Set([
        truststoreSecret,
        logins.connect.name,
        logins.flink.name,
        ...(deployment ? [keystoreSecret, logins.broker.name] : []),
      ]),
    ],
  };
  if (!deployment) return { security };
  const S = deployment.services;
  const listeners: DeploymentModel['kafkaBroker'] = {
    clientListener: 'SASL_SSL',
    settings: [
      ['listeners', `SASL_SSL://:${S.kafka.port},CONTROLLER://:${deployment.kafkaControllerPort}`],
      ['listener.security.protocol.map', 'CONTROLLER:SSL,SASL_SSL:SASL_SSL'],
      ['controller.listener.names', 'CONTROLLER'],
      ['inter.broker.listener.name', 'SASL_SSL'],
      ['sasl.enabled.mechanisms', mechanism],
      ['sasl.mechanism.inter.broker.protocol', mechanism],
      // The quorum's nodes present their broker certificate to each other.
      ['listener.name.controller.ssl.client.auth', 'required'],
      ['ssl.keystore.type', 'PKCS12'],
      // Inter-broker and controller connections trust the same CA as every client.
      ['ssl.truststore.type', 'PKCS12'],
      ['ssl.truststore.location', `${BROKER_SECRETS_DIR}/${TRUSTSTORE_FILE}`],
    ],
  };
  return { security, deployment: { ...deployment, kafkaBroker: listeners } };
}
