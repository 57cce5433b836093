import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeSecret, totpCodeAt } from '../../src/features/totp/index.js'
import { dialects } from '../support/dialects.js'
import { challengeFor, type EnrolledUser, freshCode, signUpWithTotp } from '../support/mfa.js'
import { createTestAuth, ORIGIN, type TestAuth, type TestResponse } from '../support/test-auth.js'

const NEW_PASSWORD = 'a different horse battery staple'

describe.each(dialects)('$name: MFA_POLICY=required', (dialect) => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(dialect, { mfaPolicy: 'required' })
  })
  afterEach(async () => {
    await t.close()
  })

  const expectEnrolmentRequired = (response: TestResponse) => {
    expect(response.status).toBe(403)
    expect(response.body.error.code).toBe('mfa_enrollment_required')
  }

  describe('before a factor is confirmed', () => {
    it('gives a new user an aal 1 session that may read itself and its MFA state', async () => {
      const { token } = await t.signUp()
      const session = await t.request('GET', '/session', { token })
      expect(session.status).toBe(200)
      expect(session.body.session.aal).toBe(1)
      expect(session.body.user.mfaEnabled).toBe(false)
      const mfa = await t.request('GET', '/mfa', { token })
      expect(mfa.status).toBe(200)
      expect(mfa.body.enabled).toBe(false)
    })

    it('refuses every other route with 403 mfa_enrollment_required, changing nothing', async () => {
      const { token, email, password } = await t.signUp()
      expectEnrolmentRequired(await t.request('GET', '/sessions', { token }))
      expectEnrolmentRequired(await t.request('POST', '/password/change', { token, body: { currentPassword: password, newPassword: NEW_PASSWORD } }))
      expectEnrolmentRequired(await t.request('GET', '/mfa/trusted-devices', { token }))
      expectEnrolmentRequired(await t.request('DELETE', '/sessions/some-id', { token }))
      expectEnrolmentRequired(await t.request('GET', '/sessions', { cookie: `portcullis_session=${token}` }))
      expect((await t.signIn(email, NEW_PASSWORD)).status).toBe(401)
      expect((await t.signIn(email, password)).status).toBe(200)
    })

    it('lets the session enrol and confirm TOTP', async () => {
      const { token } = await t.signUp()
      const enrollment = await t.request('POST', '/mfa/totp/enroll', { token, body: {} })
      expect(enrollment.status).toBe(200)
      const code = totpCodeAt(decodeSecret(enrollment.body.secret), Math.floor(t.clock.now().getTime() / 1000))
      const confirmed = await t.request('POST', '/mfa/totp/confirm', { token, body: { enrollmentId: enrollment.body.enrollmentId, code } })
      expect(confirmed.status).toBe(200)
      expect(confirmed.body.recoveryCodes).toHaveLength(10)
    })

    it('lets the cookie session enrol too', async () => {
      const signUp = await t.request('POST', '/signup', { body: { email: 'cookie-user@example.com', password: 'correct horse battery staple' } })
      const cookie = `portcullis_session=${signUp.cookies.portcullis_session}`
      const enrollment = await t.request('POST', '/mfa/totp/enroll', { cookie, body: {}, headers: { origin: ORIGIN } })
      expect(enrollment.status).toBe(200)
      expectEnrolmentRequired(await t.request('GET', '/sessions', { cookie }))
    })
  })

  describe('after a factor is confirmed', () => {
    let user: EnrolledUser
    beforeEach(async () => {
      user = await signUpWithTotp(t)
    })

    it('opens the other routes to the same session', async () => {
      const sessions = await t.request('GET', '/sessions', { token: user.token })
      expect(sessions.status).toBe(200)
      expect(sessions.body.sessions).toEqual([expect.objectContaining({ current: true })])
      const change = await t.request('POST', '/password/change', {
        token: user.token,
        body: { currentPassword: user.password, newPassword: NEW_PASSWORD, code: freshCode(t, user) },
      })
      expect(change.status).toBe(204)
    })

    it('asks the next sign-in for the second factor', async () => {
      const signIn = await t.signIn(user.email, user.password)
      expect(signIn.status).toBe(200)
      expect(signIn.body).toMatchObject({ mfaRequired: true, methods: expect.arrayContaining(['totp', 'recovery_code']) })
      expect(signIn.body.token).toBeUndefined()
      const verified = await t.request('POST', '/mfa/verify', {
        body: { challenge: await challengeFor(t, user), method: 'totp', code: freshCode(t, user) },
        headers: { 'x-auth-flow': 'token' },
      })
      expect(verified.status).toBe(200)
      expect((await t.request('GET', '/sessions', { token: verified.body.token })).status).toBe(200)
    })
  })
})
