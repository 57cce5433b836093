import { afterEach, describe, expect, it } from 'vitest'
import { dialects } from '../support/dialects.js'
import { challengeFor, type EnrolledUser, freshCode, signInWithTotp, signUpWithTotp, wrongCode } from '../support/mfa.js'
import { createTestAuth, ORIGIN, type RequestInit, type TestAuth } from '../support/test-auth.js'

const ADMIN_TOKEN = 'admin-token-0123456789abcdef'
const MINUTE = 60_000

describe.each(dialects)('$name: administration', (dialect) => {
  let t: TestAuth
  afterEach(async () => {
    await t.close()
  })

  describe('with an admin token configured', () => {
    let user: EnrolledUser
    async function setUp() {
      t = await createTestAuth(dialect, { adminToken: ADMIN_TOKEN })
      user = await signUpWithTotp(t)
    }
    const admin = (method: string, path: string, token = ADMIN_TOKEN) => t.request(method, `/admin${path}`, { token })
    const verify = (challenge: string, code: string) =>
      t.request('POST', '/mfa/verify', { body: { challenge, method: 'totp', code }, headers: { 'x-auth-flow': 'token' } })

    describe('DELETE /admin/users/:id/mfa', () => {
      it('removes every factor, recovery code and trusted device and ends every session', async () => {
        await setUp()
        const { body } = await signInWithTotp(t, user, { trustDevice: true })
        const response = await admin('DELETE', `/users/${user.userId}/mfa`)
        expect(response.status).toBe(204)
        for (const token of [user.token, body.token]) {
          const old = await t.request('GET', '/session', { token })
          expect(old.status).toBe(401)
          expect(old.body.error.code).toBe('unauthorized')
        }
        const count = async (table: 'totp_factors' | 'recovery_codes' | 'trusted_devices' | 'sessions') =>
          (await t.store.db.selectFrom(table).select('id').where('user_id', '=', user.userId).execute()).length
        expect([await count('totp_factors'), await count('recovery_codes'), await count('trusted_devices'), await count('sessions')]).toEqual([0, 0, 0, 0])
        const events = await t.auth.api.audit.list(user.userId)
        expect(events[0]).toMatchObject({ type: 'admin_mfa_reset', data: { actor: 'admin' } })
      })

      it('lets the next sign-in through with a session instead of a challenge', async () => {
        await setUp()
        await admin('DELETE', `/users/${user.userId}/mfa`)
        const signIn = await t.signIn(user.email, user.password)
        expect(signIn.status).toBe(200)
        expect(signIn.body.mfaRequired).toBeUndefined()
        expect(signIn.body.user.mfaEnabled).toBe(false)
        const overview = await t.request('GET', '/mfa', { token: signIn.body.token })
        expect(overview.body).toMatchObject({ enabled: false, factors: [], recoveryCodesRemaining: 0, trustedDevices: 0 })
      })

      it('leaves other users alone', async () => {
        await setUp()
        const other = await signUpWithTotp(t)
        await admin('DELETE', `/users/${user.userId}/mfa`)
        expect((await t.request('GET', '/session', { token: other.token })).status).toBe(200)
        expect(await challengeFor(t, other)).toEqual(expect.any(String))
      })
    })

    describe('POST /admin/users/:id/unlock', () => {
      it('lifts a password lock', async () => {
        await setUp()
        for (let attempt = 0; attempt < 5; attempt++) expect((await t.signIn(user.email, 'not the password at all')).status).toBe(401)
        const locked = await t.signIn(user.email, user.password)
        expect(locked.status).toBe(429)
        expect(locked.body.error.code).toBe('too_many_requests')
        expect((await admin('POST', `/users/${user.userId}/unlock`)).status).toBe(204)
        const signIn = await t.signIn(user.email, user.password)
        expect(signIn.status).toBe(200)
        expect(signIn.body.mfaRequired).toBe(true)
        const types = (await t.auth.api.audit.list(user.userId)).map((event) => event.type)
        expect(types.indexOf('account_unlocked')).toBeGreaterThan(-1)
        expect(types.indexOf('account_unlocked')).toBeLessThan(types.indexOf('account_locked'))
      })

      it('lifts the second-factor code lock', async () => {
        await setUp()
        for (let round = 0; round < 2; round++) {
          const challenge = await challengeFor(t, user)
          for (let attempt = 0; attempt < 5; attempt++) expect((await verify(challenge, wrongCode(t, user))).status).toBe(400)
        }
        expect((await verify(await challengeFor(t, user), freshCode(t, user))).status).toBe(429)
        expect((await admin('POST', `/users/${user.userId}/unlock`)).status).toBe(204)
        expect((await verify(await challengeFor(t, user), freshCode(t, user))).status).toBe(200)
      })

      it('answers 204 for a user who is not locked', async () => {
        await setUp()
        expect((await admin('POST', `/users/${user.userId}/unlock`)).status).toBe(204)
      })
    })

    describe('GET /admin/users/:id/audit', () => {
      it('returns the user’s events, newest first, with address and user agent', async () => {
        await setUp()
        t.clock.advance(MINUTE)
        const failedAt = t.clock.now().toISOString()
        await t.request('POST', '/login', {
          body: { email: user.email, password: 'not the password at all' },
          ip: '203.0.113.9',
          headers: { 'user-agent': 'Audit/1.0' },
        })
        t.clock.advance(MINUTE)
        const other = await t.signUp()
        await t.signIn(other.email, 'not the password at all')
        const response = await admin('GET', `/users/${user.userId}/audit`)
        expect(response.status).toBe(200)
        const { events } = response.body
        expect(events[0]).toEqual({
          type: 'sign_in_failed',
          at: failedAt,
          ip: '203.0.113.9',
          userAgent: 'Audit/1.0',
          data: { method: 'password', reason: 'wrong_password' },
        })
        for (const event of events) expect(Object.keys(event).sort()).toEqual(['at', 'data', 'ip', 'type', 'userAgent'])
        const times = events.map((event: { at: string }) => Date.parse(event.at))
        expect(times).toEqual([...times].sort((a, b) => b - a))
        expect(events.map((event: { type: string }) => event.type)).toEqual(expect.arrayContaining(['factor_enrolled', 'recovery_codes_generated']))
        expect(events.filter((event: { type: string }) => event.type === 'sign_in_failed')).toHaveLength(1)
      })
    })

    it('answers 404 for an unknown user on every route', async () => {
      await setUp()
      for (const [method, path] of [
        ['DELETE', '/users/no-such-user/mfa'],
        ['POST', '/users/no-such-user/unlock'],
        ['GET', '/users/no-such-user/audit'],
      ] as const) {
        const response = await admin(method, path)
        expect(response.status).toBe(404)
        expect(response.body.error.code).toBe('not_found')
      }
    })

    it('answers 403 to a wrong token, a user’s session token, a cookie session or no token, and changes nothing', async () => {
      await setUp()
      const attempts: RequestInit[] = [
        { token: 'admin-token-0123456789abcdeX' },
        { token: ADMIN_TOKEN.slice(0, -1) },
        { token: user.token },
        { cookie: `portcullis_session=${user.token}`, headers: { origin: ORIGIN } },
        { headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`, origin: ORIGIN } },
        { headers: { origin: ORIGIN } },
      ]
      for (const init of attempts) {
        for (const [method, path] of [
          ['DELETE', `/users/${user.userId}/mfa`],
          ['POST', `/users/${user.userId}/unlock`],
          ['GET', `/users/${user.userId}/audit`],
        ] as const) {
          const response = await t.request(method, `/admin${path}`, init)
          expect(response.status, `${method} ${path} ${JSON.stringify(init)}`).toBe(403)
          expect(response.body.error.code).toBe('forbidden')
        }
      }
      expect((await t.request('GET', '/mfa', { token: user.token })).body.enabled).toBe(true)
    })
  })

  it('refuses every admin route when no admin token is configured', async () => {
    t = await createTestAuth(dialect)
    const { user, token } = await t.signUp()
    for (const [method, path] of [
      ['DELETE', `/admin/users/${user.id}/mfa`],
      ['POST', `/admin/users/${user.id}/unlock`],
      ['GET', `/admin/users/${user.id}/audit`],
      ['GET', '/admin/users/no-such-user/audit'],
    ] as const) {
      for (const bearer of [ADMIN_TOKEN, token, 'undefined']) {
        const response = await t.request(method, path, { token: bearer })
        expect(response.status).toBe(403)
        expect(response.body.error.code).toBe('forbidden')
      }
    }
    expect((await t.request('GET', '/session', { token })).status).toBe(200)
  })
})
