import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openStore, type Store } from './store.js'

const WATCHED = ['sessions', 'insert:sessions', 'users', 'insert:users'] as const

describe('Store.changeStamp on SQLite', () => {
  let dir: string
  let store: Store
  let other: Store
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-stamp-'))
    store = openStore(`sqlite:${join(dir, 'auth.db')}`)
    await store.migrate()
    other = openStore(`sqlite:${join(dir, 'auth.db')}`)
  })
  afterEach(async () => {
    await store.close()
    await other.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const stamp = () => store.changeStamp(WATCHED) as number
  const user = { id: 'u1', email: 'a@example.com', name: null, password_hash: null, email_verified_at: null, created_at: 1, updated_at: 1 }

  it('moves on every write to a watched table: insert, update, delete, in a transaction or not', async () => {
    let last = stamp()
    const moved = () => {
      const now = stamp()
      const changed = now !== last
      last = now
      return changed
    }
    await store.db.insertInto('users').values(user).execute()
    expect(moved()).toBe(true)
    await store.db.updateTable('users').set({ name: 'A' }).where('id', '=', 'u1').execute()
    expect(moved()).toBe(true)
    await store.db.transaction().execute((trx) => trx.deleteFrom('sessions').where('user_id', '=', 'u1').execute())
    expect(moved()).toBe(true)
    await sql`update users set name = 'B'`.execute(store.db)
    expect(moved()).toBe(true)
    await store.db.deleteFrom('users').execute()
    expect(moved()).toBe(true)
  })

  it('counts inserts that only add rows apart, under insert:<table>; upserts count as updates', async () => {
    const sessionsOnly = () => store.changeStamp(['sessions']) as number
    const withInserts = () => store.changeStamp(['sessions', 'insert:sessions']) as number
    await store.db.insertInto('users').values(user).execute()
    const session = {
      id: 's1',
      token_hash: 'h1',
      user_id: 'u1',
      aal: 1,
      mfa_at: null,
      trusted_device: 0,
      created_at: 1,
      last_seen_at: 1,
      expires_at: 2,
      ip: null,
      user_agent: null,
    }
    let before = sessionsOnly()
    const beforeAll = withInserts()
    await store.db.insertInto('sessions').values(session).execute()
    expect(sessionsOnly()).toBe(before)
    expect(withInserts()).not.toBe(beforeAll)
    before = sessionsOnly()
    await store.db
      .insertInto('sessions')
      .values(session)
      .onConflict((oc) => oc.column('id').doUpdateSet({ aal: 2 }))
      .execute()
    expect(sessionsOnly()).not.toBe(before)
    before = sessionsOnly()
    await sql`insert or replace into sessions (id, token_hash, user_id, aal, trusted_device, created_at, last_seen_at, expires_at) values ('s1', 'h1', 'u1', 1, 0, 1, 1, 2)`.execute(
      store.db,
    )
    expect(sessionsOnly()).not.toBe(before)
  })

  it('moves for a write with RETURNING (a "reader" to the driver) and for a schema-qualified table', async () => {
    let last = stamp()
    const moved = () => {
      const now = stamp()
      const changed = now !== last
      last = now
      return changed
    }
    await store.db.updateTable('users').set({ name: 'R' }).returning('id').execute()
    expect(moved()).toBe(true)
    await store.db.deleteFrom('sessions').where('user_id', '=', 'u1').returning('id').execute()
    expect(moved()).toBe(true)
    await sql`update "main"."users" set name = 'C'`.execute(store.db)
    expect(moved()).toBe(true)
    await sql`with gone as (select id from users) delete from users where id in (select id from gone) returning id`.execute(store.db)
    expect(moved()).toBe(true)
  })

  it('stays put for reads and for writes to other tables, and moves for SQL it cannot place', async () => {
    const before = stamp()
    await store.db.selectFrom('users').selectAll().execute()
    await store.db.insertInto('audit_head').values({ id: 2, seq: 0, hash: 'x' }).execute()
    await store.db.transaction().execute(async (trx) => trx.selectFrom('sessions').selectAll().execute())
    expect(stamp()).toBe(before)
    await sql`create table scratch (x integer)`.execute(store.db)
    expect(stamp()).not.toBe(before)
  })

  it('moves, from the next event-loop turn, when another connection commits', async () => {
    const before = stamp()
    await other.db.insertInto('users').values(user).execute()
    await nextTurn()
    expect(stamp()).not.toBe(before)
  })
})

describe('Store.changeStamp on PostgreSQL', () => {
  it('is null: a change by another process cannot be seen without a round trip, so nothing is cached', () => {
    const store = openStore('postgres://nobody@127.0.0.1:1/none')
    expect(store.changeStamp(WATCHED)).toBeNull()
    return store.close()
  })
})
