import type { WebauthnCredentialRow } from '../../store/database.js'
import { isUniqueViolation } from '../../store/errors.js'
import type { Executor, Store } from '../../store/store.js'

/** False when the credential id is registered already (to this user or another). */
/** Inserts a passkey and, in the same transaction, whatever `also` writes (first recovery codes); false when already registered. */
export async function insertCredential(store: Store, row: WebauthnCredentialRow, also?: (db: Executor) => Promise<void>): Promise<boolean> {
  try {
    await store.db.transaction().execute(async (trx) => {
      await trx.insertInto('webauthn_credentials').values(row).execute()
      if (also) await also(trx)
    })
    return true
  } catch (error) {
    if (isUniqueViolation(error)) return false
    throw error
  }
}

export function listCredentials(store: Store, userId: string): Promise<WebauthnCredentialRow[]> {
  return store.db.selectFrom('webauthn_credentials').selectAll().where('user_id', '=', userId).orderBy('created_at', 'asc').execute()
}

export function findByCredentialId(store: Store, credentialId: string): Promise<WebauthnCredentialRow | undefined> {
  return store.db.selectFrom('webauthn_credentials').selectAll().where('credential_id', '=', credentialId).executeTakeFirst()
}

export async function hasCredential(store: Store, userId: string): Promise<boolean> {
  const row = await store.db.selectFrom('webauthn_credentials').select('id').where('user_id', '=', userId).limit(1).executeTakeFirst()
  return row !== undefined
}

/**
 * Records a use: the signature counter only moves forward, in one conditional write, so a cloned
 * authenticator's stale counter is refused. Authenticators that do not count (0 before and after)
 * are let through; the single-use ceremony challenge is what stops a replayed assertion.
 */
export async function recordUse(store: Store, id: string, previousCounter: number, newCounter: number, nowMs: number): Promise<boolean> {
  let update = store.db
    .updateTable('webauthn_credentials')
    .set({ counter: newCounter, last_used_at: nowMs })
    .where('id', '=', id)
    .where('counter', '=', previousCounter)
  if (newCounter !== 0 || previousCounter !== 0) update = update.where('counter', '<', newCounter)
  const result = await update.executeTakeFirst()
  return result.numUpdatedRows === 1n
}

export async function deleteCredential(store: Store, userId: string, id: string): Promise<boolean> {
  const result = await store.db.deleteFrom('webauthn_credentials').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst()
  return Number(result.numDeletedRows) === 1
}

export async function deleteCredentials(store: Store, userId: string): Promise<number> {
  const result = await store.db.deleteFrom('webauthn_credentials').where('user_id', '=', userId).executeTakeFirst()
  return Number(result.numDeletedRows)
}
