import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { authenticator, Client, type CompatServer, codeInMail, nativeSignUp, PASSWORD, startCompatServer } from '../support/compat-client.js'

// shared/seeds/000_… (togo auth-mfa), replayed against `portcullis serve` with COMPAT=togo at its
// document's mount, /api/auth/mfa — inside the native API's /api/auth, where the paths both
// share (/totp/enroll, /totp/disable, /recovery/generate, /challenge/status) are the native routes.

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const NATIVE = '/api/auth'
const MFA = '/api/auth/mfa'

describe('COMPAT=togo: the endpoint table and the challenge flow, replayed', () => {
  let server: CompatServer
  const client = () => new Client(server.url)
  beforeAll(async () => {
    server = await startCompatServer({ COMPAT: 'togo' })
  })
  afterAll(async () => {
    await server?.stop()
  })

  async function enrolled(email: string) {
    const { token, userId } = await nativeSignUp(server, NATIVE, email)
    const bearer = { authorization: `Bearer ${token}` }
    const enroll = await client().send('POST', `${MFA}/totp/enroll`, { headers: bearer })
    expect(enroll.status).toBe(200)
    const app = authenticator(enroll.body.secret)
    const activated = await client().json('POST', `${MFA}/totp/verify`, { code: await app.next() }, bearer)
    expect(activated.status).toBe(200)
    return { token, userId, bearer, app, enroll, activated }
  }

  /** primary login ──► IssueChallenge() ──► challenge token (5 min, NOT a session) */
  async function challengeFor(email: string): Promise<string> {
    const login = await client().json('POST', `${NATIVE}/login`, { email, password: PASSWORD }, { 'x-auth-flow': 'token' })
    expect(login.body.mfaRequired).toBe(true)
    return login.body.challenge
  }

  it('enrols and activates TOTP, then completes challenges with TOTP, a recovery code and the challenge email code', async () => {
    const email = 'togo-walk@example.com'
    const { bearer, app, enroll, activated } = await enrolled(email)
    // POST /totp/enroll: a TOTP secret and the otpauth:// URI (here the native route's answer).
    expect(enroll.body.secret).toMatch(/^[A-Z2-7]+$/)
    expect(enroll.body.otpauthUri).toMatch(/^otpauth:\/\/totp\//)
    expect(enroll.body.qrCode).toMatch(/^data:image\/png;base64,/)
    // POST /totp/verify {code}: "activates on first success".
    expect(activated.body.activated).toBe(true)
    expect(activated.body.recoveryCodes).toHaveLength(10)

    // POST /recovery/generate: single-use recovery codes, shown once (the session steps up with a code).
    const generated = await client().json('POST', `${MFA}/recovery/generate`, { code: activated.body.recoveryCodes[0] }, bearer)
    expect(generated.status).toBe(200)
    const codes: string[] = generated.body.codes
    expect(codes).toHaveLength(10)

    // The challenge flow: the token is not a session; GET /challenge/status inspects it.
    const challenge = await challengeFor(email)
    expect((await client().send('GET', `${NATIVE}/session`, { headers: { authorization: `Bearer ${challenge}` } })).status).toBe(401)
    const status = await client().send('GET', `${MFA}/challenge/status?challenge=${encodeURIComponent(challenge)}`)
    expect(status.status).toBe(200)
    expect(status.body.state).toBe('pending')
    expect(status.body.methods).toEqual(expect.arrayContaining(['totp', 'recovery_code', 'email_otp']))

    // POST /totp/verify {challenge, code}: on success auth.IssueSession() ──► real session.
    const code = await app.next()
    const viaTotp = await client().json('POST', `${MFA}/totp/verify`, { challenge, code }, { 'x-auth-flow': 'token' })
    expect(viaTotp.status).toBe(200)
    expect((await client().send('GET', `${NATIVE}/session`, { headers: { authorization: `Bearer ${viaTotp.body.token}` } })).body.session.aal).toBe(2)
    expect((await client().send('GET', `${MFA}/challenge/status?challenge=${encodeURIComponent(challenge)}`)).body.state).toBe('completed')
    const again = await client().json('POST', `${MFA}/totp/verify`, { challenge: await challengeFor(email), code }, { 'x-auth-flow': 'token' })
    expect(again.body.error.code).toBe('invalid_code')

    // POST /recovery/verify: consume a recovery code, once.
    const viaRecovery = await client().json(
      'POST',
      `${MFA}/recovery/verify`,
      { challenge: await challengeFor(email), code: codes[1] },
      { 'x-auth-flow': 'token' },
    )
    expect(viaRecovery.status).toBe(200)
    expect(typeof viaRecovery.body.token).toBe('string')
    const recoveryAgain = await client().json('POST', `${MFA}/recovery/verify`, { challenge: await challengeFor(email), code: codes[1] })
    expect(recoveryAgain.body.error.code).toBe('invalid_code')

    // POST /otp/send {challenge} then /otp/verify {challenge, code}: the challenge's email code.
    const emailChallenge = await challengeFor(email)
    expect((await client().json('POST', `${MFA}/otp/send`, { challenge: emailChallenge })).status).toBe(202)
    const otp = codeInMail((await server.smtp.waitFor(email, (m) => /Your code: \d{6}/.test(m.text))).text)
    const viaEmail = await client().json('POST', `${MFA}/otp/verify`, { challenge: emailChallenge, code: otp }, { 'x-auth-flow': 'token' })
    expect(viaEmail.status).toBe(200)
    expect(typeof viaEmail.body.token).toBe('string')

    // POST /totp/disable: remove 2FA (a session that completed MFA just now needs no code).
    const disabled = await client().json('POST', `${MFA}/totp/disable`, {}, { authorization: `Bearer ${viaEmail.body.token}` })
    expect(disabled.status).toBe(204)
    const plain = await client().json('POST', `${NATIVE}/login`, { email, password: PASSWORD }, { 'x-auth-flow': 'token' })
    expect(typeof plain.body.token).toBe('string')
  })

  it('signs in by email code and by magic link; the link GET consumes nothing', async () => {
    const email = 'togo-passwordless@example.com'
    await nativeSignUp(server, NATIVE, email)

    // POST /otp/send {email}, POST /otp/verify {email, code}.
    expect((await client().json('POST', `${MFA}/otp/send`, { email })).status).toBe(202)
    const otp = codeInMail((await server.smtp.waitFor(email, (m) => /Your code: \d{6}/.test(m.text))).text)
    const browser = new Client(server.url)
    const signedIn = await browser.json('POST', `${MFA}/otp/verify`, { email, code: otp }, { origin: server.origin })
    expect(signedIn.status).toBe(200)
    expect(signedIn.body.user.email).toBe(email)
    expect(browser.cookie('portcullis_session')).toBeDefined()
    expect((await client().json('POST', `${MFA}/otp/verify`, { email, code: otp })).status).toBe(400)

    // POST /magic-link/send, then GET /magic-link/verify?token=: a page, and the link still works after it.
    expect((await client().json('POST', `${MFA}/magic-link/send`, { email })).status).toBe(202)
    const mail = await server.smtp.waitFor(email, (m) => m.text.includes('/magic-link/verify'))
    const token = new URL(/https?:\/\/\S*\/magic-link\/verify\S*/.exec(mail.text)?.[0] as string).searchParams.get('token') as string
    const person = new Client(server.url)
    const page = await person.send('GET', `${MFA}/magic-link/verify?token=${encodeURIComponent(token)}`)
    expect(page.status).toBe(200)
    expect(page.text).toContain(`action="${MFA}/magic-link/verify"`)
    expect(person.cookie('portcullis_session')).toBeUndefined()
    const pressed = await person.form(`${MFA}/magic-link/verify`, { token }, { origin: server.origin })
    expect(pressed.status).toBe(303)
    expect(person.cookie('portcullis_session')).toBeDefined()
    expect((await person.send('GET', `${NATIVE}/session`)).body.user.email).toBe(email)
    const twice = await client().json('POST', `${MFA}/magic-link/verify`, { token })
    expect(twice.body.error.code).toBe('invalid_code')
  })

  it('rate-limits email codes to 3 per 10 minutes, for the profile and the native API together', async () => {
    const email = 'togo-otp-limit@example.com'
    await nativeSignUp(server, NATIVE, email)
    expect((await client().json('POST', `${MFA}/otp/send`, { email })).status).toBe(202)
    expect((await client().json('POST', `${NATIVE}/otp/send`, { email })).status).toBe(202)
    expect((await client().json('POST', `${MFA}/otp/send`, { email })).status).toBe(202)
    const fourth = await client().json('POST', `${MFA}/otp/send`, { email })
    expect(fourth.status).toBe(429)
    expect((await client().json('POST', `${NATIVE}/otp/send`, { email })).status).toBe(429)
  })

  it('spends the native code budget: wrong codes here and there, then even a right code is 429', async () => {
    const email = 'togo-budget@example.com'
    const { app } = await enrolled(email)
    const challenge = await challengeFor(email)
    for (let i = 0; i < 2; i++) expect((await client().json('POST', `${MFA}/totp/verify`, { challenge, code: app.wrong() })).status).toBe(400)
    const native = await challengeFor(email)
    for (let i = 0; i < 2; i++) {
      expect((await client().json('POST', `${NATIVE}/mfa/verify`, { challenge: native, method: 'totp', code: app.wrong() })).status).toBe(400)
    }
    const locked = await client().json('POST', `${MFA}/totp/verify`, { challenge, code: await app.next() })
    expect(locked.status).toBe(429)
  })
})
