import type { Kysely } from 'kysely'

// The OpenID provider's state: every artefact of oidc-provider (sessions, interactions, grants,
// codes, tokens) in one table keyed by its kind, its signing keys sealed at rest, and the
// registered clients. Instants are epoch milliseconds, as everywhere else.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oidc_models')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('uid', 'text')
    .addColumn('user_code', 'text')
    .addColumn('account_id', 'text')
    .addColumn('client_id', 'text')
    .addColumn('expires_at', 'bigint')
    .addColumn('consumed_at', 'bigint')
    .addPrimaryKeyConstraint('oidc_models_pk', ['kind', 'id'])
    .execute()
  await db.schema.createIndex('oidc_models_grant_id').on('oidc_models').column('grant_id').execute()
  await db.schema.createIndex('oidc_models_uid').on('oidc_models').column('uid').execute()
  await db.schema.createIndex('oidc_models_account').on('oidc_models').columns(['account_id', 'client_id']).execute()
  await db.schema.createIndex('oidc_models_expires_at').on('oidc_models').column('expires_at').execute()

  await db.schema
    .createTable('oidc_signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('private_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('retired_at', 'bigint')
    // A retired key stays in JWKS until every token it signed has expired.
    .addColumn('expires_at', 'bigint')
    .execute()

  await db.schema
    .createTable('oidc_clients')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secret_sealed', 'text')
    .addColumn('redirect_uris', 'text', (c) => c.notNull())
    .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull())
    .addColumn('first_party', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()

  // How a session was signed in (native method names, comma-separated), for the ID token's amr.
  await db.schema.alterTable('sessions').addColumn('methods', 'text').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('methods').execute()
  await db.schema.dropTable('oidc_clients').execute()
  await db.schema.dropTable('oidc_signing_keys').execute()
  await db.schema.dropTable('oidc_models').execute()
}
