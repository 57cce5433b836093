import { sql } from 'kysely'
import type { MfaChallengeRow, TrustedDeviceRow } from '../../store/database.js'
import type { Store } from '../../store/store.js'

export async function insertChallenge(store: Store, row: MfaChallengeRow): Promise<void> {
  await store.db.insertInto('mfa_challenges').values(row).execute()
}

export function findChallenge(store: Store, id: string): Promise<MfaChallengeRow | undefined> {
  return store.db.selectFrom('mfa_challenges').selectAll().where('id', '=', id).executeTakeFirst()
}

/**
 * Takes one of a pending challenge's tries before its code is compared, atomically, so a
 * concurrent burst can compare no more codes than the challenge allows. Null when none is left.
 */
export async function takeAttempt(store: Store, id: string, maxAttempts: number, nowMs: number): Promise<number | null> {
  const row = await store.db
    .updateTable('mfa_challenges')
    .set({ attempts: sql<number>`attempts + 1` })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('expires_at', '>', nowMs)
    .where('attempts', '<', maxAttempts)
    .returning('attempts')
    .executeTakeFirst()
  return row ? Number(row.attempts) : null
}

/** Locks a challenge whose last try was wrong. */
export async function lockChallenge(store: Store, id: string): Promise<void> {
  await store.db.updateTable('mfa_challenges').set({ status: 'locked' }).where('id', '=', id).where('status', '=', 'pending').execute()
}

/**
 * Completes an unexpired challenge once: of two concurrent completions exactly one wins. A
 * challenge locked meanwhile still completes: this code's try was taken before the last wrong one
 * locked it, and no try can be taken once it is locked.
 */
export async function completeChallenge(store: Store, id: string, nowMs: number): Promise<boolean> {
  const result = await store.db
    .updateTable('mfa_challenges')
    .set({ status: 'completed', completed_at: nowMs })
    .where('id', '=', id)
    .where('status', 'in', ['pending', 'locked'])
    .where('expires_at', '>', nowMs)
    .executeTakeFirst()
  return result.numUpdatedRows === 1n
}

export async function insertTrustedDevice(store: Store, row: TrustedDeviceRow): Promise<void> {
  await store.db.insertInto('trusted_devices').values(row).execute()
}

export function findTrustedDevice(store: Store, userId: string, tokenHash: string, nowMs: number): Promise<TrustedDeviceRow | undefined> {
  return store.db
    .selectFrom('trusted_devices')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('user_id', '=', userId)
    .where('expires_at', '>', nowMs)
    .executeTakeFirst()
}

export async function touchTrustedDevice(store: Store, id: string, nowMs: number): Promise<void> {
  await store.db.updateTable('trusted_devices').set({ last_used_at: nowMs }).where('id', '=', id).execute()
}

export function listTrustedDevices(store: Store, userId: string, nowMs: number): Promise<TrustedDeviceRow[]> {
  return store.db
    .selectFrom('trusted_devices')
    .selectAll()
    .where('user_id', '=', userId)
    .where('expires_at', '>', nowMs)
    .orderBy('created_at', 'desc')
    .execute()
}

export async function deleteTrustedDevice(store: Store, userId: string, id: string): Promise<boolean> {
  const result = await store.db.deleteFrom('trusted_devices').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst()
  return Number(result.numDeletedRows) === 1
}

export async function deleteTrustedDevices(store: Store, userId: string): Promise<number> {
  const result = await store.db.deleteFrom('trusted_devices').where('user_id', '=', userId).executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** True when an administrator has disabled the user's account. */
export async function isUserDisabled(store: Store, userId: string): Promise<boolean> {
  const row = await store.db.selectFrom('users').select('disabled_at').where('id', '=', userId).executeTakeFirst()
  return row !== undefined && row.disabled_at !== null
}
