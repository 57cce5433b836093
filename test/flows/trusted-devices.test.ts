import { afterEach, describe, expect, it } from 'vitest'
import type { AuthOptions } from '../../src/config/options.js'
import { decodeSecret, totpCodeAt } from '../../src/features/totp/index.js'
import { dialects } from '../support/dialects.js'
import { type EnrolledUser, freshCode, signInWithTotp, signUpWithTotp } from '../support/mfa.js'
import { createTestAuth, ORIGIN, type TestAuth, type TestResponse } from '../support/test-auth.js'

const DAY = 86_400_000
const ADMIN_TOKEN = 'admin-token-for-trusted-device-tests'
const NEW_PASSWORD = 'a different horse battery staple'

describe.each(dialects)('$name: trusted devices', (dialect) => {
  let t: TestAuth
  let user: EnrolledUser
  async function setUp(options: AuthOptions = {}) {
    t = await createTestAuth(dialect, options)
    user = await signUpWithTotp(t)
  }
  afterEach(async () => {
    await t.close()
  })

  /** Completes MFA with trustDevice in the token flow; returns the trusted-device token. */
  async function trustThisDevice(who = user, headers: Record<string, string> = {}): Promise<string> {
    const response = await signInWithTotp(t, who, { trustDevice: true }, headers)
    expect(response.body.trustedDeviceToken).toEqual(expect.any(String))
    return response.body.trustedDeviceToken
  }
  const signInFrom = (device: string, who = user, password = who.password) => t.signIn(who.email, password, { 'x-trusted-device': device })
  const expectChallenge = (response: TestResponse) => {
    expect(response.status).toBe(200)
    expect(response.body).toMatchObject({ mfaRequired: true, challenge: expect.any(String) })
    expect(response.body.token).toBeUndefined()
  }
  const expectSkip = (response: TestResponse) => {
    expect(response.status).toBe(200)
    expect(response.body.mfaRequired).toBeUndefined()
    expect(response.body.token).toEqual(expect.any(String))
    expect(response.body.session).toMatchObject({ aal: 2, trustedDevice: true })
  }

  describe('POST /mfa/verify with trustDevice', () => {
    it('sets an HttpOnly trusted-device cookie for 30 days in the cookie flow', async () => {
      await setUp()
      const login = await t.request('POST', '/login', { body: { email: user.email, password: user.password } })
      expect(login.body.mfaRequired).toBe(true)
      const response = await t.request('POST', '/mfa/verify', {
        body: { challenge: login.body.challenge, method: 'totp', code: freshCode(t, user), trustDevice: true },
      })
      expect(response.status).toBe(200)
      expect(response.body.trustedDeviceToken).toBeUndefined()
      const line = response.headers.getSetCookie().find((cookie) => cookie.startsWith('portcullis_trusted_device='))
      expect(line).toBeDefined()
      const attributes = (line as string).split(';').map((part) => part.trim().toLowerCase())
      expect(attributes).toContain('httponly')
      expect(attributes).toContain(`max-age=${30 * 86_400}`)
      expect(attributes).toContain('samesite=lax')
      expect(attributes).toContain('path=/')
    })

    it('returns trustedDeviceToken and sets no cookie in the token flow', async () => {
      await setUp()
      const response = await signInWithTotp(t, user, { trustDevice: true })
      expect(response.body.trustedDeviceToken).toEqual(expect.any(String))
      expect(response.headers.get('set-cookie')).toBeNull()
      const events = await t.auth.api.audit.list(user.userId)
      expect(events.find((event) => event.type === 'trusted_device_added')?.data).toEqual({ deviceId: expect.any(String) })
      expect(JSON.stringify(events)).not.toContain(response.body.trustedDeviceToken)
    })

    it('trusts no device and skips nothing when trustDeviceDays is 0', async () => {
      await setUp({ trustDeviceDays: 0 })
      const response = await signInWithTotp(t, user, { trustDevice: true })
      expect(response.body.trustedDeviceToken).toBeUndefined()
      const login = await t.request('POST', '/login', { body: { email: user.email, password: user.password } })
      const cookieFlow = await t.request('POST', '/mfa/verify', {
        body: { challenge: login.body.challenge, method: 'totp', code: freshCode(t, user), trustDevice: true },
      })
      expect(cookieFlow.status).toBe(200)
      expect(cookieFlow.cookies.portcullis_trusted_device).toBeUndefined()
      expect((await t.request('GET', '/mfa/trusted-devices', { token: user.token })).body.devices).toEqual([])
      expectChallenge(await signInFrom(response.body.token))
      expect((await t.auth.api.audit.list(user.userId)).map((event) => event.type)).not.toContain('trusted_device_added')
    })
  })

  describe('POST /login from a trusted device', () => {
    it('skips the challenge with the cookie and answers an aal 2 trusted-device session', async () => {
      await setUp()
      const login = await t.request('POST', '/login', { body: { email: user.email, password: user.password } })
      const verified = await t.request('POST', '/mfa/verify', {
        body: { challenge: login.body.challenge, method: 'totp', code: freshCode(t, user), trustDevice: true },
      })
      const device = verified.cookies.portcullis_trusted_device as string
      const again = await t.request('POST', '/login', { body: { email: user.email, password: user.password }, cookie: `portcullis_trusted_device=${device}` })
      expect(again.status).toBe(200)
      expect(again.body.mfaRequired).toBeUndefined()
      expect(again.body.session).toMatchObject({ aal: 2, trustedDevice: true })
      expect(again.cookies.portcullis_session).toBeTruthy()
      const session = await t.request('GET', '/session', { cookie: `portcullis_session=${again.cookies.portcullis_session}` })
      expect(session.body.session).toMatchObject({ aal: 2, trustedDevice: true })
    })

    it('skips the challenge with the X-Trusted-Device header in the token flow', async () => {
      await setUp()
      const device = await trustThisDevice()
      const response = await signInFrom(device)
      expectSkip(response)
      expect((await t.request('GET', '/session', { token: response.body.token })).body.session).toMatchObject({ aal: 2, trustedDevice: true })
      const audited = (await t.auth.api.audit.list(user.userId)).find((event) => event.type === 'sign_in_succeeded')
      expect(audited?.data).toMatchObject({ aal: 2, trustedDevice: true })
    })

    it('does not skip another user’s challenge', async () => {
      await setUp()
      const other = await signUpWithTotp(t)
      const device = await trustThisDevice()
      expectChallenge(await signInFrom(device, other))
      expectSkip(await signInFrom(device))
    })

    it('still needs the right password', async () => {
      await setUp()
      const device = await trustThisDevice()
      const response = await signInFrom(device, user, 'not the password at all')
      expect(response.status).toBe(401)
      expect(response.body.error.code).toBe('invalid_credentials')
    })

    it('stops skipping after MFA_TRUST_DEVICE_DAYS', async () => {
      await setUp()
      const device = await trustThisDevice()
      t.clock.advance(30 * DAY - 60_000)
      expectSkip(await signInFrom(device))
      t.clock.advance(60_000)
      expectChallenge(await signInFrom(device))
      const { body } = await signInWithTotp(t, user)
      expect((await t.request('GET', '/mfa/trusted-devices', { token: body.token })).body.devices).toEqual([])
    })

    it('follows a configured MFA_TRUST_DEVICE_DAYS', async () => {
      await setUp({ trustDeviceDays: 7 })
      const device = await trustThisDevice()
      t.clock.advance(7 * DAY)
      expectChallenge(await signInFrom(device))
    })

    it('refuses a trusted-device token as a session or a challenge, and a challenge as a trusted device', async () => {
      await setUp()
      const device = await trustThisDevice()
      const response = await t.request('GET', '/session', { token: device })
      expect(response.status).toBe(401)
      expect(response.body.error.code).toBe('unauthorized')
      const asChallenge = await t.request('POST', '/mfa/verify', { body: { challenge: device, method: 'totp', code: freshCode(t, user) } })
      expect(asChallenge.status).toBe(400)
      expect(asChallenge.body.error.code).toBe('challenge_invalid')
      const challenge = (await t.signIn(user.email, user.password)).body.challenge
      expectChallenge(await signInFrom(challenge))
    })
  })

  describe('GET and DELETE /mfa/trusted-devices', () => {
    it('lists a trusted device with its user agent', async () => {
      await setUp()
      await trustThisDevice(user, { 'user-agent': 'Phone/1.0' })
      const response = await t.request('GET', '/mfa/trusted-devices', { token: user.token })
      expect(response.status).toBe(200)
      expect(response.body.devices).toEqual([{ id: expect.any(String), createdAt: expect.any(String), lastUsedAt: expect.any(String), userAgent: 'Phone/1.0' }])
      expect((await t.request('GET', '/mfa', { token: user.token })).body.trustedDevices).toBe(1)
    })

    it('moves lastUsedAt when the device skips a challenge', async () => {
      await setUp()
      const device = await trustThisDevice()
      const [before] = (await t.request('GET', '/mfa/trusted-devices', { token: user.token })).body.devices
      t.clock.advance(5 * 60_000)
      expectSkip(await signInFrom(device))
      const [after] = (await t.request('GET', '/mfa/trusted-devices', { token: user.token })).body.devices
      expect(after).toEqual({ ...before, lastUsedAt: t.clock.now().toISOString() })
    })

    it('revokes a device, so the next sign-in from it is challenged again', async () => {
      await setUp()
      const device = await trustThisDevice()
      const [listed] = (await t.request('GET', '/mfa/trusted-devices', { token: user.token })).body.devices
      const response = await t.request('DELETE', `/mfa/trusted-devices/${listed.id}`, { token: user.token })
      expect(response.status).toBe(204)
      expect((await t.request('GET', '/mfa/trusted-devices', { token: user.token })).body.devices).toEqual([])
      expectChallenge(await signInFrom(device))
      const revoked = (await t.auth.api.audit.list(user.userId)).find((event) => event.type === 'trusted_device_revoked')
      expect(revoked?.data).toEqual({ deviceId: listed.id })
      const again = await t.request('DELETE', `/mfa/trusted-devices/${listed.id}`, { token: user.token })
      expect(again.status).toBe(404)
    })

    it('answers 404 for another user’s device and leaves it trusted', async () => {
      await setUp()
      const device = await trustThisDevice()
      const [listed] = (await t.request('GET', '/mfa/trusted-devices', { token: user.token })).body.devices
      const stranger = await t.signUp()
      const response = await t.request('DELETE', `/mfa/trusted-devices/${listed.id}`, { token: stranger.token })
      expect(response.status).toBe(404)
      expect(response.body.error.code).toBe('not_found')
      expectSkip(await signInFrom(device))
    })

    it('needs a session', async () => {
      await setUp()
      expect((await t.request('GET', '/mfa/trusted-devices')).status).toBe(401)
      expect((await t.request('DELETE', '/mfa/trusted-devices/anything', { headers: { origin: ORIGIN } })).status).toBe(401)
    })
  })

  describe('revoking every device', () => {
    async function reEnrol(token: string): Promise<void> {
      const enrollment = await t.request('POST', '/mfa/totp/enroll', { token, body: {} })
      const secret = decodeSecret(enrollment.body.secret)
      const code = totpCodeAt(secret, Math.floor(t.clock.now().getTime() / 1000))
      expect((await t.request('POST', '/mfa/totp/confirm', { token, body: { enrollmentId: enrollment.body.enrollmentId, code } })).status).toBe(200)
    }
    const auditedRevocation = async () => (await t.auth.api.audit.list(user.userId)).find((event) => event.type === 'trusted_device_revoked')?.data

    it('happens when TOTP is disabled, even if it is turned on again later', async () => {
      await setUp()
      const device = await trustThisDevice()
      expect((await t.request('POST', '/mfa/totp/disable', { token: user.token, body: { code: freshCode(t, user) } })).status).toBe(204)
      await reEnrol(user.token)
      expectChallenge(await signInFrom(device))
      expect(await auditedRevocation()).toMatchObject({ all: true, count: 1, reason: 'mfa_disabled' })
    })

    it('happens when the password is changed', async () => {
      await setUp()
      const device = await trustThisDevice()
      const changed = await t.request('POST', '/password/change', {
        token: user.token,
        body: { currentPassword: user.password, newPassword: NEW_PASSWORD, code: freshCode(t, user) },
      })
      expect(changed.status).toBe(204)
      expectChallenge(await signInFrom(device, user, NEW_PASSWORD))
      expect(await auditedRevocation()).toMatchObject({ all: true, reason: 'password_changed' })
    })

    it('happens on an admin MFA reset', async () => {
      await setUp({ adminToken: ADMIN_TOKEN })
      const device = await trustThisDevice()
      expect((await t.request('DELETE', `/admin/users/${user.userId}/mfa`, { token: ADMIN_TOKEN })).status).toBe(204)
      const session = await t.signIn(user.email, user.password)
      await reEnrol(session.body.token)
      expectChallenge(await signInFrom(device))
      expect(await auditedRevocation()).toMatchObject({ all: true, reason: 'admin_reset' })
    })

    it('keeps other users’ devices', async () => {
      await setUp()
      const other = await signUpWithTotp(t)
      const theirs = await trustThisDevice(other)
      await trustThisDevice()
      expect((await t.request('POST', '/mfa/totp/disable', { token: user.token, body: { code: freshCode(t, user) } })).status).toBe(204)
      expectSkip(await signInFrom(theirs, other))
    })
  })
})
