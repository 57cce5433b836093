import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dialects } from '../../../test/support/dialects.js'
import { createTestAuth, ORIGIN, STRONG_PASSWORD, type TestAuth, type TestResponse } from '../../../test/support/test-auth.js'

interface Listed {
  id: string
  current: boolean
}

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE

describe.each(dialects)('$name: sessions', (dialect) => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(dialect)
  })
  afterEach(async () => {
    await t.close()
  })

  async function sessionRow(id: string) {
    return t.store.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst()
  }

  async function lastSeenAt(id: string): Promise<number> {
    return Number((await sessionRow(id))?.last_seen_at)
  }

  async function sessionId(token: string): Promise<string> {
    const response = await t.request('GET', '/session', { token })
    expect(response.status).toBe(200)
    return response.body.session.id
  }

  async function cookieSignIn(email: string): Promise<string> {
    const response = await t.request('POST', '/login', { body: { email, password: STRONG_PASSWORD } })
    expect(response.status).toBe(200)
    return `portcullis_session=${response.cookies.portcullis_session}`
  }

  function expectUnauthorized(response: TestResponse): void {
    expect(response.status).toBe(401)
    expect(response.body.error.code).toBe('unauthorized')
  }

  describe('GET /session', () => {
    it('answers {user, session: {id, aal, createdAt, expiresAt}}', async () => {
      const start = t.clock.now()
      const { token, user } = await t.signUp()
      const response = await t.request('GET', '/session', { token })
      expect(response.status).toBe(200)
      expect(Object.keys(response.body).sort()).toEqual(['session', 'user'])
      expect(response.body.user).toEqual(user)
      expect(Object.keys(response.body.session).sort()).toEqual(['aal', 'createdAt', 'expiresAt', 'id'])
      expect(response.body.session).toMatchObject({
        aal: 1,
        createdAt: start.toISOString(),
        expiresAt: new Date(start.getTime() + HOUR).toISOString(),
      })
      expect(typeof response.body.session.id).toBe('string')
      expect(JSON.stringify(response.body)).not.toMatch(/argon2|password_hash|token_hash/)
    })

    it('refuses a request without a session, or with an unknown token', async () => {
      expectUnauthorized(await t.request('GET', '/session'))
      expectUnauthorized(await t.request('GET', '/session', { token: 'x'.repeat(43) }))
      expectUnauthorized(await t.request('GET', '/session', { cookie: 'portcullis_session=nope' }))
    })

    it('stores only a hash of the token', async () => {
      const { token } = await t.signUp()
      const row = await sessionRow(await sessionId(token))
      expect(row?.token_hash).toBeDefined()
      expect(row?.token_hash).not.toBe(token)
      expect(JSON.stringify(row)).not.toContain(token)
    })
  })

  describe('idle and absolute lifetime', () => {
    it('ends a session idle for SESSION_IDLE_TTL and deletes it', async () => {
      const { token } = await t.signUp()
      const id = await sessionId(token)
      t.clock.advance(HOUR)
      expectUnauthorized(await t.request('GET', '/session', { token }))
      expect(await sessionRow(id)).toBeUndefined()
    })

    it('keeps a session alive just before the idle limit', async () => {
      const { token } = await t.signUp()
      t.clock.advance(HOUR - SECOND)
      expect((await t.request('GET', '/session', { token })).status).toBe(200)
    })

    it('moves the idle window with activity, writing last_seen_at at most once a minute', async () => {
      const start = t.clock.now().getTime()
      const { token } = await t.signUp()
      const id = await sessionId(token)
      for (const offset of [10, 30, 59]) {
        t.clock.set(new Date(start + offset * SECOND))
        expect((await t.request('GET', '/session', { token })).status).toBe(200)
        expect(await lastSeenAt(id)).toBe(start)
      }
      t.clock.set(new Date(start + 61 * SECOND))
      expect((await t.request('GET', '/session', { token })).status).toBe(200)
      expect(await lastSeenAt(id)).toBe(start + 61 * SECOND)
      t.clock.set(new Date(start + 100 * SECOND))
      const between = await t.request('GET', '/session', { token })
      expect(await lastSeenAt(id)).toBe(start + 61 * SECOND)
      expect(between.body.session.expiresAt).toBe(new Date(start + 61 * SECOND + HOUR).toISOString())
      t.clock.set(new Date(start + 61 * SECOND + HOUR - SECOND))
      expect((await t.request('GET', '/session', { token })).status).toBe(200)
    })

    it('ends a session an hour after its last recorded activity', async () => {
      const { token } = await t.signUp()
      t.clock.advance(30 * MINUTE)
      expect((await t.request('GET', '/session', { token })).status).toBe(200)
      t.clock.advance(HOUR)
      expectUnauthorized(await t.request('GET', '/session', { token }))
    })

    it('ends a session at SESSION_MAX_TTL even with steady activity', async () => {
      const start = t.clock.now().getTime()
      const { token } = await t.signUp()
      for (let step = 1; step <= 28; step++) {
        t.clock.set(new Date(start + step * 50 * MINUTE))
        const response = await t.request('GET', '/session', { token })
        expect(response.status).toBe(200)
        expect(new Date(response.body.session.expiresAt).getTime()).toBeLessThanOrEqual(start + 24 * HOUR)
      }
      t.clock.set(new Date(start + 24 * HOUR - SECOND))
      const last = await t.request('GET', '/session', { token })
      expect(last.status).toBe(200)
      expect(last.body.session.expiresAt).toBe(new Date(start + 24 * HOUR).toISOString())
      t.clock.set(new Date(start + 24 * HOUR))
      expectUnauthorized(await t.request('GET', '/session', { token }))
    })

    it('follows configured lifetimes', async () => {
      const short = await createTestAuth(dialect, { sessionIdleTtlSeconds: 120, sessionMaxTtlSeconds: 300 })
      try {
        const { token } = await short.signUp()
        short.clock.advance(119 * SECOND)
        expect((await short.request('GET', '/session', { token })).status).toBe(200)
        short.clock.advance(119 * SECOND)
        expect((await short.request('GET', '/session', { token })).status).toBe(200)
        short.clock.advance(62 * SECOND)
        expect((await short.request('GET', '/session', { token })).status).toBe(401)
      } finally {
        await short.close()
      }
    })
  })

  describe('POST /logout', () => {
    it('revokes a cookie session server-side and clears the cookie', async () => {
      const { email } = await t.signUp()
      const cookie = await cookieSignIn(email)
      const id = (await t.request('GET', '/session', { cookie })).body.session.id
      const response = await t.request('POST', '/logout', { cookie, headers: { origin: ORIGIN } })
      expect(response.status).toBe(204)
      expect(response.headers.get('set-cookie')).toMatch(/^portcullis_session=; Max-Age=0; Path=\//)
      expect(await sessionRow(id)).toBeUndefined()
      expectUnauthorized(await t.request('GET', '/session', { cookie }))
    })

    it('revokes a bearer session and leaves the user’s other sessions alone', async () => {
      const { token, email } = await t.signUp()
      const other = (await t.signIn(email)).body.token
      expect((await t.request('POST', '/logout', { token })).status).toBe(204)
      expectUnauthorized(await t.request('GET', '/session', { token }))
      expect((await t.request('GET', '/session', { token: other })).status).toBe(200)
    })

    it('records the revocation in the audit log, once', async () => {
      const { token, user } = await t.signUp()
      const id = (await t.request('GET', '/session', { token })).body.session.id
      expect((await t.request('POST', '/logout', { token })).status).toBe(204)
      expect((await t.request('POST', '/logout', { token })).status).toBe(204)
      const revoked = (await t.auth.api.audit.list(user.id)).filter((event) => event.type === 'session_revoked')
      expect(revoked).toHaveLength(1)
      expect(revoked[0]?.data).toMatchObject({ sessionId: id, current: true, reason: 'logout' })
    })

    it('answers 204 without a session', async () => {
      expect((await t.request('POST', '/logout', { headers: { origin: ORIGIN } })).status).toBe(204)
    })
  })

  describe('GET /sessions', () => {
    it('lists the user’s live sessions, marking the current one', async () => {
      const { token, email } = await t.signUp()
      t.clock.advance(SECOND)
      const second = (await t.signIn(email, STRONG_PASSWORD, { 'user-agent': 'Phone/1.0' })).body.token
      await t.signUp()
      const response = await t.request('GET', '/sessions', { token: second })
      expect(response.status).toBe(200)
      const sessions: Listed[] = response.body.sessions
      expect(sessions).toHaveLength(2)
      for (const session of sessions) expect(Object.keys(session).sort()).toEqual(['createdAt', 'current', 'id', 'ip', 'lastSeenAt', 'userAgent'])
      const current = sessions.filter((session) => session.current)
      expect(current).toHaveLength(1)
      expect(current[0]?.id).toBe(await sessionId(second))
      expect(current[0]).toMatchObject({ ip: '127.0.0.1', userAgent: 'Phone/1.0' })
      expect(sessions.map((session) => session.id)).toContain(await sessionId(token))
    })

    it('leaves out expired sessions', async () => {
      const { token, email } = await t.signUp()
      t.clock.advance(HOUR - MINUTE)
      const fresh = (await t.signIn(email)).body.token
      t.clock.advance(2 * MINUTE)
      const response = await t.request('GET', '/sessions', { token: fresh })
      expect((response.body.sessions as Listed[]).map((session) => session.current)).toEqual([true])
      expectUnauthorized(await t.request('GET', '/session', { token }))
    })
  })

  describe('DELETE /sessions/:id', () => {
    it('revokes another of the user’s sessions and audits session_revoked', async () => {
      const { token, email, user } = await t.signUp()
      const other = (await t.signIn(email)).body.token
      const otherId = await sessionId(other)
      const response = await t.request('DELETE', `/sessions/${otherId}`, { token })
      expect(response.status).toBe(204)
      expectUnauthorized(await t.request('GET', '/session', { token: other }))
      expect((await t.request('GET', '/session', { token })).status).toBe(200)
      const events = await t.auth.api.audit.list(user.id)
      expect(events[0]).toMatchObject({ type: 'session_revoked', data: { sessionId: otherId, current: false } })
    })

    it('answers 404 for another user’s session and leaves it alive', async () => {
      const alice = await t.signUp()
      const bob = await t.signUp()
      const bobId = await sessionId(bob.token)
      const response = await t.request('DELETE', `/sessions/${bobId}`, { token: alice.token })
      expect(response.status).toBe(404)
      expect(response.body.error.code).toBe('not_found')
      expect((await t.request('GET', '/session', { token: bob.token })).status).toBe(200)
      expect((await t.auth.api.audit.list(alice.user.id)).map((event) => event.type)).not.toContain('session_revoked')
    })

    it('answers 404 for an unknown id', async () => {
      const { token } = await t.signUp()
      expect((await t.request('DELETE', '/sessions/no-such-session', { token })).status).toBe(404)
    })

    it('clears the cookie when the current session is revoked', async () => {
      const { email } = await t.signUp()
      const cookie = await cookieSignIn(email)
      const id = (await t.request('GET', '/session', { cookie })).body.session.id
      const response = await t.request('DELETE', `/sessions/${id}`, { cookie, headers: { origin: ORIGIN } })
      expect(response.status).toBe(204)
      expect(response.headers.get('set-cookie')).toMatch(/^portcullis_session=; Max-Age=0/)
      expectUnauthorized(await t.request('GET', '/session', { cookie }))
    })

    it('needs a session', async () => {
      expectUnauthorized(await t.request('DELETE', '/sessions/anything', { headers: { origin: ORIGIN } }))
    })
  })

  describe('bearer and cookie', () => {
    it('accepts the same session as a bearer token or as the cookie', async () => {
      const { token } = await t.signUp()
      expect((await t.request('GET', '/session', { token })).status).toBe(200)
      expect((await t.request('GET', '/session', { cookie: `portcullis_session=${token}` })).status).toBe(200)
    })

    it('sets an HttpOnly SameSite=Lax cookie on a browser sign-in and no token in the body', async () => {
      const { email } = await t.signUp()
      const response = await t.request('POST', '/login', { body: { email, password: STRONG_PASSWORD } })
      expect(response.body.token).toBeUndefined()
      expect(response.headers.get('set-cookie')).toMatch(/HttpOnly/)
      expect(response.headers.get('set-cookie')).toMatch(/SameSite=Lax/)
    })

    it('does not fall back to a valid cookie when the Authorization header carries a bad token', async () => {
      const { email } = await t.signUp()
      const cookie = await cookieSignIn(email)
      expectUnauthorized(await t.request('GET', '/session', { cookie, token: 'not-a-real-token' }))
      expectUnauthorized(await t.request('GET', '/session', { cookie, headers: { authorization: 'Basic dXNlcjpwYXNz' } }))
      expectUnauthorized(await t.request('GET', '/session', { cookie, headers: { authorization: 'Bearer' } }))
      expect((await t.request('GET', '/session', { cookie })).status).toBe(200)
    })

    it('issues a new token on every sign-in, each its own session', async () => {
      const { token, email } = await t.signUp()
      const again = (await t.signIn(email)).body.token
      expect(again).not.toBe(token)
      expect(await sessionId(again)).not.toBe(await sessionId(token))
    })
  })
})
