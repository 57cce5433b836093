import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { authenticator, Client, type CompatServer, nativeSignUp, PASSWORD, startCompatServer } from '../support/compat-client.js'

// shared/seeds/004_… (Node auth router "TOTP 2FA Recipe"), replayed against `portcullis serve`
// with COMPAT=auth-router: `app.use('/auth', auth.router())` is the default mount, /auth.

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const NATIVE = '/api/auth'

describe('COMPAT=auth-router: the recipe, replayed', () => {
  let server: CompatServer
  /** What the browser adds to the recipe's `fetch` calls: its Origin (same-origin POST) and the cookie jar of `credentials: 'include'`. */
  let origin: Record<string, string>
  beforeAll(async () => {
    server = await startCompatServer({ COMPAT: 'auth-router' })
    origin = { origin: server.origin }
  })
  afterAll(async () => {
    await server?.stop()
  })

  async function signedIn(email: string): Promise<Client> {
    await nativeSignUp(server, NATIVE, email)
    const browser = new Client(server.url)
    const login = await browser.json('POST', '/auth/login', { email, password: PASSWORD }, origin)
    expect(login.status).toBe(200)
    expect(login.body.user.email).toBe(email)
    return browser
  }

  async function enrolled(email: string) {
    const browser = await signedIn(email)
    const { secret } = (await browser.json('POST', '/auth/2fa/setup', undefined, origin)).body
    const app = authenticator(secret)
    expect((await browser.json('POST', '/auth/2fa/verify-setup', { token: await app.next(), secret }, origin)).status).toBe(200)
    return { browser, app }
  }

  it('enrols, then signs in with tempToken and totpCode, by cookie and in bearer mode', async () => {
    const email = 'router-walk@example.com'
    const browser = await signedIn(email)

    // Step 2: POST /auth/2fa/setup → { secret, otpauthUrl, qrCode } (qrCode a data: URI).
    const setup = await browser.json('POST', '/auth/2fa/setup', undefined, origin)
    expect(setup.status).toBe(200)
    const { secret, otpauthUrl, qrCode } = setup.body
    expect(secret).toMatch(/^[A-Z2-7]+$/)
    expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\//)
    expect(otpauthUrl).toContain(`secret=${secret}`)
    expect(qrCode).toMatch(/^data:image\//)
    const app = authenticator(secret)

    // Confirm activation: { token: '123456', secret }; the secret must be the pending one.
    const otherSecret = await browser.json('POST', '/auth/2fa/verify-setup', { token: '123456', secret: 'JBSWY3DPEHPK3PXP' }, origin)
    expect(otherSecret.status).toBe(400)
    const verifySetup = await browser.json('POST', '/auth/2fa/verify-setup', { token: await app.next(), secret }, origin)
    expect(verifySetup.status).toBe(200)
    expect(verifySetup.body.enabled).toBe(true)
    expect(verifySetup.body.recoveryCodes).toHaveLength(10)

    // Step 3: initial login → 2FA challenge; tempToken is a native challenge, never a session.
    const phone = new Client(server.url)
    const loginRes = await phone.json('POST', '/auth/login', { email, password: PASSWORD }, origin)
    expect(loginRes.status).toBe(200)
    expect(loginRes.body.requiresTwoFactor).toBe(true)
    const { tempToken, available2faMethods } = loginRes.body
    expect(available2faMethods).toContain('totp')
    expect(phone.cookie('portcullis_session')).toBeUndefined()
    expect((await phone.send('GET', `${NATIVE}/session`, { headers: { authorization: `Bearer ${tempToken}` } })).status).toBe(401)
    const status = await phone.send('GET', `${NATIVE}/mfa/challenge/status?challenge=${encodeURIComponent(tempToken)}`)
    expect(status.body.state).toBe('pending')

    // Step 2 of the login: { tempToken, totpCode } → a full session (a cookie here).
    const totpCode = await app.next()
    const verified = await phone.json('POST', '/auth/2fa/verify', { tempToken, totpCode }, origin)
    expect(verified.status).toBe(200)
    expect(verified.body.user.email).toBe(email)
    expect(verified.body.token).toBeUndefined()
    const session = await phone.send('GET', `${NATIVE}/session`)
    expect(session.body.session.aal).toBe(2)

    // The tempToken completes once; the code works once.
    const reused = await phone.json('POST', '/auth/2fa/verify', { tempToken, totpCode }, origin)
    expect(reused.status).toBe(400)
    expect(reused.body.error.code).toBe('challenge_invalid')
    const mobile = new Client(server.url)
    const second = await mobile.json('POST', '/auth/login', { email, password: PASSWORD })
    const replay = await mobile.json('POST', '/auth/2fa/verify', { tempToken: second.body.tempToken, totpCode }, { 'x-auth-strategy': 'bearer' })
    expect(replay.status).toBe(400)
    expect(replay.body.error.code).toBe('invalid_code')

    // Bearer mode: X-Auth-Strategy: bearer on /auth/2fa/verify → the token in the JSON body, no cookie.
    const bearer = await mobile.json(
      'POST',
      '/auth/2fa/verify',
      { tempToken: second.body.tempToken, totpCode: await app.next() },
      { 'x-auth-strategy': 'bearer' },
    )
    expect(bearer.status).toBe(200)
    expect(typeof bearer.body.token).toBe('string')
    expect(bearer.headers.getSetCookie()).toEqual([])
    const bearerSession = await mobile.send('GET', `${NATIVE}/session`, { headers: { authorization: `Bearer ${bearer.body.token}` } })
    expect(bearerSession.body.session.aal).toBe(2)

    // POST /auth/2fa/disable: the session completed MFA just now, so no code is due.
    const disabled = await phone.json('POST', '/auth/2fa/disable', {}, origin)
    expect(disabled.status).toBe(200)
    expect(disabled.body).toEqual({ enabled: false })
  })

  it('asks a code of a session that has not just completed MFA, and refuses a cookie request without its Origin', async () => {
    const { browser } = await enrolled('router-stepup@example.com')
    const forged = await browser.json('POST', '/auth/2fa/disable', {})
    expect(forged.status).toBe(403)
    expect(forged.body.error.code).toBe('csrf_failed')
    const noCode = await browser.json('POST', '/auth/2fa/disable', {}, origin)
    expect(noCode.status).toBe(403)
    expect(noCode.body.error.code).toBe('step_up_required')
  })

  it('shares tries and the code budget with the native API', async () => {
    const email = 'router-budget@example.com'
    const { app } = await enrolled(email)
    const client = new Client(server.url)
    const first = await client.json('POST', '/auth/login', { email, password: PASSWORD })
    for (let i = 0; i < 2; i++)
      expect((await client.json('POST', '/auth/2fa/verify', { tempToken: first.body.tempToken, totpCode: app.wrong() })).status).toBe(400)
    // The profile's wrong codes are the native challenge's tries.
    const status = await client.send('GET', `${NATIVE}/mfa/challenge/status?challenge=${encodeURIComponent(first.body.tempToken)}`)
    expect(status.body.attemptsRemaining).toBe(3)
    const native = await client.json('POST', `${NATIVE}/login`, { email, password: PASSWORD }, { 'x-auth-flow': 'token' })
    for (let i = 0; i < 2; i++) {
      expect((await client.json('POST', `${NATIVE}/mfa/verify`, { challenge: native.body.challenge, method: 'totp', code: app.wrong() })).status).toBe(400)
    }
    const spent = await client.json('POST', '/auth/2fa/verify', { tempToken: first.body.tempToken, totpCode: await app.next() })
    expect(spent.status).toBe(429)
    expect(spent.body.error.code).toBe('too_many_requests')
  })

  it('locks password sign-in through the profile and the native API alike', async () => {
    const email = 'router-lockout@example.com'
    await nativeSignUp(server, NATIVE, email)
    const client = new Client(server.url)
    for (let i = 0; i < 2; i++) expect((await client.json('POST', '/auth/login', { email, password: 'not the password' })).status).toBe(401)
    expect((await client.json('POST', '/auth/login', { email, password: PASSWORD })).status).toBe(429)
    expect((await client.json('POST', `${NATIVE}/login`, { email, password: PASSWORD })).status).toBe(429)
  })
})
