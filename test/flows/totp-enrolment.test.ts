import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { totpCodeAt } from '../../src/features/totp/index.js'
import { dialects } from '../support/dialects.js'
import { challengeFor, type EnrolledUser, freshCode, signInWithTotp, signUpWithTotp, wrongCode } from '../support/mfa.js'
import { createTestAuth, type TestAuth } from '../support/test-auth.js'

const MINUTE = 60_000
const ISSUER = 'Acme Corp'
const RECOVERY_CODE = /^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/

/** RFC 4648 §6 base32, written out here so the test does not trust the code under test. */
function base32Decode(text: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = ''
  for (const char of text) bits += alphabet.indexOf(char).toString(2).padStart(5, '0')
  const bytes = bits.match(/.{8}/g) ?? []
  return Uint8Array.from(bytes, (byte) => Number.parseInt(byte, 2))
}

describe.each(dialects)('$name: TOTP enrolment', (dialect) => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(dialect, { totpIssuer: ISSUER })
  })
  afterEach(async () => {
    await t.close()
  })

  const unixNow = () => Math.floor(t.clock.now().getTime() / 1000)
  const enroll = (token: string) => t.request('POST', '/mfa/totp/enroll', { token, body: {} })
  const confirm = (token: string, enrollmentId: string, code: string) => t.request('POST', '/mfa/totp/confirm', { token, body: { enrollmentId, code } })
  const overview = async (token: string) => {
    const response = await t.request('GET', '/mfa', { token })
    expect(response.status).toBe(200)
    return response.body
  }

  describe('POST /mfa/totp/enroll', () => {
    it('answers a 20-byte base32 secret, its Key Uri and a PNG QR code', async () => {
      const { token, email } = await t.signUp()
      const response = await enroll(token)
      expect(response.status).toBe(200)
      expect(Object.keys(response.body).sort()).toEqual(['enrollmentId', 'otpauthUri', 'qrCode', 'secret'])
      const { secret, otpauthUri, qrCode } = response.body
      expect(secret).toMatch(/^[A-Z2-7]+$/)
      expect(base32Decode(secret)).toHaveLength(20)
      expect(otpauthUri).toBe(`otpauth://totp/Acme%20Corp:${encodeURIComponent(email)}?secret=${secret}&issuer=Acme%20Corp&algorithm=SHA1&digits=6&period=30`)
      const uri = new URL(otpauthUri)
      expect(uri.host).toBe('totp')
      expect(decodeURIComponent(uri.pathname.slice(1))).toBe(`${ISSUER}:${email}`)
      expect(uri.searchParams.get('issuer')).toBe(ISSUER)
      expect(qrCode.startsWith('data:image/png;base64,')).toBe(true)
      const png = Buffer.from(qrCode.slice('data:image/png;base64,'.length), 'base64')
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    })

    it('leaves MFA off until the enrolment is confirmed: sign-in still gives a session', async () => {
      const { token, email, password } = await t.signUp()
      expect((await enroll(token)).status).toBe(200)
      expect(await overview(token)).toMatchObject({ enabled: false, factors: [], recoveryCodesRemaining: 0 })
      const signIn = await t.signIn(email, password)
      expect(signIn.status).toBe(200)
      expect(signIn.body.mfaRequired).toBeUndefined()
      expect(signIn.body.token).toEqual(expect.any(String))
      expect(signIn.body.user.mfaEnabled).toBe(false)
    })
  })

  describe('POST /mfa/totp/confirm', () => {
    it('refuses a wrong code and keeps the enrolment pending', async () => {
      const { token } = await t.signUp()
      const { body } = await enroll(token)
      const secret = base32Decode(body.secret)
      const right = totpCodeAt(secret, unixNow())
      const wrong = [-1, 0, 1].map((step) => totpCodeAt(secret, unixNow() + step * 30)).includes('123456') ? '654321' : '123456'
      const refused = await confirm(token, body.enrollmentId, wrong)
      expect(refused.status).toBe(400)
      expect(refused.body.error.code).toBe('invalid_code')
      expect((await overview(token)).enabled).toBe(false)
      expect(right).not.toBe(wrong)
      expect((await confirm(token, body.enrollmentId, right)).status).toBe(200)
      expect((await overview(token)).enabled).toBe(true)
    })

    it('refuses a pending enrolment after 15 minutes', async () => {
      const { token } = await t.signUp()
      const { body } = await enroll(token)
      t.clock.advance(15 * MINUTE + 1000)
      const response = await confirm(token, body.enrollmentId, totpCodeAt(base32Decode(body.secret), unixNow()))
      expect(response.status).toBe(400)
      expect(response.body.error.code).toBe('invalid_code')
      expect((await overview(token)).enabled).toBe(false)
    })

    it('activates the factor and returns ten recovery codes shown as xxxxx-xxxxx', async () => {
      const { token, email, password, user } = await t.signUp()
      const { body } = await enroll(token)
      const response = await confirm(token, body.enrollmentId, totpCodeAt(base32Decode(body.secret), unixNow()))
      expect(response.status).toBe(200)
      expect(response.body.recoveryCodes).toHaveLength(10)
      for (const code of response.body.recoveryCodes) expect(code).toMatch(RECOVERY_CODE)
      expect(new Set(response.body.recoveryCodes).size).toBe(10)
      expect(await overview(token)).toMatchObject({ enabled: true, factors: [{ id: expect.any(String), type: 'totp' }], recoveryCodesRemaining: 10 })
      expect((await t.signIn(email, password)).body.mfaRequired).toBe(true)
      const types = (await t.auth.api.audit.list(user.id)).map((event) => event.type)
      expect(types).toEqual(expect.arrayContaining(['factor_enrolled', 'recovery_codes_generated']))
    })

    it('activates once when 20 confirmations of one enrolment race, with one set of recovery codes', async () => {
      const { token, user } = await t.signUp()
      const { body } = await enroll(token)
      const code = totpCodeAt(base32Decode(body.secret), unixNow())
      const results = await Promise.all(Array.from({ length: 20 }, () => confirm(token, body.enrollmentId, code)))
      expect(results.filter((response) => response.status === 200)).toHaveLength(1)
      // A loser finds the enrolment spent (400) or, if it looks after the winner activated it, a factor already active (409).
      for (const response of results.filter((response) => response.status !== 200)) expect(['invalid_code', 'conflict']).toContain(response.body.error.code)
      expect(await overview(token)).toMatchObject({ enabled: true, recoveryCodesRemaining: 10 })
      const types = (await t.auth.api.audit.list(user.id)).map((event) => event.type)
      expect(types.filter((type) => type === 'factor_enrolled')).toHaveLength(1)
      expect(types.filter((type) => type === 'recovery_codes_generated')).toHaveLength(1)
    })

    it('switches the factor on in one transaction with its recovery codes: if the codes cannot be written, TOTP stays off', async () => {
      const { token, email, password } = await t.signUp()
      const { body } = await enroll(token)
      // A second connection makes every recovery-code insert fail, as a full disk would.
      if (dialect.name === 'sqlite') {
        await sql`CREATE TRIGGER refuse_codes BEFORE INSERT ON recovery_codes BEGIN SELECT RAISE(ABORT, 'disk full'); END`.execute(t.store.db)
      } else {
        await sql`CREATE FUNCTION refuse_codes() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql`.execute(t.store.db)
        await sql`CREATE TRIGGER refuse_codes BEFORE INSERT ON recovery_codes FOR EACH ROW EXECUTE FUNCTION refuse_codes()`.execute(t.store.db)
      }
      const failed = await confirm(token, body.enrollmentId, totpCodeAt(base32Decode(body.secret), unixNow()))
      expect(failed.status).toBe(500)
      expect(await overview(token)).toMatchObject({ enabled: false, factors: [] })
      expect((await t.signIn(email, password)).body.mfaRequired).toBeUndefined()

      await sql`DROP TRIGGER refuse_codes${sql.raw(dialect.name === 'sqlite' ? '' : ' ON recovery_codes')}`.execute(t.store.db)
      t.clock.advance(30_000)
      const retried = await confirm(token, body.enrollmentId, totpCodeAt(base32Decode(body.secret), unixNow()))
      expect(retried.status).toBe(200)
      expect(await overview(token)).toMatchObject({ enabled: true, recoveryCodesRemaining: 10 })
    })

    it('refuses a second authenticator while one is active with 409, and returns no codes', async () => {
      const user = await signUpWithTotp(t)
      const { body } = await enroll(user.token)
      const response = await confirm(user.token, body.enrollmentId, totpCodeAt(base32Decode(body.secret), unixNow()))
      expect(response.status).toBe(409)
      expect(response.body.error.code).toBe('conflict')
      expect(response.body.recoveryCodes).toBeUndefined()
      const after = await overview(user.token)
      expect(after.factors).toHaveLength(1)
      expect(after.recoveryCodesRemaining).toBe(10)
      // The first authenticator is still the one that counts.
      expect(
        (await t.request('POST', '/mfa/verify', { body: { challenge: await challengeFor(t, user), method: 'totp', code: freshCode(t, user) } })).status,
      ).toBe(200)
    })

    it('gives a fresh set of recovery codes to an authenticator enrolled again after disabling', async () => {
      const user = await signUpWithTotp(t)
      expect((await t.request('POST', '/mfa/totp/disable', { token: user.token, body: { code: freshCode(t, user) } })).status).toBe(204)
      const { body } = await enroll(user.token)
      const response = await confirm(user.token, body.enrollmentId, totpCodeAt(base32Decode(body.secret), unixNow()))
      expect(response.status).toBe(200)
      expect(response.body.recoveryCodes).toHaveLength(10)
      expect(response.body.recoveryCodes.some((code: string) => user.recoveryCodes.includes(code))).toBe(false)
    })
  })

  describe('POST /mfa/totp/disable', () => {
    let user: EnrolledUser
    beforeEach(async () => {
      user = await signUpWithTotp(t)
    })
    const disable = (token: string, body: Record<string, unknown> = {}) => t.request('POST', '/mfa/totp/disable', { token, body })

    it('asks for a step-up without a code and without a fresh MFA, listing the methods', async () => {
      const response = await disable(user.token)
      expect(response.status).toBe(403)
      expect(response.body.error.code).toBe('step_up_required')
      expect(response.body.error.details).toEqual(expect.arrayContaining([{ method: 'totp' }, { method: 'recovery_code' }]))
      expect((await overview(user.token)).enabled).toBe(true)
    })

    it('refuses a wrong code, and counts it in the per-account code budget', async () => {
      const response = await disable(user.token, { code: wrongCode(t, user) })
      expect(response.status).toBe(400)
      expect(response.body.error.code).toBe('invalid_code')
      expect((await overview(user.token)).enabled).toBe(true)
      for (let attempt = 1; attempt < 10; attempt++) expect((await disable(user.token, { code: wrongCode(t, user) })).status).toBe(400)
      const challenge = await challengeFor(t, user)
      const right = await t.request('POST', '/mfa/verify', { body: { challenge, method: 'totp', code: freshCode(t, user) } })
      expect(right.status).toBe(429)
      expect(right.body.error.code).toBe('too_many_requests')
    })

    it('turns TOTP off with a current code: factor, recovery codes and trusted devices go, and it is audited', async () => {
      const trusted = await signInWithTotp(t, user, { trustDevice: true })
      expect((await overview(user.token)).trustedDevices).toBe(1)
      const response = await disable(user.token, { code: freshCode(t, user) })
      expect(response.status).toBe(204)
      expect(await overview(user.token)).toMatchObject({ enabled: false, factors: [], recoveryCodesRemaining: 0, trustedDevices: 0 })
      const devices = await t.request('GET', '/mfa/trusted-devices', { token: user.token })
      expect(devices.body.devices).toEqual([])
      const rows = await t.store.db.selectFrom('totp_factors').select('id').where('user_id', '=', user.userId).execute()
      expect(rows).toEqual([])
      const signIn = await t.signIn(user.email, user.password, { 'x-trusted-device': trusted.body.trustedDeviceToken })
      expect(signIn.body.mfaRequired).toBeUndefined()
      expect(signIn.body.session).toBeUndefined()
      const events = await t.auth.api.audit.list(user.userId)
      expect(events.find((event) => event.type === 'factor_disabled')).toMatchObject({ data: { type: 'totp' } })
      expect(events.map((event) => event.type)).toContain('trusted_device_revoked')
    })

    it('accepts a current code typed with a space as the step-up, taking it for an authenticator code', async () => {
      const code = freshCode(t, user)
      expect((await disable(user.token, { code: `${code.slice(0, 3)} ${code.slice(3)}` })).status).toBe(204)
    })

    it('accepts a recovery code as the step-up', async () => {
      const response = await disable(user.token, { code: user.recoveryCodes[0] })
      expect(response.status).toBe(204)
      expect((await overview(user.token)).enabled).toBe(false)
    })

    it('lets a session that completed MFA less than 10 minutes ago disable without a code', async () => {
      const { body } = await signInWithTotp(t, user)
      t.clock.advance(10 * MINUTE - 1000)
      const response = await disable(body.token)
      expect(response.status).toBe(204)
      expect((await overview(body.token)).enabled).toBe(false)
    })

    it('asks a session that completed MFA 10 minutes ago for a code again', async () => {
      const { body } = await signInWithTotp(t, user)
      t.clock.advance(10 * MINUTE)
      const response = await disable(body.token)
      expect(response.status).toBe(403)
      expect(response.body.error.code).toBe('step_up_required')
      expect((await overview(body.token)).enabled).toBe(true)
    })

    it('asks a trusted-device session (aal 2, not MFA just now) for a code', async () => {
      const { body } = await signInWithTotp(t, user, { trustDevice: true })
      const trusted = await t.signIn(user.email, user.password, { 'x-trusted-device': body.trustedDeviceToken })
      expect(trusted.body.session).toMatchObject({ aal: 2, trustedDevice: true })
      const response = await disable(trusted.body.token)
      expect(response.status).toBe(403)
      expect(response.body.error.code).toBe('step_up_required')
      expect((await overview(trusted.body.token)).enabled).toBe(true)
    })
  })
})
