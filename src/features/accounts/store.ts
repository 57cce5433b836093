import type { UserRow } from '../../store/database.js'
import type { Store } from '../../store/store.js'

export function findUserByEmail(store: Store, email: string): Promise<UserRow | undefined> {
  return store.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst()
}

export function findUserById(store: Store, id: string): Promise<UserRow | undefined> {
  return store.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Inserts a user unless the email is taken; returns false on a taken email (no race: the unique index decides). */
export async function insertUser(store: Store, row: UserRow): Promise<boolean> {
  const result = await store.db
    .insertInto('users')
    .values(row)
    .onConflict((oc) => oc.column('email').doNothing())
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1
}

export async function updatePasswordHash(store: Store, userId: string, passwordHash: string, nowMs: number): Promise<void> {
  await store.db.updateTable('users').set({ password_hash: passwordHash, updated_at: nowMs }).where('id', '=', userId).execute()
}

export async function markEmailVerified(store: Store, userId: string, nowMs: number): Promise<void> {
  await store.db
    .updateTable('users')
    .set({ email_verified_at: nowMs, updated_at: nowMs })
    .where('id', '=', userId)
    .where('email_verified_at', 'is', null)
    .execute()
}
