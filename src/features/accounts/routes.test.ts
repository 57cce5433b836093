import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dialects } from '../../../test/support/dialects.js'
import { createTestAuth, ORIGIN, STRONG_PASSWORD, type TestAuth } from '../../../test/support/test-auth.js'

describe.each(dialects)('$name: accounts', (dialect) => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(dialect)
  })
  afterEach(async () => {
    await t.close()
  })

  describe('POST /signup', () => {
    it('creates a user and a session cookie', async () => {
      const response = await t.request('POST', '/signup', { body: { email: '  Alice@Example.com ', password: STRONG_PASSWORD, name: 'Alice' } })
      expect(response.status).toBe(201)
      expect(response.body.user).toMatchObject({ email: 'alice@example.com', name: 'Alice', emailVerified: false, mfaEnabled: false })
      expect(Object.keys(response.body.user).sort()).toEqual(['createdAt', 'email', 'emailVerified', 'id', 'mfaEnabled', 'name'])
      expect(response.body.token).toBeUndefined()
      expect(response.headers.get('set-cookie')).toMatch(/portcullis_session=.+; Max-Age=86400; Path=\/; HttpOnly; SameSite=Lax/)
      const session = await t.request('GET', '/session', { cookie: `portcullis_session=${response.cookies.portcullis_session}` })
      expect(session.status).toBe(200)
      expect(session.body.session.aal).toBe(1)
    })

    it('returns the token instead of a cookie in the token flow', async () => {
      const response = await t.request('POST', '/signup', {
        body: { email: 'bob@example.com', password: STRONG_PASSWORD },
        headers: { 'x-auth-strategy': 'bearer' },
      })
      expect(response.status).toBe(201)
      expect(typeof response.body.token).toBe('string')
      expect(response.headers.get('set-cookie')).toBeNull()
    })

    it('refuses a taken email, compared case-insensitively', async () => {
      await t.signUp('carol@example.com')
      const response = await t.request('POST', '/signup', { body: { email: 'CAROL@example.com ', password: STRONG_PASSWORD } })
      expect(response.status).toBe(409)
      expect(response.body.error.code).toBe('conflict')
    })

    it('lists every failed password rule', async () => {
      const response = await t.request('POST', '/signup', { body: { email: 'dave@example.com', password: 'dave-Qx7' } })
      expect(response.status).toBe(422)
      expect(response.body.error.code).toBe('weak_password')
      expect(response.body.error.details).toEqual([{ rule: 'min_length' }, { rule: 'contains_email' }])
    })
  })

  describe('POST /login', () => {
    it('signs in with the right password and issues a new token each time', async () => {
      const { email, token } = await t.signUp()
      const first = await t.signIn(email)
      expect(first.status).toBe(200)
      expect(first.body.user.email).toBe(email)
      expect(first.body.token).not.toBe(token)
      const second = await t.signIn(email)
      expect(second.body.token).not.toBe(first.body.token)
    })

    it('answers a wrong password and an unknown email alike', async () => {
      const { email } = await t.signUp()
      const wrong = await t.signIn(email, 'not the right password at all')
      const unknown = await t.signIn('nobody@example.com', 'not the right password at all')
      expect(wrong.status).toBe(401)
      expect(unknown.status).toBe(401)
      expect(wrong.body).toEqual(unknown.body)
      expect(wrong.body.error.code).toBe('invalid_credentials')
    })
  })

  describe('POST /password/change', () => {
    it('changes the password and revokes every other session', async () => {
      const { email, token } = await t.signUp()
      const other = (await t.signIn(email)).body.token
      const newPassword = 'a brand new passphrase 42'
      const response = await t.request('POST', '/password/change', { token, body: { currentPassword: STRONG_PASSWORD, newPassword } })
      expect(response.status).toBe(204)
      expect((await t.request('GET', '/session', { token: other })).status).toBe(401)
      expect((await t.request('GET', '/session', { token })).status).toBe(200)
      expect((await t.signIn(email, STRONG_PASSWORD)).status).toBe(401)
      expect((await t.signIn(email, newPassword)).status).toBe(200)
      const events = await t.auth.api.audit.list((await t.auth.api.accounts.findByEmail(email))!.id)
      expect(events.map((event) => event.type)).toContain('password_changed')
    })

    it('refuses a wrong current password and keeps the old one', async () => {
      const { email, token } = await t.signUp()
      const response = await t.request('POST', '/password/change', {
        token,
        body: { currentPassword: 'wrong wrong wrong', newPassword: 'another good passphrase' },
      })
      expect(response.status).toBe(401)
      expect(response.body.error.code).toBe('invalid_credentials')
      expect((await t.signIn(email)).status).toBe(200)
    })

    it('needs a session', async () => {
      const response = await t.request('POST', '/password/change', { body: { currentPassword: 'x', newPassword: 'y' }, headers: { origin: ORIGIN } })
      expect(response.status).toBe(401)
      expect(response.body.error.code).toBe('unauthorized')
    })
  })

  describe('GET /password/policy', () => {
    it('describes the policy', async () => {
      const response = await t.request('GET', '/password/policy')
      expect(response.status).toBe(200)
      expect(response.body).toMatchObject({ minLength: 12, maxLength: 128 })
      expect(response.headers.get('cache-control')).toBe('no-store')
    })
  })
})
