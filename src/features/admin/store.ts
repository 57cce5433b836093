import { sql } from 'kysely'
import type { UserRow } from '../../store/database.js'
import type { Store } from '../../store/store.js'

/** Where a page of the newest-first listing ends: the last row's creation instant and id. */
export interface UserCursor {
  createdAt: number
  id: string
}

// LIKE treats % and _ as wildcards; a query is a plain substring of the email.
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`

/** Users newest first, optionally those whose email contains `query`, after a cursor. */
export function listUsers(store: Store, input: { query: string | undefined; limit: number; after: UserCursor | null }): Promise<UserRow[]> {
  let select = store.db.selectFrom('users').selectAll()
  if (input.query) select = select.where(sql<boolean>`email like ${likePattern(input.query.trim().toLowerCase())} escape '\\'`)
  const after = input.after
  if (after) {
    select = select.where((eb) => eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]))
  }
  return select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(input.limit).execute()
}
