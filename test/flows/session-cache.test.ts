import { setImmediate as nextTurn } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeSecret, totpCodeAt } from '../../src/features/totp/index.js'
import { dialects } from '../support/dialects.js'
import { signUpWithTotp } from '../support/mfa.js'
import { createTestAuth, type TestAuth } from '../support/test-auth.js'

const MINUTE = 60_000

// Repeated session checks are answered from memory (src/features/sessions/lookup-cache.ts on
// SQLite, shared-lookup-cache.ts on PostgreSQL). Whatever this process, or on SQLite any process,
// changes must show in the very next check; other processes on PostgreSQL: test/flows/two-processes.test.ts.
describe.each(dialects)('$name: session checks see every change at once', (dialect) => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(dialect)
  })
  afterEach(async () => {
    await t.close()
  })

  const check = (token: string) => t.request('GET', '/session', { token })

  it('ends a session revoked through the API, while other sessions keep answering', async () => {
    const first = await t.signUp()
    const second = await t.signIn(first.email, first.password)
    for (let i = 0; i < 3; i++) expect((await check(first.token)).status).toBe(200)
    expect((await check(second.body.token)).status).toBe(200)
    expect((await t.request('POST', '/logout', { token: first.token })).status).toBe(204)
    expect((await check(first.token)).status).toBe(401)
    expect((await check(second.body.token)).status).toBe(200)
  })

  it('ends a session deleted by another process, from its next event-loop turn', async () => {
    const { token, user } = await t.signUp()
    expect((await check(token)).status).toBe(200)
    await t.store.db.deleteFrom('sessions').where('user_id', '=', user.id).execute()
    await nextTurn()
    expect((await check(token)).status).toBe(401)
  })

  it('shows a user changed by another process, and a second factor switched on', async () => {
    const { token, user } = await t.signUp()
    expect((await check(token)).body.user).toMatchObject({ name: null, emailVerified: false, mfaEnabled: false })
    await t.store.db.updateTable('users').set({ name: 'Renamed', email_verified_at: t.clock.now().getTime() }).where('id', '=', user.id).execute()
    await nextTurn()
    expect((await check(token)).body.user).toMatchObject({ name: 'Renamed', emailVerified: true })

    const enrolled = await signUpWithTotp(t)
    expect((await check(enrolled.token)).body.user.mfaEnabled).toBe(true)
  })

  it('shows a factor switched on in the very next check of a cached session, and keeps the cache across other sign-ins', async () => {
    const { token, email, password } = await t.signUp()
    expect((await check(token)).body.user.mfaEnabled).toBe(false)
    // New sessions (sign-ins) do not change a cached answer, so they do not empty the cache.
    expect((await t.signIn(email, password)).status).toBe(200)
    expect((await check(token)).body.user.mfaEnabled).toBe(false)
    const enrollment = await t.request('POST', '/mfa/totp/enroll', { token, body: {} })
    const code = totpCodeAt(decodeSecret(enrollment.body.secret), Math.floor(t.clock.now().getTime() / 1000))
    expect((await t.request('POST', '/mfa/totp/confirm', { token, body: { enrollmentId: enrollment.body.enrollmentId, code } })).status).toBe(200)
    expect((await check(token)).body.user.mfaEnabled).toBe(true)
  })

  it('keeps idle and absolute expiry exact for a session answered from memory', async () => {
    const { token } = await t.signUp()
    expect((await check(token)).status).toBe(200)
    t.clock.advance(59 * MINUTE)
    expect((await check(token)).status).toBe(200)
    // The check above moved the idle window: another 59 minutes are fine, 61 idle minutes are not.
    t.clock.advance(59 * MINUTE)
    expect((await check(token)).status).toBe(200)
    t.clock.advance(61 * MINUTE)
    expect((await check(token)).status).toBe(401)
  })
})
