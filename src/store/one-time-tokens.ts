import type { OneTimeTokenRow } from './database.js'
import type { Executor, Store } from './store.js'

/** What a one-time token is for; a token minted for one purpose is never looked up under another. */
export type TokenPurpose =
  | 'email_otp'
  | 'mfa_email_otp'
  | 'signed_in_email_otp'
  | 'magic_link'
  | 'email_verify'
  | 'password_reset'
  | 'mfa_recovery'
  | 'mfa_recovery_cancel'
  | 'webauthn_register'
  | 'webauthn_authenticate'
  | 'signup'
  | 'account_setup'

/** Inserts a token, first voiding the unused ones of the same purpose and email (a new code replaces the old). */
export async function replaceToken(store: Store, row: OneTimeTokenRow): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('one_time_tokens')
      .set({ used_at: row.created_at })
      .where('purpose', '=', row.purpose)
      .where('email', '=', row.email)
      .where('used_at', 'is', null)
      .execute()
    await trx.insertInto('one_time_tokens').values(row).execute()
  })
}

export async function insertToken(store: Store, row: OneTimeTokenRow): Promise<void> {
  await store.db.insertInto('one_time_tokens').values(row).execute()
}

/** A live token by its hash: unused and unexpired. */
export function findLiveToken(store: Store, purpose: TokenPurpose, tokenHash: string, nowMs: number): Promise<OneTimeTokenRow | undefined> {
  return store.db
    .selectFrom('one_time_tokens')
    .selectAll()
    .where('purpose', '=', purpose)
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', nowMs)
    .executeTakeFirst()
}

/** The newest live token of a purpose for an email (or, with `challengeId`, bound to that challenge). */
export function findNewestLiveToken(
  store: Store,
  purpose: TokenPurpose,
  email: string,
  nowMs: number,
  challengeId?: string,
): Promise<OneTimeTokenRow | undefined> {
  let query = store.db
    .selectFrom('one_time_tokens')
    .selectAll()
    .where('purpose', '=', purpose)
    .where('email', '=', email)
    .where('used_at', 'is', null)
    .where('expires_at', '>', nowMs)
  if (challengeId !== undefined) query = query.where('challenge_id', '=', challengeId)
  return query.orderBy('created_at', 'desc').limit(1).executeTakeFirst()
}

/** Counts a wrong guess at a code and voids the code once it reaches the limit. */
export async function countWrongGuess(store: Store, id: string, maxAttempts: number, nowMs: number): Promise<void> {
  await store.db
    .updateTable('one_time_tokens')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .execute()
  await store.db
    .updateTable('one_time_tokens')
    .set({ used_at: nowMs })
    .where('id', '=', id)
    .where('attempts', '>=', maxAttempts)
    .where('used_at', 'is', null)
    .execute()
}

/** Voids every live token of some purposes for a user; returns how many. */
export async function voidUserTokens(store: Store, userId: string, purposes: TokenPurpose[], nowMs: number): Promise<number> {
  const result = await store.db
    .updateTable('one_time_tokens')
    .set({ used_at: nowMs })
    .where('user_id', '=', userId)
    .where('purpose', 'in', purposes)
    .where('used_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/**
 * Spends a live token of a purpose by its hash in one conditional `UPDATE … RETURNING`: of two
 * concurrent uses exactly one gets the row, and a used, expired or unknown token gets nothing.
 * Takes an executor, so the spending can share a transaction with what the token unlocks.
 */
export function consumeOnce(db: Executor, purpose: TokenPurpose, tokenHash: string, nowMs: number): Promise<OneTimeTokenRow | undefined> {
  return db
    .updateTable('one_time_tokens')
    .set({ used_at: nowMs })
    .where('purpose', '=', purpose)
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', nowMs)
    .returningAll()
    .executeTakeFirst()
}
