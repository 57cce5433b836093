import type { UserRow } from '../../store/database.js'
import type { Executor, Store } from '../../store/store.js'

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

/**
 * Inserts a user and, in the same transaction, whatever `also` writes (its first session): a
 * crash between the two can leave neither half. False on a taken email, with nothing written.
 */
export async function insertUserWith(store: Store, row: UserRow, also: (db: Executor) => Promise<void>): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    const result = await trx
      .insertInto('users')
      .values(row)
      .onConflict((oc) => oc.column('email').doNothing())
      .executeTakeFirst()
    if (Number(result.numInsertedOrUpdatedRows ?? 0n) !== 1) return false
    await also(trx)
    return true
  })
}

/** Sets a password on an account that has none yet (an administrator's invitation); false if it already has one. */
export async function setFirstPassword(
  store: Store,
  userId: string,
  passwordHash: string,
  nowMs: number,
  also: (db: Executor) => Promise<void>,
): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('users')
      .set({ password_hash: passwordHash, email_verified_at: nowMs, updated_at: nowMs })
      .where('id', '=', userId)
      .where('password_hash', 'is', null)
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) !== 1) return false
    await also(trx)
    return true
  })
}

/**
 * Deletes a user and everything that hangs on it, in one transaction. The foreign keys cascade
 * to sessions, factors, codes, devices, passkeys and challenges; tokens are also deleted by email,
 * since a sign-up link names an address before any user row exists. Audit entries stay.
 */
export async function deleteUser(store: Store, user: UserRow): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('one_time_tokens')
      .where((eb) => eb.or([eb('user_id', '=', user.id), eb('email', '=', user.email)]))
      .execute()
    for (const table of ['sessions', 'totp_factors', 'recovery_codes', 'trusted_devices', 'webauthn_credentials', 'mfa_challenges'] as const) {
      await trx.deleteFrom(table).where('user_id', '=', user.id).execute()
    }
    const result = await trx.deleteFrom('users').where('id', '=', user.id).executeTakeFirst()
    return Number(result.numDeletedRows) === 1
  })
}

/** Disables (`at` an instant) or enables (`null`) an account; false when nothing changed. */
export async function setDisabled(store: Store, userId: string, at: number | null, nowMs: number): Promise<boolean> {
  const result = await store.db
    .updateTable('users')
    .set({ disabled_at: at, updated_at: nowMs })
    .where('id', '=', userId)
    .where('disabled_at', at === null ? 'is not' : 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}
