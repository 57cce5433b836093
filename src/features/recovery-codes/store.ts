import type { Kysely } from 'kysely'
import type { Database } from '../../store/database.js'
import type { Store } from '../../store/store.js'

export type CodeRow = { id: string; code_hash: string }

/** Replaces every code of a user; run it inside a transaction, so earlier codes stop working at once. */
export async function writeCodes(db: Kysely<Database>, userId: string, rows: CodeRow[], nowMs: number): Promise<void> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute()
  await db
    .insertInto('recovery_codes')
    .values(rows.map((row) => ({ ...row, user_id: userId, created_at: nowMs, used_at: null })))
    .execute()
}

/** Single use as one conditional write: of two concurrent redemptions exactly one updates the row. */
export async function consumeCode(store: Store, userId: string, codeHash: string, nowMs: number): Promise<boolean> {
  const result = await store.db
    .updateTable('recovery_codes')
    .set({ used_at: nowMs })
    .where('user_id', '=', userId)
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .executeTakeFirst()
  return result.numUpdatedRows === 1n
}

export async function countUnused(store: Store, userId: string): Promise<number> {
  const row = await store.db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

export async function deleteCodes(store: Store, userId: string): Promise<number> {
  const result = await store.db.deleteFrom('recovery_codes').where('user_id', '=', userId).executeTakeFirst()
  return Number(result.numDeletedRows)
}
