import type { PostgresFlavor } from '../dsl/source.js';

/**
 * What differs between PostgreSQL flavours when preparing a source database for Debezium: how the
 * replication role gets its right to stream changes, which server parameter turns logical decoding on, and
 * who runs the setup script. Facts from each vendor's documentation (cited per entry); everything else in
 * the setup SQL (grants, replica identities, publication) is plain PostgreSQL and the same everywhere.
 */
export interface FlavorFacts {
  /** Shown in the script's header. */
  readonly title: string;
  /** Who runs the setup script. */
  readonly runAs: string;
  /** Role attributes of the replication role (`CREATE ROLE … WITH <attributes>`). */
  readonly roleAttributes: string;
  /** Roles the replication role is made a member of. */
  readonly grantRoles: readonly string[];
  /** Where the server parameters are set, and what changing them takes. */
  readonly settingsWhere: string;
  /** The server parameters to set before the connector starts, each a line of the header. */
  readonly serverSettings: readonly string[];
  /** How the Connect workers reach the server. */
  readonly access: string;
  /** Further lines for the header: what the flavour does not allow and how the script copes. */
  readonly notes: readonly string[];
}

/** Ownership, not a superuser, is what replica identities and a publication FOR TABLE need. */
const OWNERSHIP =
  'It must own the captured tables or be a member of their owner role: ALTER TABLE … REPLICA IDENTITY and CREATE/ALTER PUBLICATION … FOR TABLE need ownership.';
const NO_EVENT_TRIGGER =
  'If it may not create event triggers, the partition watch below only warns: run this script again after adding a partition to a captured table.';

const SLOTS = (n: number) => [
  `max_replication_slots >= ${n} (one per connector on this server, plus other slot users)`,
  `max_wal_senders >= ${n}`,
];

export function flavorFacts(
  flavor: PostgresFlavor,
  slotsOnServer: number,
  database: string,
  user: string,
): FlavorFacts {
  switch (flavor) {
    case 'self-managed':
      return {
        title: 'a self-managed PostgreSQL server',
        runAs: 'a superuser (creating a REPLICATION role needs one)',
        roleAttributes: 'LOGIN REPLICATION',
        grantRoles: [],
        settingsWhere: 'postgresql.conf; changing wal_level needs a restart',
        serverSettings: ['wal_level = logical', ...SLOTS(slotsOnServer)],
        access: `pg_hba.conf: a normal host line for database ${database} and user ${user}.`,
        notes: [],
      };
    // RDS and Aurora PostgreSQL: no superuser; the master user (a member of rds_superuser) grants the
    // predefined role rds_replication, and rds.logical_replication = 1 in the (cluster) parameter group
    // sets wal_level = logical after a reboot. Source: AWS, "Performing logical replication for Amazon RDS
    // for PostgreSQL" (PostgreSQL.Concepts.General.FeatureSupport.LogicalReplication) and the knowledge
    // centre article rds-postgresql-use-logical-replication.
    case 'rds':
      return {
        title: 'Amazon RDS or Aurora PostgreSQL',
        runAs: 'the master user (or another member of rds_superuser)',
        roleAttributes: 'LOGIN',
        grantRoles: ['rds_replication'],
        settingsWhere: 'the DB (cluster) parameter group; static, the instance needs a reboot',
        serverSettings: ['rds.logical_replication = 1 (this sets wal_level = logical)', ...SLOTS(slotsOnServer)],
        access: `the instance's security group must admit the Connect workers; log in as ${user} to database ${database}.`,
        // AWS, "Event triggers for RDS for PostgreSQL": the master user may create event triggers.
        notes: [OWNERSHIP],
      };
    // Cloud SQL: members of cloudsqlsuperuser (the default postgres user) may give a role the REPLICATION
    // attribute (`ALTER USER … WITH REPLICATION`); logical decoding is the database flag
    // cloudsql.logical_decoding = on (restart). Source: Google Cloud, "Set up logical replication and
    // decoding" (sql/docs/postgres/replication/configure-logical-replication) and Datastream's "Configure a
    // Cloud SQL for PostgreSQL database".
    case 'cloudsql':
      return {
        title: 'Google Cloud SQL for PostgreSQL',
        runAs: 'a member of cloudsqlsuperuser (e.g. the default postgres user)',
        roleAttributes: 'LOGIN REPLICATION',
        grantRoles: [],
        settingsWhere: 'database flags of the instance; the instance restarts',
        serverSettings: ['cloudsql.logical_decoding = on (this sets wal_level = logical)', ...SLOTS(slotsOnServer)],
        access: `authorised networks or a private IP must admit the Connect workers; log in as ${user} to database ${database}.`,
        notes: [OWNERSHIP, NO_EVENT_TRIGGER],
      };
    // Azure Database for PostgreSQL flexible server: the server parameter wal_level = logical (restart); a
    // member of azure_pg_admin (the server's admin user) gives a role REPLICATION with ALTER ROLE. Source:
    // Microsoft Learn, "Logical replication and logical decoding in Azure Database for PostgreSQL flexible
    // server" (postgresql/flexible-server/concepts-logical).
    case 'azure':
      return {
        title: 'Azure Database for PostgreSQL flexible server',
        runAs: 'the server admin user (a member of azure_pg_admin)',
        roleAttributes: 'LOGIN REPLICATION',
        grantRoles: [],
        settingsWhere: 'server parameters of the flexible server; the server restarts',
        serverSettings: ['wal_level = logical', ...SLOTS(slotsOnServer)],
        access: `the server's firewall rules or private network must admit the Connect workers; log in as ${user} to database ${database}.`,
        notes: [OWNERSHIP, NO_EVENT_TRIGGER],
      };
    default:
      return flavor satisfies never;
  }
}
