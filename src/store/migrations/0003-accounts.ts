import type { Kysely } from 'kysely'

// An administrator can disable an account without deleting it; the administration listing pages
// through users newest first, so (created_at, id) is indexed for its cursor. A challenge after a
// magic link remembers where the link was meant to lead.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('disabled_at', 'bigint').execute()
  await db.schema.createIndex('users_created_at_id').on('users').columns(['created_at', 'id']).execute()
  await db.schema.alterTable('mfa_challenges').addColumn('redirect_to', 'text').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('mfa_challenges').dropColumn('redirect_to').execute()
  await db.schema.dropIndex('users_created_at_id').execute()
  await db.schema.alterTable('users').dropColumn('disabled_at').execute()
}
