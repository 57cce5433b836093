import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { sqlite } from '../../test/support/dialects.js'
import { isDatabaseUnavailable, isUniqueViolation } from './errors.js'
import { openStore, type Store } from './store.js'

// A database that cannot be written just now is a 503 (retry later), not a 500: these are the
// real errors better-sqlite3 raises for a read-only database and a full disk.
describe('isDatabaseUnavailable on SQLite', () => {
  let store: Store
  let drop: () => Promise<void>
  afterEach(async () => {
    await store.close()
    await drop()
  })

  async function open(): Promise<void> {
    const database = await sqlite.create()
    drop = database.drop
    store = openStore(database.url)
    await store.migrate()
  }

  const insertUser = (id: string) =>
    store.db
      .insertInto('users')
      .values({ id, email: `${id}@example.com`, name: 'x'.repeat(2000), password_hash: null, email_verified_at: null, created_at: 0, updated_at: 0 })
      .execute()

  it('says so for a read-only database', async () => {
    await open()
    await sql`PRAGMA query_only = ON`.execute(store.db)
    const error = await insertUser('u1').catch((caught: unknown) => caught)
    expect((error as { code?: string }).code).toMatch(/^SQLITE_READONLY/)
    expect(isDatabaseUnavailable(error)).toBe(true)
  })

  it('says so for a full database', async () => {
    await open()
    const pages = (await sql<{ page_count: number }>`PRAGMA page_count`.execute(store.db)).rows[0]?.page_count as number
    await sql.raw(`PRAGMA max_page_count = ${pages}`).execute(store.db)
    let error: unknown
    for (let i = 0; i < 50 && !error; i++)
      error = await insertUser(`u${i}`).then(
        () => undefined,
        (caught: unknown) => caught,
      )
    expect((error as { code?: string }).code).toBe('SQLITE_FULL')
    expect(isDatabaseUnavailable(error)).toBe(true)
  })

  it('does not for a query that is wrong', async () => {
    await open()
    await insertUser('same')
    const duplicate = await insertUser('same').catch((caught: unknown) => caught)
    expect(isUniqueViolation(duplicate)).toBe(true)
    expect(isDatabaseUnavailable(duplicate)).toBe(false)
    const syntax = await sql`select * from no_such_table`.execute(store.db).catch((caught: unknown) => caught)
    expect(isDatabaseUnavailable(syntax)).toBe(false)
  })
})

describe('isDatabaseUnavailable on PostgreSQL errors', () => {
  it('covers connection exceptions, shutdowns and dropped sockets, found through `cause` too', () => {
    expect(isDatabaseUnavailable({ code: '57P01' })).toBe(true)
    expect(isDatabaseUnavailable({ code: '08006' })).toBe(true)
    expect(isDatabaseUnavailable({ code: 'ECONNREFUSED' })).toBe(true)
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true)
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: new Error('timeout exceeded when trying to connect') }))).toBe(true)
    expect(isDatabaseUnavailable({ code: '23505' })).toBe(false)
    expect(isDatabaseUnavailable({ code: '22021' })).toBe(false)
    expect(isDatabaseUnavailable(new Error('anything else'))).toBe(false)
  })
})
