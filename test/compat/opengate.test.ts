import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { authenticator, Client, type CompatServer, codeInMail, nativeSignUp, PASSWORD, startCompatServer } from '../support/compat-client.js'

// shared/seeds/003_… (OpenGate "MFA API"), replayed against `portcullis serve` with
// COMPAT=opengate at its document's mount, /api. OpenGate's sessions are bearer tokens; its
// document starts from one ($TOKEN), which the native sign-up hands out in the token flow.

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const NATIVE = '/api/auth'
const ADMIN_TOKEN = 'opengate-admin-token-0123456789abcdef'

describe('COMPAT=opengate: the document, replayed', () => {
  let server: CompatServer
  const client = () => new Client(server.url)
  beforeAll(async () => {
    server = await startCompatServer({ COMPAT: 'opengate', PORTCULLIS_ADMIN_TOKEN: ADMIN_TOKEN })
  })
  afterAll(async () => {
    await server?.stop()
  })

  /** A verified address, through the native link the sign-up mailed. */
  async function verifiedUser(email: string) {
    const user = await nativeSignUp(server, NATIVE, email)
    const mail = await server.smtp.waitFor(email, (m) => m.text.includes('/email/verify'))
    const token = new URL(/https?:\/\/\S*\/email\/verify\S*/.exec(mail.text)?.[0] as string).searchParams.get('token')
    expect((await client().json('POST', `${NATIVE}/email/verify`, { token })).status).toBe(204)
    return user
  }

  async function enrolled(email: string) {
    const user = await verifiedUser(email)
    const bearer = { authorization: `Bearer ${user.token}` }
    const enroll = await client().send('POST', '/api/mfa/totp/enroll', { headers: bearer })
    const app = authenticator(enroll.body.secret)
    const confirm = await client().json('POST', '/api/mfa/totp/confirm', { enrollmentId: enroll.body.enrollmentId, code: await app.next() }, bearer)
    expect(confirm.status).toBe(200)
    return { ...user, bearer, app }
  }

  async function mfaToken(email: string): Promise<string> {
    const login = await client().json('POST', `${NATIVE}/login`, { email, password: PASSWORD }, { 'x-auth-flow': 'token' })
    expect(login.body.mfaRequired).toBe(true)
    return login.body.challenge
  }

  it('enrols, confirms and verifies TOTP, sends and checks an email code, makes backup codes and disables MFA', async () => {
    const email = 'opengate-walk@example.com'
    const { token: TOKEN, userId } = await verifiedUser(email)

    // Step 1 — curl -X POST -H "Authorization: Bearer $TOKEN" …/api/mfa/totp/enroll
    const enroll = await client().send('POST', '/api/mfa/totp/enroll', { headers: { Authorization: `Bearer ${TOKEN}` } })
    expect(enroll.status).toBe(200)
    expect(enroll.body.secret).toMatch(/^[A-Z2-7]+$/)
    expect(enroll.body.qrCodeUri).toMatch(/^otpauth:\/\/totp\/Portcullis:/)
    expect(enroll.body.qrCodeUri).toContain(`secret=${enroll.body.secret}`)
    expect(typeof enroll.body.enrollmentId).toBe('string')
    const app = authenticator(enroll.body.secret)

    // Step 2 — confirm { enrollmentId, code } → 200 OK, MFA is now active.
    const confirm = await client().json(
      'POST',
      '/api/mfa/totp/confirm',
      { enrollmentId: enroll.body.enrollmentId, code: await app.next() },
      { Authorization: `Bearer ${TOKEN}` },
    )
    expect(confirm.status).toBe(200)
    expect((await client().send('GET', `${NATIVE}/mfa`, { headers: { Authorization: `Bearer ${TOKEN}` } })).body.enabled).toBe(true)

    // TOTP verification during login: { userId, code, mfaToken } → { verified: true } (and the bearer token).
    const challenge = await mfaToken(email)
    expect((await client().send('GET', `${NATIVE}/session`, { headers: { Authorization: `Bearer ${challenge}` } })).status).toBe(401)
    const otherUser = await client().json('POST', '/api/mfa/totp/verify', { userId: 'usr_abc123', code: '654321', mfaToken: challenge })
    expect(otherUser.status).toBe(400)
    expect(otherUser.body.error.code).toBe('challenge_invalid')
    const code = await app.next()
    const verify = await client().json('POST', '/api/mfa/totp/verify', { userId, code, mfaToken: challenge })
    expect(verify.status).toBe(200)
    expect(verify.body.verified).toBe(true)
    expect(verify.headers.getSetCookie()).toEqual([])
    const session = await client().send('GET', `${NATIVE}/session`, { headers: { Authorization: `Bearer ${verify.body.token}` } })
    expect(session.body.session.aal).toBe(2)
    // The mfaToken completes once, and the code works once.
    expect((await client().json('POST', '/api/mfa/totp/verify', { userId, code, mfaToken: challenge })).body.error.code).toBe('challenge_invalid')
    const replay = await client().json('POST', '/api/mfa/totp/verify', { userId, code, mfaToken: await mfaToken(email) })
    expect(replay.body.error.code).toBe('invalid_code')
    const signedIn = { Authorization: `Bearer ${verify.body.token}` }

    // Email OTP: send to the verified address, then verify the 6-digit code → { verified: true }.
    const send = await client().send('POST', '/api/mfa/email-otp/send', { headers: signedIn })
    expect(send.status).toBe(202)
    const otp = codeInMail((await server.smtp.waitFor(email, (m) => /Your code: \d{6}/.test(m.text))).text)
    const checked = await client().json('POST', '/api/mfa/email-otp/verify', { code: otp }, signedIn)
    expect(checked.status).toBe(200)
    expect(checked.body).toEqual({ verified: true })
    expect((await client().json('POST', '/api/mfa/email-otp/verify', { code: otp }, signedIn)).status).toBe(400)

    // Backup codes: a new set, each usable once, voiding the old.
    const generated = await client().send('POST', '/api/mfa/backup-codes/generate', { headers: signedIn })
    expect(generated.status).toBe(200)
    expect(generated.body.codes).toHaveLength(10)
    const backup = generated.body.codes[0]
    const withBackup = await client().json('POST', `${NATIVE}/mfa/verify`, { challenge: await mfaToken(email), method: 'recovery_code', code: backup })
    expect(withBackup.status).toBe(200)
    const usedTwice = await client().json('POST', `${NATIVE}/mfa/verify`, { challenge: await mfaToken(email), method: 'recovery_code', code: backup })
    expect(usedTwice.body.error.code).toBe('invalid_code')

    // Disable MFA: DELETE /api/mfa/totp → 204 No Content.
    const disabled = await client().send('DELETE', '/api/mfa/totp', { headers: signedIn })
    expect(disabled.status).toBe(204)
    const plain = await client().json('POST', `${NATIVE}/login`, { email, password: PASSWORD }, { 'x-auth-flow': 'token' })
    expect(plain.body.mfaRequired).toBeUndefined()
    expect(typeof plain.body.token).toBe('string')
  })

  it('lets an admin reset MFA with DELETE /api/admin/users/{userId}/mfa, and no one else', async () => {
    const email = 'opengate-admin@example.com'
    const { userId, bearer } = await enrolled(email)
    expect((await client().send('DELETE', `/api/admin/users/${userId}/mfa`, { headers: bearer })).status).toBe(403)
    const reset = await client().send('DELETE', `/api/admin/users/${userId}/mfa`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(reset.status).toBe(204)
    const login = await client().json('POST', `${NATIVE}/login`, { email, password: PASSWORD }, { 'x-auth-flow': 'token' })
    expect(login.body.mfaRequired).toBeUndefined()
    // The reset ended the user's sessions.
    expect((await client().send('GET', `${NATIVE}/session`, { headers: bearer })).status).toBe(401)
  })

  it('asks a code before making backup codes or disabling for a session that has not just completed MFA', async () => {
    const { bearer } = await enrolled('opengate-stepup@example.com')
    const generate = await client().send('POST', '/api/mfa/backup-codes/generate', { headers: bearer })
    expect(generate.status).toBe(403)
    expect(generate.body.error.code).toBe('step_up_required')
    expect((await client().send('DELETE', '/api/mfa/totp', { headers: bearer })).body.error.code).toBe('step_up_required')
  })

  it('refuses an email code to an address that was never verified', async () => {
    const { token } = await nativeSignUp(server, NATIVE, 'opengate-unverified@example.com')
    const send = await client().send('POST', '/api/mfa/email-otp/send', { headers: { Authorization: `Bearer ${token}` } })
    expect(send.status).toBe(400)
  })

  it('counts wrong TOTP and email codes in the one budget the native API spends', async () => {
    const email = 'opengate-budget@example.com'
    const { userId, bearer, app } = await enrolled(email)
    const challenge = await mfaToken(email)
    expect((await client().json('POST', '/api/mfa/totp/verify', { userId, code: app.wrong(), mfaToken: challenge })).status).toBe(400)
    expect((await client().send('POST', '/api/mfa/email-otp/send', { headers: bearer })).status).toBe(202)
    expect((await client().json('POST', '/api/mfa/email-otp/verify', { code: '000000' }, bearer)).status).toBe(400)
    const native = await mfaToken(email)
    expect((await client().json('POST', `${NATIVE}/mfa/verify`, { challenge: native, method: 'totp', code: app.wrong() })).status).toBe(400)
    expect((await client().json('POST', `${NATIVE}/mfa/verify`, { challenge: native, method: 'totp', code: app.wrong() })).status).toBe(400)
    const locked = await client().json('POST', '/api/mfa/totp/verify', { userId, code: await app.next(), mfaToken: challenge })
    expect(locked.status).toBe(429)
    expect(locked.headers.get('retry-after')).toMatch(/^\d+$/)
  })
})
