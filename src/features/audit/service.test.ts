import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dialects } from '../../../test/support/dialects.js'
import { createTestAuth, type TestAuth } from '../../../test/support/test-auth.js'
import type { AuditEventType } from './types.js'

const CONTEXT = { ip: '198.51.100.7', userAgent: 'Test/1.0' }
const TYPES: AuditEventType[] = ['sign_in_failed', 'account_locked', 'account_unlocked', 'sign_in_succeeded', 'password_changed']

describe.each(dialects)('$name: audit chain', (dialect) => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(dialect)
  })
  afterEach(async () => {
    await t.close()
  })

  const audit = () => t.auth.api.audit
  const rows = () => t.store.db.selectFrom('audit_events').selectAll().orderBy('seq').execute()
  /** Five events by two users, one second apart, with different data. */
  async function recordFive(): Promise<void> {
    for (const [index, type] of TYPES.entries()) {
      await audit().record(type, index % 2 === 0 ? 'user-a' : 'user-b', CONTEXT, { index })
      t.clock.advance(1000)
    }
  }

  it('is ok on an empty log', async () => {
    expect(await audit().verify()).toEqual({ ok: true, entries: 0 })
  })

  it('is ok on an untouched log', async () => {
    await recordFive()
    expect(await audit().verify()).toEqual({ ok: true, entries: 5 })
    expect((await rows()).map((row) => Number(row.seq))).toEqual([1, 2, 3, 4, 5])
  })

  it('lists a user’s events newest first, as recorded', async () => {
    await recordFive()
    const events = await audit().list('user-a')
    expect(events.map((event) => event.type)).toEqual(['password_changed', 'account_unlocked', 'sign_in_failed'])
    expect(events[0]).toEqual({ type: 'password_changed', at: expect.any(String), ip: CONTEXT.ip, userAgent: CONTEXT.userAgent, data: { index: 4 } })
  })

  it('finds an entry whose data was edited, by its seq', async () => {
    await recordFive()
    await t.store.db
      .updateTable('audit_events')
      .set({ data: JSON.stringify({ index: 99 }) })
      .where('seq', '=', 3)
      .execute()
    expect(await audit().verify()).toMatchObject({ ok: false, seq: 3, entries: 2 })
  })

  it('finds an entry whose type, user, time or address was edited', async () => {
    await recordFive()
    const edits = [{ type: 'sign_in_succeeded' }, { user_id: 'user-c' }, { at: 1 }, { ip: '203.0.113.1' }, { user_agent: null }] as const
    for (const edit of edits) {
      const [original] = await t.store.db.selectFrom('audit_events').selectAll().where('seq', '=', 2).execute()
      await t.store.db.updateTable('audit_events').set(edit).where('seq', '=', 2).execute()
      expect(await audit().verify(), JSON.stringify(edit)).toMatchObject({ ok: false, seq: 2 })
      const { seq: _seq, ...restore } = original as NonNullable<typeof original>
      await t.store.db.updateTable('audit_events').set(restore).where('seq', '=', 2).execute()
      expect((await audit().verify()).ok).toBe(true)
    }
  })

  it('finds a deleted middle entry', async () => {
    await recordFive()
    await t.store.db.deleteFrom('audit_events').where('seq', '=', 3).execute()
    expect(await audit().verify()).toMatchObject({ ok: false, seq: 3, entries: 2 })
  })

  it('finds a deleted last entry', async () => {
    await recordFive()
    await t.store.db.deleteFrom('audit_events').where('seq', '=', 5).execute()
    expect(await audit().verify()).toMatchObject({ ok: false, seq: 5, entries: 4 })
  })

  it('finds a forged entry appended after the last one', async () => {
    await recordFive()
    const [last] = await t.store.db.selectFrom('audit_events').selectAll().where('seq', '=', 5).execute()
    await t.store.db
      .insertInto('audit_events')
      .values({ ...(last as NonNullable<typeof last>), seq: 6, type: 'admin_mfa_reset', data: '{}', prev_hash: last?.hash as string, hash: 'forged' })
      .execute()
    expect(await audit().verify()).toMatchObject({ ok: false, seq: 6, entries: 5 })
  })

  it('finds a forged entry inserted in the middle', async () => {
    await recordFive()
    const all = await rows()
    // Make room at seq 3 by moving the later entries up one, as an attacker with SQL access could.
    for (const row of [...all].reverse()) {
      if (Number(row.seq) >= 3)
        await t.store.db
          .updateTable('audit_events')
          .set({ seq: Number(row.seq) + 1 })
          .where('seq', '=', row.seq)
          .execute()
    }
    const second = all[1] as (typeof all)[number]
    await t.store.db
      .insertInto('audit_events')
      .values({ ...second, seq: 3, type: 'account_unlocked', data: '{}', prev_hash: second.hash, hash: second.hash })
      .execute()
    await t.store.db.updateTable('audit_head').set({ seq: 6 }).execute()
    expect(await audit().verify()).toMatchObject({ ok: false, seq: 3, entries: 2 })
  })

  it('finds two entries whose contents were swapped', async () => {
    await recordFive()
    const [second, third] = (await rows()).slice(1, 3) as [Awaited<ReturnType<typeof rows>>[number], Awaited<ReturnType<typeof rows>>[number]]
    const content = ({ user_id, type, at, ip, user_agent, data }: typeof second) => ({ user_id, type, at, ip, user_agent, data })
    await t.store.db.updateTable('audit_events').set(content(third)).where('seq', '=', 2).execute()
    await t.store.db.updateTable('audit_events').set(content(second)).where('seq', '=', 3).execute()
    expect(await audit().verify()).toMatchObject({ ok: false, seq: 2, entries: 1 })
  })

  it('finds two whole rows swapped, hashes and all', async () => {
    await recordFive()
    const [second, third] = (await rows()).slice(1, 3) as [Awaited<ReturnType<typeof rows>>[number], Awaited<ReturnType<typeof rows>>[number]]
    const withoutSeq = ({ seq: _seq, ...rest }: typeof second) => rest
    await t.store.db.updateTable('audit_events').set(withoutSeq(third)).where('seq', '=', 2).execute()
    await t.store.db.updateTable('audit_events').set(withoutSeq(second)).where('seq', '=', 3).execute()
    expect(await audit().verify()).toMatchObject({ ok: false, seq: 2, entries: 1 })
  })

  it('keeps a valid chain under 20 concurrent records', async () => {
    await recordFive()
    await Promise.all(Array.from({ length: 20 }, (_, index) => audit().record('session_revoked', `user-${index}`, CONTEXT, { index })))
    expect(await audit().verify()).toEqual({ ok: true, entries: 25 })
    const all = await rows()
    expect(all.map((row) => Number(row.seq))).toEqual(Array.from({ length: 25 }, (_, index) => index + 1))
    expect(new Set(all.map((row) => row.prev_hash)).size).toBe(25)
    const recorded = all.slice(5).map((row) => (JSON.parse(row.data) as { index: number }).index)
    expect(recorded.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index))
  })

  it('keeps a valid chain when events come from 20 concurrent HTTP sign-ins', async () => {
    const { email, password } = await t.signUp()
    await Promise.all(Array.from({ length: 20 }, (_, index) => t.signIn(email, index % 2 === 0 ? password : 'not the password at all')))
    expect(await audit().verify()).toMatchObject({ ok: true })
  })
})
