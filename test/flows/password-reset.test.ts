import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dialects } from '../support/dialects.js'
import { lastMail, linkIn, mailsTo, tokenIn } from '../support/mail.js'
import { challengeFor, signUpWithTotp } from '../support/mfa.js'
import { createTestAuth, ORIGIN, type TestAuth } from '../support/test-auth.js'

const NEW_PASSWORD = 'a brand new passphrase for this account'

describe.each(dialects)('$name: password reset by email', (dialect) => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(dialect)
  })
  afterEach(async () => {
    await t.close()
  })

  const forgot = (email: string) => t.request('POST', '/password/forgot', { body: { email } })
  const reset = (token: string, newPassword = NEW_PASSWORD) => t.request('POST', '/password/reset', { body: { token, newPassword } })
  const resetMails = async (email: string) => (await mailsTo(t, email)).filter((mail) => mail.subject.includes('reset your password'))

  async function resetToken(email: string): Promise<string> {
    expect((await forgot(email)).status).toBe(202)
    return tokenIn(await lastMail(t, email, 'reset your password'), '/password/reset')
  }

  describe('POST /password/forgot', () => {
    it('answers 202 and mails a reset link that names the product and its lifetime', async () => {
      const { email } = await t.signUp()
      const response = await forgot(email)
      expect(response.status).toBe(202)
      expect(response.body).toBeNull()
      expect(await resetMails(email)).toHaveLength(1)
      const mail = await lastMail(t, email, 'reset your password')
      expect(mail.subject).toBe('Portcullis: reset your password')
      expect(mail.text).toContain('The link expires in 30 minutes and works once.')
      const link = linkIn(mail, '/password/reset')
      expect(link.origin).toBe(ORIGIN)
      expect(link.searchParams.get('token')).toMatch(/^[A-Za-z0-9_-]{43,}$/)
    })

    it('answers 202 for an unknown email and mails nothing', async () => {
      const response = await forgot('nobody@example.com')
      expect(response.status).toBe(202)
      expect(await mailsTo(t, 'nobody@example.com')).toHaveLength(0)
    })

    it('keeps answering 202 past its rate limit, without mailing more', async () => {
      const { email } = await t.signUp()
      for (let attempt = 0; attempt < 5; attempt++) expect((await forgot(email)).status).toBe(202)
      expect(await resetMails(email)).toHaveLength(3)
    })
  })

  describe('POST /password/reset', () => {
    it('sets the password, ends every session and trusted device, makes no session, audits and notifies', async () => {
      const user = await signUpWithTotp(t)
      const challenge = await challengeFor(t, user)
      const trusted = await t.request('POST', '/mfa/verify', {
        body: { challenge, method: 'totp', code: user.code(), trustDevice: true },
        headers: { 'x-auth-flow': 'token' },
      })
      expect(trusted.status).toBe(200)
      const deviceToken: string = trusted.body.trustedDeviceToken
      expect(deviceToken).toEqual(expect.any(String))

      const token = await resetToken(user.email)
      const response = await reset(token)
      expect(response.status).toBe(204)
      expect(response.body).toBeNull()
      expect(response.headers.get('set-cookie')).toBeNull()

      for (const old of [user.token, trusted.body.token]) expect((await t.request('GET', '/session', { token: old })).status).toBe(401)
      const devices = await t.store.db.selectFrom('trusted_devices').select('id').where('user_id', '=', user.userId).execute()
      expect(devices).toHaveLength(0)
      const sessions = await t.store.db.selectFrom('sessions').select('id').where('user_id', '=', user.userId).execute()
      expect(sessions).toHaveLength(0)

      expect((await t.signIn(user.email, user.password)).body.error.code).toBe('invalid_credentials')
      // The reset does not bypass MFA, and the old trusted device no longer skips it.
      t.clock.advance(30_000)
      const next = await t.signIn(user.email, NEW_PASSWORD, { 'x-trusted-device': deviceToken })
      expect(next.status).toBe(200)
      expect(next.body).toMatchObject({ mfaRequired: true, methods: ['totp', 'recovery_code', 'email_otp'] })

      const types = (await t.auth.api.audit.list(user.userId)).map((event) => event.type)
      expect(types).toContain('password_reset')
      const notice = await lastMail(t, user.email, 'security notice')
      expect(notice.text).toContain('reset')
      expect(notice.text).not.toContain(token)
    })

    it('lets a user without a second factor sign in with the new password', async () => {
      const { email } = await t.signUp()
      expect((await reset(await resetToken(email))).status).toBe(204)
      const signedIn = await t.signIn(email, NEW_PASSWORD)
      expect(signedIn.status).toBe(200)
      expect(signedIn.body.token).toEqual(expect.any(String))
    })

    it('refuses a weak password with 422 and leaves the link usable', async () => {
      const { email } = await t.signUp()
      const token = await resetToken(email)
      const short = await reset(token, 'short')
      expect(short.status).toBe(422)
      expect(short.body.error).toMatchObject({ code: 'weak_password', details: expect.arrayContaining([{ rule: 'min_length' }]) })
      const withEmail = await reset(token, `${email} forever and ever`)
      expect(withEmail.status).toBe(422)
      expect(withEmail.body.error.details).toEqual(expect.arrayContaining([{ rule: 'contains_email' }]))
      expect((await reset(token)).status).toBe(204)
    })

    it('accepts a link once', async () => {
      const { email } = await t.signUp()
      const token = await resetToken(email)
      expect((await reset(token)).status).toBe(204)
      const again = await reset(token, 'yet another passphrase of mine')
      expect(again.status).toBe(400)
      expect(again.body.error.code).toBe('invalid_code')
      expect((await t.signIn(email, NEW_PASSWORD)).status).toBe(200)
    })

    it('lets exactly one of 20 concurrent resets with one link win', async () => {
      const { email } = await t.signUp()
      const token = await resetToken(email)
      const results = await Promise.all(Array.from({ length: 20 }, (_, index) => reset(token, `${NEW_PASSWORD} number ${index}`)))
      const winners = results.filter((response) => response.status === 204)
      expect(winners).toHaveLength(1)
      expect(results.filter((response) => response.status === 400 && response.body.error.code === 'invalid_code')).toHaveLength(19)
    })

    it('works for 30 minutes and not after', async () => {
      const { email } = await t.signUp()
      const early = await resetToken(email)
      t.clock.advance(30 * 60_000 - 1000)
      expect((await reset(early)).status).toBe(204)
      const late = await resetToken(email)
      t.clock.advance(30 * 60_000)
      const response = await reset(late)
      expect(response.status).toBe(400)
      expect(response.body.error.code).toBe('invalid_code')
    })

    it('voids an earlier link when a new one is mailed', async () => {
      const { email } = await t.signUp()
      const first = await resetToken(email)
      const second = await resetToken(email)
      expect((await reset(first)).body.error.code).toBe('invalid_code')
      expect((await reset(second)).status).toBe(204)
    })

    it('refuses an unknown token', async () => {
      const response = await reset('not-a-real-token')
      expect(response.status).toBe(400)
      expect(response.body.error.code).toBe('invalid_code')
    })
  })
})
