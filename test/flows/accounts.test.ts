import { afterEach, describe, expect, it } from 'vitest'
import { dialects } from '../support/dialects.js'
import { challengeFor, type EnrolledUser, freshCode, signInWithTotp, signUpWithTotp, wrongCode } from '../support/mfa.js'
import { SoftAuthenticator } from '../support/passkey.js'
import { createTestAuth, ORIGIN, type TestAuth } from '../support/test-auth.js'

const ADMIN_TOKEN = 'admin-token-0123456789abcdef'
const TOKEN_FLOW = { 'x-auth-flow': 'token' }
const MINUTE = 60_000
const USER_TABLES = ['sessions', 'totp_factors', 'recovery_codes', 'trusted_devices', 'webauthn_credentials', 'mfa_challenges'] as const

describe.each(dialects)('$name: account deletion and administration', (dialect) => {
  let t: TestAuth
  afterEach(async () => {
    await t.close()
  })
  const admin = (method: string, path: string, body?: unknown) => t.request(method, `/admin${path}`, { token: ADMIN_TOKEN, ...(body ? { body } : {}) })

  async function rowsLeft(userId: string, email: string): Promise<Record<string, number>> {
    const counts: Record<string, number> = {}
    for (const table of USER_TABLES) counts[table] = (await t.store.db.selectFrom(table).select('id').where('user_id', '=', userId).execute()).length
    counts.one_time_tokens = (
      await t.store.db
        .selectFrom('one_time_tokens')
        .select('id')
        .where((eb) => eb.or([eb('user_id', '=', userId), eb('email', '=', email)]))
        .execute()
    ).length
    counts.users = (await t.store.db.selectFrom('users').select('id').where('id', '=', userId).execute()).length
    return counts
  }

  /** A user with every kind of row: sessions, TOTP, recovery codes, a trusted device, a passkey, a pending challenge and mailed tokens. */
  async function userWithEverything(): Promise<{ user: EnrolledUser; token: string }> {
    const user = await signUpWithTotp(t)
    const signedIn = await signInWithTotp(t, user, { trustDevice: true })
    const token = signedIn.body.token as string
    const authenticator = new SoftAuthenticator(ORIGIN)
    const options = (await t.request('POST', '/webauthn/register/options', { token, body: {} })).body
    expect((await t.request('POST', '/webauthn/register/verify', { token, body: { response: authenticator.create(options) } })).status).toBe(200)
    await challengeFor(t, user)
    expect((await t.request('POST', '/password/forgot', { body: { email: user.email } })).status).toBe(202)
    const before = await rowsLeft(user.userId, user.email)
    for (const [table, count] of Object.entries(before)) expect(count, table).toBeGreaterThan(0)
    return { user, token }
  }

  describe('DELETE /account', () => {
    it('deletes the account and leaves no session, factor, code, device, passkey or token row; the audit trail stays', async () => {
      t = await createTestAuth(dialect)
      const { user, token } = await userWithEverything()
      const response = await t.request('DELETE', '/account', { token, body: { password: user.password } })
      expect(response.status).toBe(204)
      expect(await rowsLeft(user.userId, user.email)).toEqual({ ...Object.fromEntries(USER_TABLES.map((table) => [table, 0])), one_time_tokens: 0, users: 0 })
      expect((await t.request('GET', '/session', { token })).status).toBe(401)
      expect((await t.signIn(user.email, user.password)).status).toBe(401)
      const events = await t.auth.api.audit.list(user.userId)
      expect(events[0]).toMatchObject({ type: 'account_deleted', data: { actor: 'user' } })
      expect(events.length).toBeGreaterThan(1)
    })

    it('refuses a wrong or missing password and deletes nothing', async () => {
      t = await createTestAuth(dialect)
      const { user, token } = await t.signUp()
      const wrong = await t.request('DELETE', '/account', { token, body: { password: 'not the password at all' } })
      expect(wrong.status).toBe(401)
      expect(wrong.body.error.code).toBe('invalid_credentials')
      const missing = await t.request('DELETE', '/account', { token, body: {} })
      expect(missing.status).toBe(400)
      expect(missing.body.error.code).toBe('invalid_request')
      expect((await rowsLeft(user.id, user.email)).users).toBe(1)
    })

    it('needs a step-up from a user with a second factor, and checks a given code', async () => {
      t = await createTestAuth(dialect)
      const user = await signUpWithTotp(t)
      t.clock.advance(11 * MINUTE)
      const noCode = await t.request('DELETE', '/account', { token: user.token, body: { password: user.password } })
      expect(noCode.status).toBe(403)
      expect(noCode.body.error.code).toBe('step_up_required')
      const wrong = await t.request('DELETE', '/account', { token: user.token, body: { password: user.password, code: wrongCode(t, user) } })
      expect(wrong.status).toBe(400)
      expect(wrong.body.error.code).toBe('invalid_code')
      expect((await rowsLeft(user.userId, user.email)).users).toBe(1)
      const right = await t.request('DELETE', '/account', { token: user.token, body: { password: user.password, code: freshCode(t, user) } })
      expect(right.status).toBe(204)
      expect((await rowsLeft(user.userId, user.email)).users).toBe(0)
    })
  })

  describe('the end of a password lock', () => {
    it('is audited as account_unlocked once, by the first sign-in that finds the lock over', async () => {
      t = await createTestAuth(dialect)
      const { user, email, password } = await t.signUp()
      for (let attempt = 0; attempt < 5; attempt++) await t.signIn(email, 'not the password at all')
      expect((await t.signIn(email, password)).status).toBe(429)
      t.clock.advance(16 * MINUTE)
      expect((await t.signIn(email, password)).status).toBe(200)
      expect((await t.signIn(email, password)).status).toBe(200)
      const events = (await t.auth.api.audit.list(user.id)).filter((event) => event.type === 'account_unlocked' || event.type === 'account_locked')
      expect(events.map((event) => [event.type, event.data.reason])).toEqual([
        ['account_unlocked', 'lock_expired'],
        ['account_locked', 'password_failures'],
      ])
    })
  })

  describe('administration of users', () => {
    it('creates a user with a password, shows and lists it, and refuses a taken email', async () => {
      t = await createTestAuth(dialect, { adminToken: ADMIN_TOKEN })
      const created = await admin('POST', '/users', { email: ' New@Example.com ', name: 'New', password: 'a long admin chosen password' })
      expect(created.status).toBe(201)
      expect(created.body.user).toEqual({
        id: expect.any(String),
        email: 'new@example.com',
        emailVerified: false,
        name: 'New',
        mfaEnabled: false,
        createdAt: t.clock.now().toISOString(),
        disabled: false,
        lastSignInAt: null,
        factors: [],
        lockedUntil: null,
      })
      expect((await t.signIn('new@example.com', 'a long admin chosen password')).status).toBe(200)
      const shown = await admin('GET', `/users/${created.body.user.id}`)
      expect(shown.body.user.lastSignInAt).toBe(t.clock.now().toISOString())
      expect((await admin('POST', '/users', { email: 'new@example.com' })).status).toBe(409)
      expect((await admin('GET', '/users/nobody')).status).toBe(404)
      const events = (await t.auth.api.audit.list(created.body.user.id)).map((event) => event.type)
      expect(events).toContain('account_created')
    })

    it('mails a link to choose the password when none is given; no password works before it is used', async () => {
      t = await createTestAuth(dialect, { adminToken: ADMIN_TOKEN, publicUrl: 'https://example.com/auth' })
      const created = await admin('POST', '/users', { email: 'invited@example.com' })
      expect(created.status).toBe(201)
      const row = await t.store.db.selectFrom('users').select('password_hash').where('id', '=', created.body.user.id).executeTakeFirstOrThrow()
      expect(row.password_hash).toBeNull()
      await t.auth.flushMail()
      const mail = t.mailbox.messages.find((message) => message.to === 'invited@example.com')
      const link = /https:\/\/example\.com\/auth\/signup\/complete\?token=([A-Za-z0-9_-]+)/.exec(mail?.text ?? '')
      expect(link).not.toBeNull()
      const done = await t.request('POST', '/signup/complete', { body: { token: link?.[1], password: 'the person chose this one' }, headers: TOKEN_FLOW })
      expect(done.status).toBe(201)
      expect(done.body.user).toMatchObject({ email: 'invited@example.com', emailVerified: true })
      expect((await t.request('GET', '/session', { token: done.body.token })).status).toBe(200)
      const again = await t.request('POST', '/signup/complete', { body: { token: link?.[1], password: 'another password entirely' } })
      expect(again.status).toBe(400)
      expect(again.body.error.code).toBe('invalid_code')
    })

    it('refuses an invitation link of an account disabled since', async () => {
      t = await createTestAuth(dialect, { adminToken: ADMIN_TOKEN })
      const created = await admin('POST', '/users', { email: 'gone@example.com' })
      await t.auth.flushMail()
      const token = /signup\/complete\?token=([A-Za-z0-9_-]+)/.exec(t.mailbox.lastTo('gone@example.com')?.text ?? '')?.[1]
      expect((await admin('POST', `/users/${created.body.user.id}/disable`)).status).toBe(204)
      const refused = await t.request('POST', '/signup/complete', { body: { token, password: 'the person chose this one' } })
      expect(refused.status).toBe(403)
      expect(refused.body.error.code).toBe('account_disabled')
      expect(await t.store.db.selectFrom('sessions').select('id').execute()).toEqual([])
    })

    it('lists users newest first, a page at a time, and searches by part of the email', async () => {
      t = await createTestAuth(dialect, { adminToken: ADMIN_TOKEN })
      const emails: string[] = []
      for (let index = 0; index < 5; index++) {
        emails.push((await t.signUp(`list${index}_x@example.com`)).email)
        t.clock.advance(1000)
      }
      await t.signUp('other@example.org')
      const first = await admin('GET', '/users?limit=2&query=_X@')
      expect(first.status).toBe(200)
      expect(first.body.users.map((user: { email: string }) => user.email)).toEqual([emails[4], emails[3]])
      const second = await admin('GET', `/users?limit=2&query=_x@&cursor=${first.body.nextCursor}`)
      expect(second.body.users.map((user: { email: string }) => user.email)).toEqual([emails[2], emails[1]])
      const third = await admin('GET', `/users?limit=2&query=_x@&cursor=${second.body.nextCursor}`)
      expect(third.body).toMatchObject({ users: [{ email: emails[0] }], nextCursor: null })
      // "%" is a literal character, not a wildcard.
      expect((await admin('GET', '/users?query=%25')).body.users).toEqual([])
      expect((await admin('GET', '/users')).body.users).toHaveLength(6)
      expect((await admin('GET', '/users?limit=0')).status).toBe(400)
      expect((await admin('GET', '/users?cursor=bm9wZQ')).status).toBe(400)
    })

    it('disables an account: its sessions end, a right password answers 403 account_disabled and a wrong one 401', async () => {
      t = await createTestAuth(dialect, { adminToken: ADMIN_TOKEN })
      const { user, token, email, password } = await t.signUp()
      const totpUser = await signUpWithTotp(t)
      expect((await admin('POST', `/users/${user.id}/disable`)).status).toBe(204)
      expect((await admin('POST', `/users/${totpUser.userId}/disable`)).status).toBe(204)
      expect((await t.request('GET', '/session', { token })).status).toBe(401)
      const right = await t.signIn(email, password)
      expect(right.status).toBe(403)
      expect(right.body.error.code).toBe('account_disabled')
      // A user with a second factor is told before any challenge: the password was right.
      expect((await t.signIn(totpUser.email, totpUser.password)).body.error.code).toBe('account_disabled')
      const wrong = await t.signIn(email, 'not the password at all')
      expect(wrong.status).toBe(401)
      expect(wrong.body.error.code).toBe('invalid_credentials')
      expect((await admin('GET', `/users/${user.id}`)).body.user.disabled).toBe(true)
      expect((await admin('POST', `/users/${user.id}/enable`)).status).toBe(204)
      expect((await t.signIn(email, password)).status).toBe(200)
      const types = (await t.auth.api.audit.list(user.id)).map((event) => event.type)
      expect(types.slice(0, 3)).toEqual(['sign_in_succeeded', 'account_enabled', 'sign_in_failed'])
      expect(types).toContain('account_disabled')
    })

    it('refuses a disabled account after a right email code', async () => {
      t = await createTestAuth(dialect, { adminToken: ADMIN_TOKEN })
      const { user, email } = await t.signUp()
      await admin('POST', `/users/${user.id}/disable`)
      expect((await t.request('POST', '/otp/send', { body: { email } })).status).toBe(202)
      await t.auth.flushMail()
      const code = /\b(\d{6})\b/.exec(t.mailbox.messages.filter((message) => message.to === email).at(-1)?.text ?? '')?.[1]
      const answer = await t.request('POST', '/otp/verify', { body: { email, code }, headers: TOKEN_FLOW })
      expect(answer.status).toBe(403)
      expect(answer.body.error.code).toBe('account_disabled')
    })

    it('deletes a user as DELETE /account does', async () => {
      t = await createTestAuth(dialect, { adminToken: ADMIN_TOKEN })
      const { user } = await userWithEverything()
      expect((await admin('DELETE', `/users/${user.userId}`)).status).toBe(204)
      expect(Object.values(await rowsLeft(user.userId, user.email)).every((count) => count === 0)).toBe(true)
      expect((await admin('DELETE', `/users/${user.userId}`)).status).toBe(404)
      expect((await t.auth.api.audit.list(user.userId))[0]).toMatchObject({ type: 'account_deleted', data: { actor: 'admin' } })
    })

    it('revokes every session and trusted device of a user', async () => {
      t = await createTestAuth(dialect, { adminToken: ADMIN_TOKEN })
      const user = await signUpWithTotp(t)
      const signedIn = await signInWithTotp(t, user, { trustDevice: true })
      expect((await admin('POST', `/users/${user.userId}/sessions/revoke`)).status).toBe(204)
      expect((await t.request('GET', '/session', { token: signedIn.body.token })).status).toBe(401)
      expect((await t.request('GET', '/session', { token: user.token })).status).toBe(401)
      const again = await t.signIn(user.email, user.password, { 'x-trusted-device': signedIn.body.trustedDeviceToken })
      expect(again.body.mfaRequired).toBe(true)
    })

    it('unlocks a client address', async () => {
      t = await createTestAuth(dialect, { adminToken: ADMIN_TOKEN })
      const ip = '198.51.100.7'
      for (let index = 0; index < 20; index++) {
        await t.request('POST', '/login', { body: { email: `nobody${index}@example.com`, password: 'wrong password here' }, ip })
      }
      const { email, password } = await t.signUp()
      const locked = await t.request('POST', '/login', { body: { email, password }, ip, headers: TOKEN_FLOW })
      expect(locked.status).toBe(429)
      expect((await admin('POST', '/addresses/unlock', { ip: 'not an address' })).status).toBe(400)
      expect((await admin('POST', '/addresses/unlock', { ip })).status).toBe(204)
      expect((await t.request('POST', '/login', { body: { email, password }, ip, headers: TOKEN_FLOW })).status).toBe(200)
    })

    it('refuses every new route without the admin token', async () => {
      t = await createTestAuth(dialect, { adminToken: ADMIN_TOKEN })
      const { user, token } = await t.signUp()
      for (const [method, path] of [
        ['GET', '/admin/users'],
        ['GET', `/admin/users/${user.id}`],
        ['POST', '/admin/users'],
        ['POST', `/admin/users/${user.id}/disable`],
        ['DELETE', `/admin/users/${user.id}`],
        ['POST', `/admin/users/${user.id}/sessions/revoke`],
        ['POST', '/admin/addresses/unlock'],
      ] as const) {
        const response = await t.request(method, path, { token, ...(method === 'GET' ? {} : { body: {} }) })
        expect(response.status, path).toBe(403)
      }
    })
  })
})
