import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AuthOptions } from '../../src/config/options.js'
import { dialects } from '../support/dialects.js'
import { codeIn, lastMail, mailsTo, tokenIn } from '../support/mail.js'
import { signUpWithTotp } from '../support/mfa.js'
import { createTestAuth, type TestAuth } from '../support/test-auth.js'

const TEN_MINUTES = 10 * 60_000

describe.each(dialects)('$name: email sign-in codes', (dialect) => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(dialect)
  })
  afterEach(async () => {
    await t.close()
  })

  /** Replaces the fixture with one built from other options. */
  async function reconfigure(options: AuthOptions) {
    await t.close()
    t = await createTestAuth(dialect, options)
  }

  const send = (email: string, ip?: string) => t.request('POST', '/otp/send', { body: { email }, ...(ip ? { ip } : {}) })
  const verify = (email: string, code: string, headers: Record<string, string> = { 'x-auth-flow': 'token' }) =>
    t.request('POST', '/otp/verify', { body: { email, code }, headers })
  const codeMails = async (email: string) => (await mailsTo(t, email)).filter((mail) => mail.subject.includes('sign-in code'))
  const other = (code: string) => (code === '000000' ? '111111' : '000000')

  async function sendCode(email: string): Promise<string> {
    const response = await send(email)
    expect(response.status).toBe(202)
    return codeIn(await lastMail(t, email, 'sign-in code'))
  }

  async function sessionCount(userId: string): Promise<number> {
    const rows = await t.store.db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute()
    return rows.length
  }

  describe('POST /otp/send', () => {
    it('answers 202 and mails a six-digit code that names the product and its lifetime', async () => {
      const { email } = await t.signUp()
      const response = await send(email)
      expect(response.status).toBe(202)
      expect(response.body).toBeNull()
      expect(await codeMails(email)).toHaveLength(1)
      const mail = await lastMail(t, email, 'sign-in code')
      expect(mail.subject).toBe('Portcullis: your sign-in code')
      expect(codeIn(mail)).toMatch(/^\d{6}$/)
      expect(mail.text).toContain('It expires in 5 minutes and works once.')
      expect(mail.html).toContain(codeIn(mail))
    })

    it('answers an unknown email alike and mails nothing', async () => {
      await t.signUp()
      const before = t.mailbox.messages.length
      const response = await send('nobody@example.com')
      expect(response.status).toBe(202)
      expect(response.body).toBeNull()
      expect(await mailsTo(t, 'nobody@example.com')).toHaveLength(0)
      expect(t.mailbox.messages).toHaveLength(before)
    })

    it('sends at most three codes per email in ten minutes, then 429 with Retry-After, however the email is written', async () => {
      const { email } = await t.signUp()
      for (const variant of [email, email.toUpperCase(), ` ${email} `]) expect((await send(variant)).status).toBe(202)
      const refused = await send(email)
      expect(refused.status).toBe(429)
      expect(refused.body.error.code).toBe('too_many_requests')
      const retryAfter = Number(refused.headers.get('retry-after'))
      expect(retryAfter).toBeGreaterThan(0)
      expect(retryAfter).toBeLessThanOrEqual(600)
      expect(await codeMails(email)).toHaveLength(3)

      t.clock.advance(TEN_MINUTES)
      expect((await send(email)).status).toBe(202)
      expect(await codeMails(email)).toHaveLength(4)
    })

    it('limits unknown emails the same way', async () => {
      for (let attempt = 0; attempt < 3; attempt++) expect((await send('ghost@example.com')).status).toBe(202)
      const refused = await send('ghost@example.com')
      expect(refused.status).toBe(429)
      expect(refused.body.error.code).toBe('too_many_requests')
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
      t.clock.advance(TEN_MINUTES)
      expect((await send('ghost@example.com')).status).toBe(202)
    })

    it('limits one client address across many emails', async () => {
      for (let attempt = 0; attempt < 30; attempt++) expect((await send(`spray${attempt}@example.com`, '198.51.100.7')).status).toBe(202)
      const refused = await send('spray-last@example.com', '198.51.100.7')
      expect(refused.status).toBe(429)
      expect(refused.body.error.code).toBe('too_many_requests')
      expect((await send('spray-last@example.com', '198.51.100.8')).status).toBe(202)
    })

    it('mails nothing to an unverified address when requireVerifiedEmailForOtp is on, and answers alike', async () => {
      await reconfigure({ requireVerifiedEmailForOtp: true })
      const { email } = await t.signUp()
      const response = await send(email)
      expect(response.status).toBe(202)
      expect(await codeMails(email)).toHaveLength(0)

      const verifyToken = tokenIn(await lastMail(t, email, 'confirm your email'), '/email/verify')
      expect((await t.request('POST', '/email/verify', { body: { token: verifyToken } })).status).toBe(204)
      expect((await send(email)).status).toBe(202)
      expect(await codeMails(email)).toHaveLength(1)
    })
  })

  describe('POST /otp/verify', () => {
    it('signs a user without a second factor in (aal 1) and marks the email verified', async () => {
      const { email, user } = await t.signUp()
      expect(user.emailVerified).toBe(false)
      const response = await verify(email, await sendCode(email))
      expect(response.status).toBe(200)
      expect(response.body.user).toMatchObject({ email, emailVerified: true, mfaEnabled: false })
      expect(response.body.token).toEqual(expect.any(String))
      const session = await t.request('GET', '/session', { token: response.body.token })
      expect(session.status).toBe(200)
      expect(session.body.session.aal).toBe(1)
      expect(session.body.user.emailVerified).toBe(true)
    })

    it('sets the session cookie in the cookie flow', async () => {
      const { email } = await t.signUp()
      const response = await verify(email, await sendCode(email), {})
      expect(response.status).toBe(200)
      expect(response.body.token).toBeUndefined()
      expect(response.cookies.portcullis_session).toBeTruthy()
    })

    it('accepts the email in another case and with spaces', async () => {
      const { email } = await t.signUp()
      const code = await sendCode(email)
      expect((await verify(`  ${email.toUpperCase()} `, code)).status).toBe(200)
    })

    it('gives a user with TOTP a challenge that does not offer email as the second factor', async () => {
      const user = await signUpWithTotp(t)
      const response = await verify(user.email, await sendCode(user.email))
      expect(response.status).toBe(200)
      expect(response.body).toEqual({ mfaRequired: true, challenge: expect.any(String), expiresIn: 300, methods: ['totp', 'recovery_code'] })
      expect(response.headers.get('set-cookie')).toBeNull()
      expect(await sessionCount(user.userId)).toBe(1)

      const completed = await t.request('POST', '/mfa/verify', {
        body: { challenge: response.body.challenge, method: 'totp', code: user.code() },
        headers: { 'x-auth-flow': 'token' },
      })
      expect(completed.status).toBe(200)
      expect((await t.request('GET', '/session', { token: completed.body.token })).body.session.aal).toBe(2)
    })

    it('refuses a wrong code with invalid_code and signs no one in', async () => {
      const { email, user } = await t.signUp()
      const code = await sendCode(email)
      for (const wrong of [other(code), '12345', 'abcdef', `${code}0`]) {
        const response = await verify(email, wrong)
        expect(response.status).toBe(400)
        expect(response.body.error.code).toBe('invalid_code')
      }
      expect(await sessionCount(user.id)).toBe(1)
      expect((await verify(email, code)).status).toBe(200)
    })

    it('refuses a code for an unknown email with the same answer', async () => {
      const response = await verify('nobody@example.com', '123456')
      expect(response.status).toBe(400)
      expect(response.body.error.code).toBe('invalid_code')
    })

    it('lets a code work until MFA_OTP_TTL and not after', async () => {
      const { email } = await t.signUp()
      const early = await sendCode(email)
      t.clock.advance(299_000)
      expect((await verify(email, early)).status).toBe(200)

      const late = await sendCode(email)
      t.clock.advance(300_000)
      const response = await verify(email, late)
      expect(response.status).toBe(400)
      expect(response.body.error.code).toBe('invalid_code')
    })

    it('follows a configured MFA_OTP_TTL', async () => {
      await reconfigure({ otpTtlSeconds: 60 })
      const { email } = await t.signUp()
      const code = await sendCode(email)
      expect((await lastMail(t, email, 'sign-in code')).text).toContain('It expires in 1 minute and')
      t.clock.advance(61_000)
      expect((await verify(email, code)).body.error.code).toBe('invalid_code')
    })

    it('accepts a code once', async () => {
      const { email } = await t.signUp()
      const code = await sendCode(email)
      expect((await verify(email, code)).status).toBe(200)
      const again = await verify(email, code)
      expect(again.status).toBe(400)
      expect(again.body.error.code).toBe('invalid_code')
    })

    it('lets exactly one of 20 concurrent verifications of one code win', async () => {
      const { email, user } = await t.signUp()
      const code = await sendCode(email)
      const results = await Promise.all(Array.from({ length: 20 }, () => verify(email, code)))
      expect(results.filter((response) => response.status === 200)).toHaveLength(1)
      for (const response of results.filter((result) => result.status !== 200)) {
        expect(['invalid_code', 'too_many_requests']).toContain(response.body.error.code)
      }
      // The sign-up session plus exactly one from the code.
      expect(await sessionCount(user.id)).toBe(2)
    })

    it('voids the previous code when a new one is sent', async () => {
      const { email } = await t.signUp()
      const first = await sendCode(email)
      const second = await sendCode(email)
      expect(second).not.toBe(first)
      const old = await verify(email, first)
      expect(old.status).toBe(400)
      expect(old.body.error.code).toBe('invalid_code')
      expect((await verify(email, second)).status).toBe(200)
    })

    it('counts wrong tries per email across codes: after five, even a new right code is refused until the window ends', async () => {
      const { email } = await t.signUp()
      const code = await sendCode(email)
      for (let attempt = 0; attempt < 5; attempt++) expect((await verify(email, other(code))).body.error.code).toBe('invalid_code')
      const sixth = await verify(email, code)
      expect(sixth.status).toBe(429)
      expect(sixth.body.error.code).toBe('too_many_requests')
      expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0)

      // Asking for a new code buys no new guesses.
      const fresh = await sendCode(email)
      const refused = await verify(email, fresh)
      expect(refused.status).toBe(429)
      expect(refused.body.error.code).toBe('too_many_requests')

      t.clock.advance(TEN_MINUTES)
      expect((await verify(email, await sendCode(email))).status).toBe(200)
    })

    it('compares at most five codes of a concurrent burst of guesses', async () => {
      const { email } = await t.signUp()
      const code = await sendCode(email)
      const guesses = Array.from({ length: 30 }, (_, index) => String((Number(code) + 1 + index) % 1_000_000).padStart(6, '0'))
      const results = await Promise.all([...guesses, code].map((guess) => verify(email, guess)))
      const compared = results.filter((response) => response.status !== 429)
      expect(compared.length).toBe(5)
      expect(results.filter((response) => response.status === 429 && response.body.error.code === 'too_many_requests')).toHaveLength(26)
    })

    it('counts wrong tries for unknown emails the same way', async () => {
      for (let attempt = 0; attempt < 5; attempt++) expect((await verify('ghost@example.com', '123456')).status).toBe(400)
      const sixth = await verify('ghost@example.com', '123456')
      expect(sixth.status).toBe(429)
      expect(sixth.body.error.code).toBe('too_many_requests')
    })
  })
})
