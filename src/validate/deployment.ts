import { z } from 'zod';
import { COMPONENT_NAMES, NODE_PORT_NAMES, VERSION_KEYS } from '../dsl/deployment.js';
import { secretRef } from './schema.js';

/** zod schema of `definePipeline({ deployment })` (types in src/dsl/deployment.ts). */

/** DNS-1123 label: namespaces and Service names (they become host names). */
export const dnsLabel = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, { message: 'must be a DNS-1123 label (lower-case letters, digits and -)' });

// A Kubernetes quantity as people write them: 250m, 2, 1.5, 512Mi, 10Gi.
const cpu = z.string().regex(/^\d+(\.\d+)?m?$/, { message: "must be a CPU quantity like '250m' or '2'" });
const memory = z.string().regex(/^\d+(Ki|Mi|Gi|Ti)$/, { message: "must be a memory quantity like '512Mi' or '2Gi'" });
const port = z.number().int().min(1).max(65535);

const resources = z
  .object({
    requests: z.object({ cpu: cpu.optional(), memory: memory.optional() }).strict().optional(),
    limits: z.object({ cpu: cpu.optional(), memory: memory.optional() }).strict().optional(),
  })
  .strict();

const component = z
  .object({
    replicas: z.number().int().min(1).max(99).optional(),
    resources: resources.optional(),
    storage: memory.optional(),
    savepointStorage: memory.optional(),
    localPort: port.optional(),
    // An absolute path on this machine; it is written into pipeline.sql's Kafka options as is.
    localTruststore: z
      .string()
      .regex(/^\/[A-Za-z0-9._/-]*$/, { message: "must be an absolute path of letters, digits, '.', '_', '-' and '/'" })
      .optional(),
  })
  .strict();

const demoValue = z.union([
  z.string().regex(/^[^\x00]*$/, { message: 'must not contain NUL' }),
  z.number().finite(),
  z.boolean(),
  z.null(),
]);

const databaseSettings = {
  deploy: z.boolean().optional(),
  externalHost: z
    .string()
    .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, { message: 'must be a DNS name (ExternalName takes no IP)' })
    .optional(),
  storage: memory.optional(),
  resources: resources.optional(),
  demoRows: z.record(z.array(z.record(demoValue))).optional(),
  localPort: port.optional(),
};

const settings = {
  components: z
    .object(Object.fromEntries(COMPONENT_NAMES.map((c) => [c, component.optional()])))
    .strict()
    .optional(),
  databases: z.record(z.object(databaseSettings).strict()).optional(),
  nodePorts: z
    .object(
      Object.fromEntries(NODE_PORT_NAMES.map((n) => [n, z.union([z.number().int(), z.literal(false)]).optional()])),
    )
    .strict()
    .optional(),
  taskSlots: z.number().int().min(1).max(1024).optional(),
  devSecrets: z.boolean().optional(),
  networkPolicies: z.boolean().optional(),
};

export const profileOptions = z.object({ ...settings, endpoints: z.enum(['cluster', 'loopback']).optional() }).strict();

export const deploymentOptions = z
  .object({
    ...settings,
    namespaces: z.object({ infra: dnsLabel.optional(), analytics: dnsLabel.optional() }).strict().optional(),
    databases: z
      .record(
        z
          .object({
            ...databaseSettings,
            namespace: dnsLabel.optional(),
            service: dnsLabel.optional(),
            adminPassword: secretRef.optional(),
          })
          .strict(),
      )
      .optional(),
    versions: z
      .object(
        Object.fromEntries(
          VERSION_KEYS.map((k) => [
            k,
            z
              .string()
              .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'must be an exact version (an image tag)' })
              .optional(),
          ]),
        ),
      )
      .strict()
      .optional(),
    imageRegistry: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9._:/-]*[a-z0-9])?$/, {
        message: 'must be a registry prefix like registry.example.com/cdc',
      })
      .optional(),
    secrets: z
      .object({ supersetSecretKey: secretRef.optional(), supersetAdminPassword: secretRef.optional() })
      .strict()
      .optional(),
    profiles: z.record(dnsLabel, profileOptions).optional(),
  })
  .strict();
