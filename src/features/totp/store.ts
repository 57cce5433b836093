import type { Kysely } from 'kysely'
import type { Database, TotpFactorRow } from '../../store/database.js'
import type { Store } from '../../store/store.js'

export async function insertPendingFactor(store: Store, row: TotpFactorRow): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    // A new enrolment replaces any unconfirmed one, so at most one pending secret exists per user.
    await trx.deleteFrom('totp_factors').where('user_id', '=', row.user_id).where('status', '=', 'pending').execute()
    await trx.insertInto('totp_factors').values(row).execute()
  })
}

export function findPendingFactor(store: Store, userId: string, id: string, nowMs: number): Promise<TotpFactorRow | undefined> {
  return store.db
    .selectFrom('totp_factors')
    .selectAll()
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('status', '=', 'pending')
    .where('expires_at', '>', nowMs)
    .executeTakeFirst()
}

export function findActiveFactor(store: Store, userId: string): Promise<TotpFactorRow | undefined> {
  return store.db.selectFrom('totp_factors').selectAll().where('user_id', '=', userId).where('status', '=', 'active').executeTakeFirst()
}

/**
 * Activates a pending factor and records the confirming step, so that code is never accepted
 * again, and runs `alongside` in the same transaction. False when it was confirmed or replaced
 * meanwhile; throws on the one-active-factor index.
 */
export async function activateFactor(
  store: Store,
  id: string,
  step: number,
  nowMs: number,
  alongside?: (db: Kysely<Database>) => Promise<void>,
): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('totp_factors')
      .set({ status: 'active', last_used_step: step, confirmed_at: nowMs, last_used_at: nowMs, expires_at: null })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('expires_at', '>', nowMs)
      .executeTakeFirst()
    const activated = result.numUpdatedRows === 1n
    if (activated) await alongside?.(trx)
    return activated
  })
}

/** The replay guard: moves last_used_step forward only, in one conditional write. */
export async function advanceStep(store: Store, id: string, step: number, nowMs: number): Promise<boolean> {
  const result = await store.db
    .updateTable('totp_factors')
    .set({ last_used_step: step, last_used_at: nowMs })
    .where('id', '=', id)
    .where('status', '=', 'active')
    .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
    .executeTakeFirst()
  return result.numUpdatedRows === 1n
}

export async function deleteFactors(store: Store, userId: string): Promise<number> {
  const result = await store.db.deleteFrom('totp_factors').where('user_id', '=', userId).executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** The user's one pending enrolment (a new one replaces the old), if it has not expired. */
export function findNewestPendingFactor(store: Store, userId: string, nowMs: number): Promise<TotpFactorRow | undefined> {
  return store.db
    .selectFrom('totp_factors')
    .selectAll()
    .where('user_id', '=', userId)
    .where('status', '=', 'pending')
    .where('expires_at', '>', nowMs)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst()
}

export async function deletePendingFactors(store: Store, userId: string): Promise<number> {
  const result = await store.db.deleteFrom('totp_factors').where('user_id', '=', userId).where('status', '=', 'pending').executeTakeFirst()
  return Number(result.numDeletedRows)
}
