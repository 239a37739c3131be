/**
 * The one credential policy. Every string the config hands the compiler passes through it before it can
 * reach an artefact (validate walks every entity's options; view SQL literals are checked token by token),
 * and the artefact scanner (./scan.ts) applies the same rules to generated files. A credential-shaped
 * value outside secret() is an error, never silently redacted: generated files may only name a Secret.
 */
import { entityKind, isFrozenData } from '../dsl/entity.js';
import type { SecretRef } from '../dsl/source.js';

/** Last words of a key that say it holds a location, a switch or a class, not the credential itself. */
const NOT_A_VALUE = new Set([
  'location',
  'path',
  'file',
  'dir',
  'type',
  'url',
  'uri',
  'endpoint',
  'algorithm',
  'source',
  'provider',
  'class',
  // `secretName` (a Kubernetes volume's Secret), `token-name`: what names it, not what it holds.
  'name',
  'mechanism',
  'enabled',
  'enable',
  'format',
  'mode',
  'ms',
  'timeout',
  'interval',
]);

/**
 * Whether a property, setting, parameter or environment variable name names a credential:
 * `sasl.jaas.config`, `basic.auth.user.info`, `ssl.key.password`, `security.ssl.keystore-password`,
 * `s3.secret-key`, `fs.s3a.access.key`, `database.sslpassword`, `ECOM_DB_PASSWORD`… Only the last
 * dotted segment is read (so `basic.auth.credentials.source` or `sasl.oauthbearer.token.endpoint.url`
 * are not), except for the keys whose credential sits mid-name.
 */
export function isCredentialKey(key: string): boolean {
  // The same few keys (type, description, name, …) come back for every column of a large config.
  let known = credentialKeys.get(key);
  if (known === undefined) {
    if (credentialKeys.size > 10_000) credentialKeys.clear();
    credentialKeys.set(key, (known = credentialKeyUncached(key)));
  }
  return known;
}

const credentialKeys = new Map<string, boolean>();

function credentialKeyUncached(key: string): boolean {
  const lower = key.toLowerCase();
  if (/jaas|(^|[._-])user[._-]?info$|(^|\.)account\.key\./.test(lower)) return true;
  // Kafka's PASSWORD-typed PEM material.
  if (/\.(keystore|truststore)\.(certificate\.chain|certificates|key)$/.test(lower)) return true;
  const last = key.split('.').at(-1) ?? key;
  const words = last
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s_-]+/)
    .filter(Boolean);
  const lastWord = words.at(-1);
  if (!lastWord || NOT_A_VALUE.has(lastWord)) return false;
  if (/password|passwd|passphrase|secret|token|credential|apikey|accesskey|privatekey/.test(words.join('')))
    return true;
  if (words.includes('pwd')) return true;
  // `fs.s3a.access.key`, `ssl.keystore.key`; a bare `key` (a Secret's key, a Kafka record key) is not one.
  return lastWord === 'key' && words.length === 1 && key.includes('.');
}

/**
 * Values that stand for a credential without being one: `${NAME}` and `${env:NAME}` references the
 * runner or Kafka Connect fills, masks consumers require (Superset's `XXXXXXXXXX`), and clearly
 * labelled development placeholders.
 */
export function isPlaceholder(value: string): boolean {
  const v = value.replace(/^(["'])(.*)\1$/, '$2');
  return (
    /^\$\{[A-Za-z_][\w.:/-]*\}$/.test(v) ||
    /^\$\(?[A-Za-z_]\w*\)?$/.test(v) ||
    /^(X{6,}|\*{6,})$/.test(v) ||
    /(^|[^a-z])(placeholder|change[-_]?me|replace[-_]?me|dev[-_]?only|not[-_]?a[-_]?secret)([^a-z]|$)/i.test(v)
  );
}

export interface CredentialInText {
  /** Offset of the credential-shaped part in the text. */
  readonly offset: number;
  /** What it is, for the message (never the value itself). */
  readonly what: string;
}

const MAY_HOLD_CREDENTIAL = /=|:\/\/|-----BEGIN|AKIA|ASIA|gh[pousr]_|xox[abprs]-/;
const URL_USERINFO = /\b[a-z][a-z0-9+.-]*:\/\/([^\s/?#@'"]+)@/gi;
const PARAMETER = /(^|[?&;\s,(])([A-Za-z][\w.-]*)\s*=\s*("[^"]*"|'[^']*'|[^\s&;,)]+)/g;
const TOKEN_SHAPES: readonly [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a PEM private key'],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, 'a GitHub token'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
];

/**
 * The first credential inside a free-form value: userinfo in any URL (`postgres://u:p@h`, a JDBC URL,
 * a checkpoint directory), a credential-named parameter (`analytics?password=…`, libpq's
 * `password=…`, JAAS `password="…"`), or a well-known key or token shape.
 */
export function credentialInText(text: string): CredentialInText | undefined {
  // What every pattern below needs (a URL's '://', a parameter's '=', a key's or token's prefix): most
  // strings have none of it.
  if (!MAY_HOLD_CREDENTIAL.test(text)) return undefined;
  const found: CredentialInText[] = [];
  for (const m of text.matchAll(URL_USERINFO)) {
    const userinfo = m[1]!;
    const password = userinfo.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : undefined;
    if (password !== undefined && isPlaceholder(password)) continue;
    found.push({
      offset: m.index! + m[0].length - userinfo.length - 1,
      what: `a URL with credentials in it (${password === undefined ? 'user@' : 'user:password@'})`,
    });
  }
  for (const m of text.matchAll(PARAMETER)) {
    const [, lead, key, value] = m;
    if (!isCredentialKey(key!) || isPlaceholder(value!)) continue;
    found.push({ offset: m.index! + lead!.length, what: `a '${key}=' parameter` });
  }
  for (const [pattern, what] of TOKEN_SHAPES) {
    const m = pattern.exec(text);
    if (m) found.push({ offset: m.index, what });
  }
  return found.sort((a, b) => a.offset - b.offset)[0];
}

export interface PlaintextCredential {
  /** Property path inside the walked value. */
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** Offset inside the string when the credential is part of it. */
  readonly offset?: number;
}

/** Column types' specs without a credential (the DSL shares one frozen spec per column type). */
const cleanSpecs = new WeakSet<object>();

/**
 * Every credential-shaped value in a config entity's options, outside secret(). Values under a key that
 * names a credential are refused whole; every other string is searched for credentials inside it.
 * Other DSL entities are skipped (each is walked as its own entity); column types are walked through.
 */
export function plaintextCredentials(value: unknown, path: readonly (string | number)[] = []): PlaintextCredential[] {
  const found: PlaintextCredential[] = [];
  // One path, grown and shrunk as the walk goes, copied only for a finding; `key` is its last string
  // segment. (A copy per value visited was most of this walk's cost on a large config.)
  const at = [...path];
  const visit = (v: unknown, key: string | undefined, depth: number): void => {
    if (depth > 20 || v === null || v === undefined) return;
    const kind = entityKind(v);
    if (kind === 'column-type') {
      const spec = (v as { spec: unknown }).spec;
      if (typeof spec === 'object' && spec !== null && cleanSpecs.has(spec)) return;
      const before = found.length;
      visit(spec, key, depth + 1);
      // A spec's findings are its own (each leaf is judged by its own key); one walked whole (a spec is
      // three levels at most) without a finding, and frozen data, has none wherever it appears again.
      if (found.length === before && depth < 16 && typeof spec === 'object' && spec !== null && isFrozenData(spec))
        cleanSpecs.add(spec);
      return;
    }
    if (kind) return;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') {
      if (key !== undefined && isCredentialKey(key)) {
        found.push({
          path: [...at],
          message: `'${key}' holds a credential, and this value would be written into the generated files`,
        });
        return;
      }
      const inside = typeof v === 'string' ? credentialInText(v) : undefined;
      if (inside) {
        found.push({
          path: [...at],
          offset: inside.offset,
          message: `holds ${inside.what}, which would be written into the generated files`,
        });
      }
      return;
    }
    // Index loops over the keys: `entries()` made an array per item (15 per column type's spec, at scale
    // most of what this walk allocated). Object.keys has Object.entries' keys, in its order.
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        at.push(i);
        visit(v[i], key, depth + 1);
        at.pop();
      }
    } else if (typeof v === 'object') {
      const keys = Object.keys(v);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        at.push(k);
        visit((v as Record<string, unknown>)[k], k, depth + 1);
        at.pop();
      }
    }
  };
  visit(
    value,
    path.findLast((s): s is string => typeof s === 'string'),
    0,
  );
  return found;
}

export interface EnvBinding {
  readonly env: string;
  readonly secret: string;
  readonly key: string;
}

/**
 * Environment variable names for Secret references, collision-free: one secret and key always maps to one
 * name (wherever it is used), and two different ones never share a name (a later one whose preferred
 * name is taken gets `_2`, `_3`, … in config order).
 */
export class EnvNames {
  private readonly byRef = new Map<string, EnvBinding>();
  private readonly taken = new Set<string>();

  bind(preferred: string, ref: Pick<SecretRef, 'name' | 'key'>): EnvBinding {
    const id = `${ref.name}\0${ref.key}`;
    const known = this.byRef.get(id);
    if (known) return known;
    let env = preferred;
    for (let i = 2; this.taken.has(env); i++) env = `${preferred}_${i}`;
    const binding = { env, secret: ref.name, key: ref.key };
    this.taken.add(env);
    this.byRef.set(id, binding);
    return binding;
  }
}
