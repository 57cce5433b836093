import type { OidcClientRow, OidcModelRow, OidcSigningKeyRow } from '../store/database.js'
import type { Store } from '../store/store.js'

export type OidcModel = OidcModelRow

// Named queries of the OpenID provider's tables; the adapter, keys and clients modules call only these.

export async function upsertModel(store: Store, row: OidcModelRow): Promise<void> {
  // consumed_at is left as it is: saving a spent artefact again must not make it spendable.
  const { kind: _kind, id: _id, consumed_at: _consumed, ...changes } = row
  await store.db
    .insertInto('oidc_models')
    .values(row)
    .onConflict((conflict) => conflict.columns(['kind', 'id']).doUpdateSet(changes))
    .execute()
}

export async function findModel(store: Store, kind: string, id: string): Promise<OidcModelRow | undefined> {
  return store.db.selectFrom('oidc_models').selectAll().where('kind', '=', kind).where('id', '=', id).executeTakeFirst()
}

export async function findModelBy(store: Store, kind: string, column: 'uid' | 'user_code', value: string): Promise<OidcModelRow | undefined> {
  return store.db.selectFrom('oidc_models').selectAll().where('kind', '=', kind).where(column, '=', value).executeTakeFirst()
}

/** Marks an artefact consumed, once: true only for the one call that changed it. */
export async function consumeModel(store: Store, kind: string, id: string, nowMs: number): Promise<boolean> {
  const result = await store.db
    .updateTable('oidc_models')
    .set({ consumed_at: nowMs })
    .where('kind', '=', kind)
    .where('id', '=', id)
    .where('consumed_at', 'is', null)
    .executeTakeFirst()
  return result.numUpdatedRows === 1n
}

export async function deleteModel(store: Store, kind: string, id: string): Promise<void> {
  await store.db.deleteFrom('oidc_models').where('kind', '=', kind).where('id', '=', id).execute()
}

/** Deletes a grant and every artefact of it (codes, tokens); returns how many rows went. */
export async function deleteGrantArtefacts(store: Store, grantId: string): Promise<number> {
  const result = await store.db
    .deleteFrom('oidc_models')
    .where((eb) => eb.or([eb('grant_id', '=', grantId), eb.and([eb('kind', '=', 'Grant'), eb('id', '=', grantId)])]))
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** The grants a user holds, optionally for one client, newest expiry first. */
export async function findGrants(store: Store, accountId: string, clientId?: string): Promise<Array<{ id: string; clientId: string }>> {
  let query = store.db.selectFrom('oidc_models').select(['id', 'client_id']).where('kind', '=', 'Grant').where('account_id', '=', accountId)
  if (clientId !== undefined) query = query.where('client_id', '=', clientId)
  const rows = await query.orderBy('expires_at', 'desc').execute()
  return rows.map((row) => ({ id: row.id, clientId: row.client_id ?? '' }))
}

export async function listSigningKeys(store: Store): Promise<OidcSigningKeyRow[]> {
  return store.db.selectFrom('oidc_signing_keys').selectAll().orderBy('created_at', 'desc').execute()
}

/**
 * Adds the first key; the caller gives every first key the same kid, so of processes starting
 * together on an empty table exactly one insert wins and all of them then read that key.
 */
export async function insertFirstSigningKey(store: Store, row: OidcSigningKeyRow): Promise<void> {
  await store.db
    .insertInto('oidc_signing_keys')
    .values(row)
    .onConflict((conflict) => conflict.column('kid').doNothing())
    .execute()
}

/** Retires every current key (kept for verification until `expiresAtMs`) and adds the new one. */
export async function rotateSigningKey(store: Store, row: OidcSigningKeyRow, expiresAtMs: number): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    await trx.updateTable('oidc_signing_keys').set({ retired_at: row.created_at, expires_at: expiresAtMs }).where('retired_at', 'is', null).execute()
    await trx.insertInto('oidc_signing_keys').values(row).execute()
  })
}

export async function insertClient(store: Store, row: OidcClientRow): Promise<void> {
  await store.db.insertInto('oidc_clients').values(row).execute()
}

export async function findClient(store: Store, id: string): Promise<OidcClientRow | undefined> {
  return store.db.selectFrom('oidc_clients').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function listClients(store: Store): Promise<OidcClientRow[]> {
  return store.db.selectFrom('oidc_clients').selectAll().orderBy('created_at', 'asc').execute()
}

/** Deletes a client and every artefact issued to it. */
export async function deleteClient(store: Store, id: string): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    const result = await trx.deleteFrom('oidc_clients').where('id', '=', id).executeTakeFirst()
    await trx.deleteFrom('oidc_models').where('client_id', '=', id).execute()
    return result.numDeletedRows === 1n
  })
}

/** Deletes a user's provider sessions (single sign-on ends with them). */
export async function deleteAccountSessions(store: Store, accountId: string): Promise<void> {
  await store.db.deleteFrom('oidc_models').where('kind', '=', 'Session').where('account_id', '=', accountId).execute()
}
