import type { Kysely } from 'kysely'

// The session check asks "has this user a passkey?" on every request; without an index on
// user_id that is a scan of every user's credentials.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('webauthn_credentials_user_id').on('webauthn_credentials').column('user_id').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('webauthn_credentials_user_id').execute()
}
