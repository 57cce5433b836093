import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { openPostgres } from './postgres.js'
import { changesSessionChecks } from './write-observer.js'

// Compiling needs no connection: the pool never connects.
const db = openPostgres('postgres://nobody@127.0.0.1:1/none')
afterAll(() => db.destroy())

const changes = (query: { compile(): { query: Parameters<typeof changesSessionChecks>[0]; sql: string } }) => {
  const compiled = query.compile()
  return changesSessionChecks(compiled.query, compiled.sql)
}

const raw = (compiled: { query: Parameters<typeof changesSessionChecks>[0]; sql: string }) => changesSessionChecks(compiled.query, compiled.sql)

const session = {
  id: 's',
  token_hash: 'h',
  user_id: 'u',
  aal: 1,
  mfa_at: null,
  trusted_device: 0,
  created_at: 1,
  last_seen_at: 1,
  expires_at: 2,
  ip: null,
  user_agent: null,
}

describe('changesSessionChecks', () => {
  it('counts revocations, user changes and factor changes', () => {
    expect(changes(db.deleteFrom('sessions').where('id', '=', 's'))).toBe(true)
    expect(changes(db.updateTable('users').set({ password_hash: 'x' }).where('id', '=', 'u'))).toBe(true)
    expect(changes(db.updateTable('sessions').set({ aal: 2 }).where('id', '=', 's'))).toBe(true)
    expect(changes(db.updateTable('totp_factors').set({ status: 'active' }).where('id', '=', 'f'))).toBe(true)
    expect(changes(db.deleteFrom('totp_factors').where('user_id', '=', 'u'))).toBe(true)
    expect(changes(db.deleteFrom('webauthn_credentials').where('user_id', '=', 'u'))).toBe(true)
    const factor = {
      id: 'f',
      user_id: 'u',
      secret_sealed: 's',
      status: 'pending',
      last_used_step: null,
      created_at: 1,
      confirmed_at: null,
      last_used_at: null,
      expires_at: 2,
    }
    expect(changes(db.insertInto('totp_factors').values(factor))).toBe(true)
    expect(changes(db.deleteFrom('users').where('id', '=', 'u'))).toBe(true)
  })

  it('lets through what cannot change an answer: reads, the touch, counters, new sessions, other tables', () => {
    expect(changes(db.selectFrom('sessions').selectAll())).toBe(false)
    expect(changes(db.updateTable('sessions').set({ last_seen_at: 5 }).where('id', '=', 's'))).toBe(false)
    expect(changes(db.updateTable('totp_factors').set({ last_used_step: 5, last_used_at: 5 }).where('id', '=', 'f'))).toBe(false)
    expect(changes(db.updateTable('webauthn_credentials').set({ counter: 5, last_used_at: 5 }).where('id', '=', 'c'))).toBe(false)
    expect(changes(db.insertInto('sessions').values(session))).toBe(false)
    expect(changes(db.updateTable('rate_limits').set({ count: 1 }).where('key', '=', 'k'))).toBe(false)
    expect(raw(sql`select 1`.compile(db))).toBe(false)
  })

  it('counts what it cannot read: raw writes, an upsert on a watched table', () => {
    expect(raw(sql`delete from sessions`.compile(db))).toBe(true)
    expect(
      changes(
        db
          .insertInto('sessions')
          .values(session)
          .onConflict((oc) => oc.column('id').doUpdateSet({ aal: 2 })),
      ),
    ).toBe(true)
  })
})
