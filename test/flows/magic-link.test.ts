import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AuthOptions } from '../../src/config/options.js'
import { dialects } from '../support/dialects.js'
import { lastMail, linkIn, mailsTo, tokenIn } from '../support/mail.js'
import { signUpWithTotp } from '../support/mfa.js'
import { createTestAuth, ORIGIN, type TestAuth } from '../support/test-auth.js'

const VERIFY_PATH = '/api/auth/magic-link/verify'

describe.each(dialects)('$name: magic links', (dialect) => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(dialect)
  })
  afterEach(async () => {
    await t.close()
  })

  async function reconfigure(options: AuthOptions) {
    await t.close()
    t = await createTestAuth(dialect, options)
  }

  const send = (email: string, redirectTo?: string) =>
    t.request('POST', '/magic-link/send', { body: { email, ...(redirectTo !== undefined ? { redirectTo } : {}) } })
  const postJson = (token: string, headers: Record<string, string> = { 'x-auth-flow': 'token' }) =>
    t.request('POST', '/magic-link/verify', { body: { token }, headers })
  const postForm = (token: string, origin = ORIGIN) => t.request('POST', '/magic-link/verify', { form: { token }, headers: { origin } })
  const linkMails = async (email: string) => (await mailsTo(t, email)).filter((mail) => mail.subject.includes('sign-in link'))

  async function sendLink(email: string, redirectTo?: string): Promise<string> {
    const response = await send(email, redirectTo)
    expect(response.status).toBe(202)
    return tokenIn(await lastMail(t, email, 'sign-in link'), '/magic-link/verify')
  }

  describe('POST /magic-link/send', () => {
    it('answers 202 and mails a link to PUBLIC_URL + /api/auth/magic-link/verify?token=…', async () => {
      const { email } = await t.signUp()
      const response = await send(email)
      expect(response.status).toBe(202)
      expect(await linkMails(email)).toHaveLength(1)
      const mail = await lastMail(t, email, 'sign-in link')
      expect(mail.subject).toBe('Portcullis: your sign-in link')
      expect(mail.text).toContain('It expires in 15 minutes and works once.')
      const link = linkIn(mail, '/magic-link/verify')
      expect(`${link.origin}${link.pathname}`).toBe(`${ORIGIN}${VERIFY_PATH}`)
      expect([...link.searchParams.keys()]).toEqual(['token'])
      // 32 random bytes, base64url.
      expect(link.searchParams.get('token')).toMatch(/^[A-Za-z0-9_-]{43,}$/)
      expect(mail.html).toContain(`href="${link.href}"`)
    })

    it('answers an unknown email alike and mails nothing', async () => {
      const response = await send('nobody@example.com')
      expect(response.status).toBe(202)
      expect(await mailsTo(t, 'nobody@example.com')).toHaveLength(0)
    })

    it('sends at most three links per email in ten minutes, answering 202 all the same (API.md: "202 always")', async () => {
      const { email } = await t.signUp()
      for (let attempt = 0; attempt < 5; attempt++) expect((await send(email)).status).toBe(202)
      expect(await linkMails(email)).toHaveLength(3)
      t.clock.advance(11 * 60_000)
      expect((await send(email)).status).toBe(202)
      expect(await linkMails(email)).toHaveLength(4)
    })

    it('mails no link to an unverified address when requireVerifiedEmailForOtp is on', async () => {
      await reconfigure({ requireVerifiedEmailForOtp: true })
      const { email } = await t.signUp()
      expect((await send(email)).status).toBe(202)
      expect(await linkMails(email)).toHaveLength(0)

      const verifyToken = tokenIn(await lastMail(t, email, 'confirm your email'), '/email/verify')
      expect((await t.request('POST', '/email/verify', { body: { token: verifyToken } })).status).toBe(204)
      expect((await send(email)).status).toBe(202)
      expect(await linkMails(email)).toHaveLength(1)
    })
  })

  describe('GET /magic-link/verify', () => {
    it('renders a page whose form POSTs the token, sets no cookie and consumes nothing', async () => {
      const { email } = await t.signUp()
      const token = await sendLink(email)
      for (let visit = 0; visit < 2; visit++) {
        const page = await t.request('GET', `/magic-link/verify?token=${encodeURIComponent(token)}`)
        expect(page.status).toBe(200)
        expect(page.headers.get('content-type')).toMatch(/^text\/html/)
        expect(page.headers.get('set-cookie')).toBeNull()
        expect(page.body).toContain(`<form method="post" action="${VERIFY_PATH}"`)
        expect(page.body).toContain(`name="token" value="${token}"`)
        expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
        expect(page.headers.get('x-frame-options')).toBe('DENY')
        expect(page.headers.get('referrer-policy')).toBe('no-referrer')
        expect(page.headers.get('cache-control')).toBe('no-store')
      }
      const head = await t.request('HEAD', `/magic-link/verify?token=${encodeURIComponent(token)}`)
      expect(head.status).toBe(200)
      expect(head.body).toBeNull()
      expect(head.headers.get('set-cookie')).toBeNull()

      const signedIn = await postJson(token)
      expect(signedIn.status).toBe(200)
      expect(signedIn.body.token).toEqual(expect.any(String))
    })

    it('escapes the token it echoes', async () => {
      const page = await t.request('GET', `/magic-link/verify?token=${encodeURIComponent('"><script>alert(1)</script>')}`)
      expect(page.status).toBe(200)
      expect(page.body).not.toContain('<script>')
      expect(page.body).toContain('&quot;&gt;&lt;script&gt;')
    })

    it('answers a missing token with 400 invalid_request', async () => {
      const response = await t.request('GET', '/magic-link/verify')
      expect(response.status).toBe(400)
      expect(response.body.error.code).toBe('invalid_request')
    })
  })

  describe('POST /magic-link/verify', () => {
    it('signs in like /login with JSON: a token in the token flow, an aal 1 session, a verified email', async () => {
      const { email } = await t.signUp()
      const response = await postJson(await sendLink(email))
      expect(response.status).toBe(200)
      expect(response.body.user).toMatchObject({ email, emailVerified: true, mfaEnabled: false })
      expect(response.headers.get('set-cookie')).toBeNull()
      const session = await t.request('GET', '/session', { token: response.body.token })
      expect(session.body.session.aal).toBe(1)
    })

    it('sets the session cookie for JSON in the cookie flow', async () => {
      const { email } = await t.signUp()
      const response = await postJson(await sendLink(email), {})
      expect(response.status).toBe(200)
      expect(response.body.token).toBeUndefined()
      expect(response.cookies.portcullis_session).toBeTruthy()
    })

    it('answers a form post with 303 to redirectTo and the session cookie', async () => {
      const { email } = await t.signUp()
      const response = await postForm(await sendLink(email, '/dashboard'))
      expect(response.status).toBe(303)
      expect(response.headers.get('location')).toBe('/dashboard')
      const cookie = response.cookies.portcullis_session
      expect(cookie).toBeTruthy()
      const session = await t.request('GET', '/session', { cookie: `portcullis_session=${cookie}` })
      expect(session.status).toBe(200)
      expect(session.body.user.email).toBe(email)
    })

    it('redirects a form post to / when the link has no redirectTo', async () => {
      const { email } = await t.signUp()
      const response = await postForm(await sendLink(email))
      expect(response.status).toBe(303)
      expect(response.headers.get('location')).toBe('/')
    })

    it('refuses a form post from another site and leaves the link usable', async () => {
      const { email } = await t.signUp()
      const token = await sendLink(email)
      const forged = await postForm(token, 'https://evil.example')
      expect(forged.status).toBe(403)
      expect(forged.body.error.code).toBe('csrf_failed')
      expect(forged.headers.get('set-cookie')).toBeNull()
      expect((await postJson(token)).status).toBe(200)
    })

    it('refuses a used link: invalid_code for JSON, an HTML error page for a form', async () => {
      const { email } = await t.signUp()
      const token = await sendLink(email)
      expect((await postJson(token)).status).toBe(200)
      const json = await postJson(token)
      expect(json.status).toBe(400)
      expect(json.body.error.code).toBe('invalid_code')
      const form = await postForm(token)
      expect(form.status).toBe(400)
      expect(form.headers.get('content-type')).toMatch(/^text\/html/)
      expect(form.body).toContain('invalid, expired or was already used')
      expect(form.headers.get('x-frame-options')).toBe('DENY')
      expect(form.headers.get('set-cookie')).toBeNull()
    })

    it('lets exactly one of 20 concurrent uses of a link win', async () => {
      const { email } = await t.signUp()
      const token = await sendLink(email)
      const results = await Promise.all(Array.from({ length: 20 }, () => postJson(token)))
      expect(results.filter((response) => response.status === 200)).toHaveLength(1)
      expect(results.filter((response) => response.status === 400 && response.body.error.code === 'invalid_code')).toHaveLength(19)
    })

    it('works for 15 minutes and not after', async () => {
      const { email } = await t.signUp()
      const early = await sendLink(email)
      t.clock.advance(15 * 60_000 - 1000)
      expect((await postJson(early)).status).toBe(200)
      const late = await sendLink(email)
      t.clock.advance(15 * 60_000)
      const response = await postJson(late)
      expect(response.status).toBe(400)
      expect(response.body.error.code).toBe('invalid_code')
    })

    it('is never a session token, nor a token of another purpose', async () => {
      const { email } = await t.signUp()
      const token = await sendLink(email)
      expect((await t.request('GET', '/session', { token })).status).toBe(401)
      const reset = await t.request('POST', '/password/reset', { body: { token, newPassword: 'another long passphrase here' } })
      expect(reset.body.error.code).toBe('invalid_code')
      expect((await t.request('POST', '/email/verify', { body: { token } })).body.error.code).toBe('invalid_code')
      expect((await postJson(token)).status).toBe(200)
    })

    it('gives a user with TOTP a challenge without email_otp, and no session', async () => {
      const user = await signUpWithTotp(t)
      const response = await postJson(await sendLink(user.email))
      expect(response.status).toBe(200)
      expect(response.body).toEqual({ mfaRequired: true, challenge: expect.any(String), expiresIn: 300, methods: ['totp', 'recovery_code'] })
      expect(response.headers.get('set-cookie')).toBeNull()
    })

    it('redirects the form post of a user with TOTP to the second-factor step, without a session cookie', async () => {
      const user = await signUpWithTotp(t)
      const response = await postForm(await sendLink(user.email, '/dashboard'))
      expect(response.status).toBe(303)
      const location = new URL(response.headers.get('location') ?? '', ORIGIN)
      expect(location.pathname).toBe('/login/verify')
      const challenge = location.searchParams.get('challenge') ?? ''
      expect(response.cookies.portcullis_session).toBeUndefined()
      const status = await t.request('GET', `/mfa/challenge/status?challenge=${encodeURIComponent(challenge)}`)
      expect(status.body).toMatchObject({ state: 'pending', methods: ['totp', 'recovery_code'] })
      const completed = await t.request('POST', '/mfa/verify', { body: { challenge, method: 'totp', code: user.code() }, headers: { 'x-auth-flow': 'token' } })
      expect(completed.status).toBe(200)
    })
  })

  describe('redirectTo', () => {
    it('accepts a same-site path and an absolute URL of the public origin', async () => {
      const { email } = await t.signUp()
      expect((await send(email, '/dashboard?tab=security#top')).status).toBe(202)
      expect((await send(email, `${ORIGIN}/after`)).status).toBe(202)
      const response = await postForm(tokenIn(await lastMail(t, email, 'sign-in link'), '/magic-link/verify'))
      expect(response.headers.get('location')).toBe(`${ORIGIN}/after`)
    })

    it('refuses anything else with 400 invalid_request and mails nothing', async () => {
      const { email } = await t.signUp()
      const refused = [
        '//evil.example',
        '/\\evil.example',
        'https://evil.example',
        'javascript:alert(1)',
        'http://localhost:3000.evil.example',
        'https://user@localhost:3000',
        'http://user:pass@localhost:3000/',
        '/\t/evil.example',
        'evil.example',
        'data:text/html,hi',
      ]
      for (const redirectTo of refused) {
        const response = await send(email, redirectTo)
        expect(response.status, redirectTo).toBe(400)
        expect(response.body.error, redirectTo).toMatchObject({ code: 'invalid_request', details: [{ field: 'redirectTo' }] })
      }
      expect(await linkMails(email)).toHaveLength(0)
    })

    it('accepts an origin listed in allowedRedirects, and only that origin', async () => {
      await reconfigure({ allowedRedirects: ['https://app.example.com'] })
      const { email } = await t.signUp()
      expect((await send(email, 'https://app.example.com.evil.example/')).status).toBe(400)
      expect((await send(email, 'http://app.example.com/')).status).toBe(400)
      const token = await sendLink(email, 'https://app.example.com/welcome')
      const response = await postForm(token)
      expect(response.status).toBe(303)
      expect(response.headers.get('location')).toBe('https://app.example.com/welcome')
    })
  })
})
