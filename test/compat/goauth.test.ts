import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { authenticator, Client, type CompatServer, codeInMail, nativeSignUp, PASSWORD, startCompatServer } from '../support/compat-client.js'

// shared/seeds/001_… (goauth "OTP & verification"), replayed against `portcullis serve` with
// COMPAT=goauth at its document's mount, /auth: the curl lines and fetch calls in their order.

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const NATIVE = '/api/auth'

describe('COMPAT=goauth: the guide, replayed', () => {
  let server: CompatServer
  /** What a browser adds to the guide's same-origin `fetch` POSTs. */
  let browserOrigin: Record<string, string>
  const client = () => new Client(server.url)
  const codeMail = (email: string) => server.smtp.waitFor(email, (m) => /Your code: \d{6}/.test(m.text)).then((m) => codeInMail(m.text))
  beforeAll(async () => {
    server = await startCompatServer({ COMPAT: 'goauth' })
    browserOrigin = { origin: server.origin }
  })
  afterAll(async () => {
    await server?.stop()
  })

  async function withTotp(email: string) {
    const { token } = await nativeSignUp(server, NATIVE, email)
    const bearer = { authorization: `Bearer ${token}` }
    const enroll = await client().send('POST', `${NATIVE}/mfa/totp/enroll`, { headers: bearer })
    const app = authenticator(enroll.body.secret)
    const confirm = await client().json('POST', `${NATIVE}/mfa/totp/confirm`, { enrollmentId: enroll.body.enrollmentId, code: await app.next() }, bearer)
    expect(confirm.status).toBe(200)
    return { app, recoveryCodes: confirm.body.recoveryCodes as string[] }
  }

  it('1. email magic link: the simple curl test, with the CSRF token the guide asks for', async () => {
    const email = 'test@example.com'
    await nativeSignUp(server, NATIVE, email)
    const curl = new Client(server.url) // -b cookies.txt -c cookies.txt

    // curl -X POST …/auth/signin/email -d "email=test@example.com": goauth's CSRF table wants the token.
    const bare = await curl.form('/auth/signin/email', { email })
    expect(bare.status).toBe(403)
    expect(bare.body.error.code).toBe('csrf_failed')
    // "Get token: GET /auth/csrf → include csrfToken in form."
    const csrf = await curl.send('GET', '/auth/csrf')
    expect(csrf.status).toBe(200)
    const requested = await curl.form('/auth/signin/email', { email, csrfToken: csrf.body.csrfToken })
    expect(requested.status).toBe(303)
    expect(requested.headers.get('location')).toBe('/auth/verify-request')
    const checkEmail = await curl.send('GET', '/auth/verify-request')
    expect(checkEmail.status).toBe(200)
    expect(checkEmail.text).toContain('Check your email')

    // The mailed link: {mount}/callback/email?email=…&token=… on PUBLIC_URL.
    const mail = await server.smtp.waitFor(email, (m) => m.text.includes('/auth/callback/email'))
    const link = new URL(/https?:\/\/\S*\/auth\/callback\/email\S*/.exec(mail.text)?.[0] as string)
    expect(link.origin).toBe(server.origin)
    expect(link.searchParams.get('email')).toBe(email)
    const token = link.searchParams.get('token') as string

    // curl "…/auth/callback/email?email=test@example.com&token=PASTE_TOKEN": the confirm page, nothing spent.
    const page = await curl.send('GET', `/auth/callback/email?email=${encodeURIComponent(email)}&token=${encodeURIComponent(token)}`)
    expect(page.status).toBe(200)
    expect(page.text).toContain('action="/auth/callback/email"')
    expect(curl.cookie('portcullis_session')).toBeUndefined()
    // Another address with this token is refused, and spends nothing.
    expect((await client().json('POST', '/auth/callback/email', { email: 'someone@example.com', token })).body.error.code).toBe('invalid_code')
    // The page's button: a session cookie.
    const pressed = await curl.form('/auth/callback/email', { email, token }, browserOrigin)
    expect(pressed.status).toBe(303)
    expect(curl.cookie('portcullis_session')).toBeDefined()
    expect((await curl.send('GET', `${NATIVE}/session`)).body.user.email).toBe(email)
    // "Link works once."
    expect((await client().json('POST', '/auth/callback/email', { email, token })).body.error.code).toBe('invalid_code')
  })

  it('2. email OTP: loginWithOTP, then the mobile token response, with the code, otp and token field names', async () => {
    const email = 'otp-user@example.com'
    await nativeSignUp(server, NATIVE, email)

    // loginWithOTP(email): two form posts with credentials: "include".
    const browser = new Client(server.url)
    const sent = await browser.form('/auth/signin/otp', { email }, browserOrigin)
    expect(sent.status).toBe(303)
    expect(sent.headers.get('location')).toBe('/auth/verify-request')
    const code = await codeMail(email)
    const res = await browser.form('/auth/callback/otp', { email, code }, browserOrigin)
    expect(res.status).toBe(200)
    expect(res.body.user.email).toBe(email)
    expect(browser.cookie('portcullis_session')).toBeDefined()
    expect((await client().form('/auth/callback/otp', { email, code })).body.error.code).toBe('invalid_code')

    // curl -X POST …/auth/callback/otp -H "X-Auth-Flow: token" -d "email=…&code=…": the token, no cookie.
    expect((await client().form('/auth/signin/otp', { email }, { 'x-auth-flow': 'token' })).status).toBe(202)
    const mobile = await client().form('/auth/callback/otp', { email, otp: await codeMail(email) }, { 'x-auth-flow': 'token' })
    expect(mobile.status).toBe(200)
    expect(typeof mobile.body.token).toBe('string')
    expect(mobile.headers.getSetCookie()).toEqual([])
    expect((await client().send('GET', `${NATIVE}/session`, { headers: { authorization: `Bearer ${mobile.body.token}` } })).status).toBe(200)

    expect((await client().form('/auth/signin/otp', { email }, { 'x-auth-flow': 'token' })).status).toBe(202)
    const third = await client().form('/auth/callback/otp', { email, token: await codeMail(email) }, { 'x-auth-flow': 'token' })
    expect(third.status).toBe(200)
    // At most 3 codes per email per 10 minutes, as the native /otp/send.
    expect((await client().form('/auth/signin/otp', { email }, { 'x-auth-flow': 'token' })).status).toBe(429)
  })

  it('3. MFA after credentials: the two-step client, trustDevice "true", then a login that skips MFA', async () => {
    const email = 'mfa-user@example.com'
    const { app, recoveryCodes } = await withTotp(email)
    const browser = new Client(server.url)

    // step1: POST /auth/callback/credentials → JSON { challenge, expiresIn }; not a session.
    const step1 = await browser.form('/auth/callback/credentials', { email, password: PASSWORD }, browserOrigin)
    expect(step1.status).toBe(200)
    const body = step1.body
    expect(typeof body.challenge).toBe('string')
    expect(body.expiresIn).toBe(300)
    expect(browser.cookie('portcullis_session')).toBeUndefined()
    expect((await client().send('GET', `${NATIVE}/session`, { headers: { authorization: `Bearer ${body.challenge}` } })).status).toBe(401)

    // if (body.challenge): POST /auth/mfa/verify { challenge, code, trustDevice: "true" }.
    const code = await app.next()
    const verified = await browser.form('/auth/mfa/verify', { challenge: body.challenge, code, trustDevice: 'true' }, browserOrigin)
    expect(verified.status).toBe(200)
    expect(browser.cookie('portcullis_session')).toBeDefined()
    expect(browser.cookie('portcullis_trusted_device')).toBeDefined()
    expect((await browser.send('GET', `${NATIVE}/session`)).body.session.aal).toBe(2)

    // "Next credentials login skips MFA if cookie matches user id."
    const next = await browser.form('/auth/callback/credentials', { email, password: PASSWORD }, browserOrigin)
    expect(next.status).toBe(200)
    expect(next.body.challenge).toBeUndefined()
    expect(next.body.user.email).toBe(email)

    // A code works once; the alias `otp` and a recovery code (any method the challenge offers) also complete it.
    const other = new Client(server.url)
    const second = await other.form('/auth/callback/credentials', { email, password: PASSWORD })
    expect((await other.form('/auth/mfa/verify', { challenge: second.body.challenge, otp: code })).body.error.code).toBe('invalid_code')
    const withRecovery = await other.form(
      '/auth/mfa/verify',
      { challenge: second.body.challenge, otp: recoveryCodes[0] as string, trust_device: 'true' },
      {
        'x-auth-flow': 'token',
      },
    )
    expect(withRecovery.status).toBe(200)
    expect(typeof withRecovery.body.token).toBe('string')
    expect(typeof withRecovery.body.trustedDeviceToken).toBe('string')
  })

  it('shares the code budget with the native API, and locks password sign-in for both', async () => {
    const email = 'goauth-budget@example.com'
    const { app } = await withTotp(email)
    const step1 = await client().form('/auth/callback/credentials', { email, password: PASSWORD })
    for (let i = 0; i < 2; i++) expect((await client().form('/auth/mfa/verify', { challenge: step1.body.challenge, code: app.wrong() })).status).toBe(400)
    const native = await client().json('POST', `${NATIVE}/login`, { email, password: PASSWORD }, { 'x-auth-flow': 'token' })
    for (let i = 0; i < 2; i++) {
      expect((await client().json('POST', `${NATIVE}/mfa/verify`, { challenge: native.body.challenge, method: 'totp', code: app.wrong() })).status).toBe(400)
    }
    expect((await client().form('/auth/mfa/verify', { challenge: step1.body.challenge, code: await app.next() })).status).toBe(429)

    const locked = 'goauth-lockout@example.com'
    await nativeSignUp(server, NATIVE, locked)
    for (let i = 0; i < 2; i++) expect((await client().form('/auth/callback/credentials', { email: locked, password: 'not it at all' })).status).toBe(401)
    expect((await client().form('/auth/callback/credentials', { email: locked, password: PASSWORD })).status).toBe(429)
    expect((await client().json('POST', `${NATIVE}/login`, { email: locked, password: PASSWORD })).status).toBe(429)
  })
})
