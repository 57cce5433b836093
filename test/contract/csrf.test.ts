import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dialects } from '../support/dialects.js'
import { createTestAuth, ORIGIN, STRONG_PASSWORD, type TestAuth, type TestResponse } from '../support/test-auth.js'

const EVIL = 'https://evil.example'

describe.each(dialects)('$name: CSRF', (dialect) => {
  let t: TestAuth
  let cookie: string
  let sessionId: string

  beforeEach(async () => {
    t = await createTestAuth(dialect, { allowedOrigins: ['https://app.example.com'] })
    const { email } = await t.signUp()
    const response = await t.request('POST', '/login', { body: { email, password: STRONG_PASSWORD } })
    cookie = `portcullis_session=${response.cookies.portcullis_session}`
    sessionId = (await t.request('GET', '/session', { cookie })).body.session.id
  })
  afterEach(async () => {
    await t.close()
  })

  function expectRefused(response: TestResponse): void {
    expect(response.status).toBe(403)
    expect(response.body).toEqual({ error: { code: 'csrf_failed', message: expect.any(String) } })
  }

  async function sessionAlive(): Promise<boolean> {
    return (await t.request('GET', '/session', { cookie })).status === 200
  }

  // POST /logout is the probe: a refused request must leave the session alive.
  const logout = (headers: Record<string, string> = {}, withCookie = cookie) => t.request('POST', '/logout', { cookie: withCookie, headers })

  describe('cookie-authenticated state changes', () => {
    it('refuses a POST without Origin and without a token', async () => {
      expectRefused(await logout())
      expect(await sessionAlive()).toBe(true)
    })

    it('refuses a POST from a foreign Origin', async () => {
      expectRefused(await logout({ origin: EVIL }))
      expectRefused(await logout({ origin: 'null' }))
      expectRefused(await logout({ origin: 'http://localhost:3000.evil.example' }))
      expectRefused(await logout({ origin: 'https://localhost:3000' }))
      expect(await sessionAlive()).toBe(true)
    })

    it('accepts a POST from the public origin', async () => {
      expect((await logout({ origin: ORIGIN })).status).toBe(204)
      expect(await sessionAlive()).toBe(false)
    })

    it('accepts a POST from a configured allowed origin', async () => {
      expect((await logout({ origin: 'https://app.example.com' })).status).toBe(204)
    })

    it('refuses Sec-Fetch-Site: cross-site even with the public Origin', async () => {
      expectRefused(await logout({ origin: ORIGIN, 'sec-fetch-site': 'cross-site' }))
      expectRefused(await logout({ 'sec-fetch-site': 'cross-site' }))
      expect(await sessionAlive()).toBe(true)
    })

    it('refuses a DELETE without proof', async () => {
      expectRefused(await t.request('DELETE', `/sessions/${sessionId}`, { cookie, headers: { origin: EVIL } }))
      expect(await sessionAlive()).toBe(true)
    })

    it('refuses before authenticating: an unknown cookie gets csrf_failed, not a hint about the session', async () => {
      expectRefused(await logout({ origin: EVIL }, 'portcullis_session=whatever'))
    })
  })

  describe('X-CSRF-Token', () => {
    it('accepts the token from GET /csrf for the same session, without Origin', async () => {
      const issued = await t.request('GET', '/csrf', { cookie })
      expect(issued.status).toBe(200)
      expect(typeof issued.body.csrfToken).toBe('string')
      expect((await logout({ 'x-csrf-token': issued.body.csrfToken })).status).toBe(204)
      expect(await sessionAlive()).toBe(false)
    })

    it('accepts the token even from a foreign origin', async () => {
      const token = (await t.request('GET', '/csrf', { cookie })).body.csrfToken
      expect((await logout({ origin: EVIL, 'x-csrf-token': token })).status).toBe(204)
    })

    it('refuses a token issued for another session', async () => {
      const { email } = await t.signUp()
      const other = await t.request('POST', '/login', { body: { email, password: STRONG_PASSWORD } })
      const otherCookie = `portcullis_session=${other.cookies.portcullis_session}`
      const foreignToken = (await t.request('GET', '/csrf', { cookie: otherCookie })).body.csrfToken
      expectRefused(await logout({ 'x-csrf-token': foreignToken }))
      expect(await sessionAlive()).toBe(true)
    })

    it('refuses a token of the wrong shape or an empty one', async () => {
      const token = (await t.request('GET', '/csrf', { cookie })).body.csrfToken
      expectRefused(await logout({ 'x-csrf-token': `${token}x` }))
      expectRefused(await logout({ 'x-csrf-token': token.slice(1) }))
      expectRefused(await logout({ 'x-csrf-token': '' }))
      expect(await sessionAlive()).toBe(true)
    })

    it('issues the same token for the session each time', async () => {
      const first = (await t.request('GET', '/csrf', { cookie })).body.csrfToken
      const second = (await t.request('GET', '/csrf', { cookie })).body.csrfToken
      expect(second).toBe(first)
    })
  })

  describe('exemptions', () => {
    it('exempts bearer requests, whatever their Origin', async () => {
      const { token } = await t.signUp()
      const response = await t.request('POST', '/logout', { token, headers: { origin: EVIL, 'sec-fetch-site': 'cross-site' } })
      expect(response.status).toBe(204)
      expect((await t.request('GET', '/session', { token })).status).toBe(401)
    })

    it('does not let a bogus bearer header turn a cookie request into an exempt one', async () => {
      const response = await t.request('POST', '/logout', { cookie, headers: { origin: EVIL, authorization: 'Bearer forged' } })
      expect(response.status).toBe(204)
      expect(await sessionAlive()).toBe(true)
    })

    it('never blocks GET', async () => {
      for (const headers of [{}, { origin: EVIL }, { 'sec-fetch-site': 'cross-site' }] as Record<string, string>[]) {
        expect((await t.request('GET', '/session', { cookie, headers })).status).toBe(200)
        expect((await t.request('GET', '/sessions', { cookie, headers })).status).toBe(200)
        expect((await t.request('GET', '/csrf', { cookie, headers })).status).toBe(200)
      }
    })
  })

  describe('sign-in from another origin', () => {
    it('refuses a cross-origin cookie-flow /login', async () => {
      const { email } = await t.signUp()
      const response = await t.request('POST', '/login', { body: { email, password: STRONG_PASSWORD }, headers: { origin: EVIL } })
      expectRefused(response)
      expect(response.headers.get('set-cookie')).toBeNull()
      expectRefused(await t.request('POST', '/login', { body: { email, password: STRONG_PASSWORD }, headers: { 'sec-fetch-site': 'cross-site' } }))
    })

    it('refuses a cross-origin /signup in the cookie flow and creates no user', async () => {
      const response = await t.request('POST', '/signup', { body: { email: 'forged@example.com', password: STRONG_PASSWORD }, headers: { origin: EVIL } })
      expectRefused(response)
      expect(await t.auth.api.accounts.findByEmail('forged@example.com')).toBeUndefined()
    })

    it('allows a cross-origin /login in the token flow, which sets no cookie', async () => {
      const { email } = await t.signUp()
      for (const flow of [{ 'x-auth-flow': 'token' }, { 'x-auth-strategy': 'bearer' }] as Record<string, string>[]) {
        const response = await t.request('POST', '/login', { body: { email, password: STRONG_PASSWORD }, headers: { origin: EVIL, ...flow } })
        expect(response.status).toBe(200)
        expect(typeof response.body.token).toBe('string')
        expect(response.headers.get('set-cookie')).toBeNull()
      }
    })

    it('allows a same-origin cookie-flow /login, and one without Origin (no cookie yet)', async () => {
      const { email } = await t.signUp()
      expect((await t.request('POST', '/login', { body: { email, password: STRONG_PASSWORD }, headers: { origin: ORIGIN } })).status).toBe(200)
      expect((await t.request('POST', '/login', { body: { email, password: STRONG_PASSWORD } })).status).toBe(200)
    })

    it('accepts a cross-origin cookie-flow /login that carries the pre-session token with its nonce cookie', async () => {
      const { email } = await t.signUp()
      const issued = await t.request('GET', '/csrf')
      const nonce = issued.cookies.portcullis_csrf
      expect(nonce).toBeTruthy()
      const headers = { origin: EVIL, 'x-csrf-token': issued.body.csrfToken }
      const withNonce = await t.request('POST', '/login', { body: { email, password: STRONG_PASSWORD }, headers, cookie: `portcullis_csrf=${nonce}` })
      expect(withNonce.status).toBe(200)
      expectRefused(await t.request('POST', '/login', { body: { email, password: STRONG_PASSWORD }, headers }))
      expectRefused(await t.request('POST', '/login', { body: { email, password: STRONG_PASSWORD }, headers, cookie: 'portcullis_csrf=another-nonce' }))
    })
  })
})
