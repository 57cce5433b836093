import type { AuditEventRow } from '../../store/database.js'
import type { Store } from '../../store/store.js'

export type NewAuditRow = Omit<AuditEventRow, 'seq' | 'prev_hash' | 'hash'>

/**
 * Appends under the audit_head row lock: the UPDATE serialises concurrent appenders (on
 * PostgreSQL across processes too), so each entry links to exactly one predecessor.
 */
export async function appendAuditRow(store: Store, row: NewAuditRow, chainHash: (seq: number, prevHash: string) => string): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    const head = await trx
      .updateTable('audit_head')
      .set((eb) => ({ seq: eb('seq', '+', 1) }))
      .where('id', '=', 1)
      .returning(['seq', 'hash'])
      .executeTakeFirstOrThrow()
    const seq = Number(head.seq)
    const hash = chainHash(seq, head.hash)
    await trx
      .insertInto('audit_events')
      .values({ ...row, seq, prev_hash: head.hash, hash })
      .execute()
    await trx.updateTable('audit_head').set({ hash }).where('id', '=', 1).execute()
  })
}

export function listAuditRows(store: Store, userId: string, limit: number): Promise<AuditEventRow[]> {
  return store.db.selectFrom('audit_events').selectAll().where('user_id', '=', userId).orderBy('seq', 'desc').limit(limit).execute()
}

export async function* walkAuditRows(store: Store, pageSize = 1000): AsyncGenerator<AuditEventRow> {
  let after = 0
  for (;;) {
    const page = await store.db.selectFrom('audit_events').selectAll().where('seq', '>', after).orderBy('seq').limit(pageSize).execute()
    yield* page
    const last = page.at(-1)
    if (!last || page.length < pageSize) return
    after = Number(last.seq)
  }
}

export function readAuditHead(store: Store): Promise<{ seq: number; hash: string }> {
  return store.db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow()
}

/** When a user last had an event of this type, or null. */
export async function lastEventAt(store: Store, userId: string, type: string): Promise<number | null> {
  const row = await store.db
    .selectFrom('audit_events')
    .select('at')
    .where('user_id', '=', userId)
    .where('type', '=', type)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row ? Number(row.at) : null
}
