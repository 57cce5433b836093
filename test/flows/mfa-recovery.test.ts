import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AuthOptions } from '../../src/config/options.js'
import { dialects } from '../support/dialects.js'
import { codeIn, lastMail, linkIn, mailsTo, tokenIn } from '../support/mail.js'
import { challengeFor, type EnrolledUser, signUpWithTotp } from '../support/mfa.js'
import { createTestAuth, ORIGIN, type TestAuth } from '../support/test-auth.js'

const DAY = 24 * 3600_000

describe.each(dialects)('$name: self-service recovery of a lost second factor', (dialect) => {
  let t: TestAuth
  let user: EnrolledUser
  beforeEach(async () => {
    t = await createTestAuth(dialect)
    user = await signUpWithTotp(t)
  })
  afterEach(async () => {
    await t.close()
  })

  async function reconfigure(options: AuthOptions) {
    await t.close()
    t = await createTestAuth(dialect, options)
    user = await signUpWithTotp(t)
  }

  const request = (challenge: string) => t.request('POST', '/mfa/recovery/request', { body: { challenge } })
  const cancel = (token: string) => t.request('POST', '/mfa/recovery/cancel', { body: { token } })
  const complete = (token: string, password = user.password) =>
    t.request('POST', '/mfa/recovery/complete', { body: { token, password }, headers: { 'x-auth-flow': 'token' } })
  const eventTypes = async () => (await t.auth.api.audit.list(user.userId)).map((event) => event.type)
  const mfaEnabled = async () => (await t.auth.api.mfa.isEnabled(user.userId)) as boolean

  /** Starts a recovery from a password sign-in; returns the mailed complete and cancel tokens. */
  async function startRecovery(): Promise<{ completeToken: string; cancelToken: string }> {
    const response = await request(await challengeFor(t, user))
    expect(response.status).toBe(202)
    const mail = await lastMail(t, user.email, 'second-factor recovery')
    return { completeToken: tokenIn(mail, '/mfa/recovery/complete'), cancelToken: tokenIn(mail, '/mfa/recovery/cancel') }
  }

  it('answers 202, audits mfa_recovery_requested and mails a complete link and a cancel link', async () => {
    const requestedAt = t.clock.now()
    const response = await request(await challengeFor(t, user))
    expect(response.status).toBe(202)
    expect(response.body).toBeNull()

    const mail = await lastMail(t, user.email, 'second-factor recovery')
    expect(mail.subject).toBe('Portcullis: second-factor recovery requested')
    const completeLink = linkIn(mail, '/mfa/recovery/complete')
    const cancelLink = linkIn(mail, '/mfa/recovery/cancel')
    expect(`${completeLink.origin}${completeLink.pathname}`).toBe(`${ORIGIN}/api/auth/mfa/recovery/complete`)
    expect(`${cancelLink.origin}${cancelLink.pathname}`).toBe(`${ORIGIN}/api/auth/mfa/recovery/cancel`)
    expect(completeLink.searchParams.get('token')).not.toBe(cancelLink.searchParams.get('token'))
    expect(mail.html).toContain(cancelLink.href)

    const events = await t.auth.api.audit.list(user.userId)
    const requested = events.find((event) => event.type === 'mfa_recovery_requested')
    expect(requested?.data).toEqual({ availableAt: new Date(requestedAt.getTime() + DAY).toISOString() })
    expect(JSON.stringify(events)).not.toContain(completeLink.searchParams.get('token'))
  })

  it('refuses to complete before MFA_RECOVERY_DELAY, with the reason, and removes nothing', async () => {
    const { completeToken } = await startRecovery()
    t.clock.advance(DAY - 1000)
    const response = await complete(completeToken)
    expect(response.status).toBe(400)
    expect(response.body.error).toMatchObject({ code: 'invalid_code', details: [{ reason: 'waiting_period', availableAt: expect.any(String) }] })
    expect(await mfaEnabled()).toBe(true)
  })

  it('after the delay, with the password: 204 and no session, every factor gone, old sessions ended, audited', async () => {
    const { completeToken } = await startRecovery()
    t.clock.advance(DAY)
    const response = await complete(completeToken)
    expect(response.status).toBe(204)
    expect(response.body).toBeNull()
    expect(Object.keys(response.cookies)).not.toContain('portcullis_session')
    expect((await t.request('GET', '/session', { token: user.token })).status).toBe(401)
    expect(await eventTypes()).toContain('mfa_recovery_completed')

    // The next sign-in is password-only (API.md).
    const signIn = await t.signIn(user.email, user.password)
    expect(signIn.body.mfaRequired).toBeUndefined()
    expect(signIn.body.token).toEqual(expect.any(String))
    const overview = await t.request('GET', '/mfa', { token: signIn.body.token })
    expect(overview.body).toMatchObject({ enabled: false, factors: [], recoveryCodesRemaining: 0, trustedDevices: 0 })
  })

  it('tells the user it was a self-service recovery, not an administrator', async () => {
    const { completeToken } = await startRecovery()
    t.clock.advance(DAY)
    expect((await complete(completeToken)).status).toBe(204)
    const notices = (await mailsTo(t, user.email)).filter((mail) => mail.subject.includes('security notice'))
    expect(notices.map((mail) => mail.text).join('\n')).toContain('removed through email recovery')
    expect(notices.map((mail) => mail.text).join('\n')).not.toContain('administrator')
    expect(await eventTypes()).not.toContain('admin_mfa_reset')
  })

  it('refuses a wrong password with 401 and removes nothing', async () => {
    const { completeToken } = await startRecovery()
    t.clock.advance(DAY)
    const response = await complete(completeToken, 'not the password at all')
    expect(response.status).toBe(401)
    expect(response.body.error.code).toBe('invalid_credentials')
    expect(await mfaEnabled()).toBe(true)
    expect(await eventTypes()).not.toContain('mfa_recovery_completed')
    expect((await complete(completeToken)).status).toBe(204)
  })

  it('accepts the complete link once', async () => {
    const { completeToken } = await startRecovery()
    t.clock.advance(DAY)
    expect((await complete(completeToken)).status).toBe(204)
    const again = await complete(completeToken)
    expect(again.status).toBe(400)
    expect(again.body.error.code).toBe('invalid_code')
  })

  it('stops with the cancel link (204): completing then fails, and it is audited', async () => {
    const { completeToken, cancelToken } = await startRecovery()
    const response = await cancel(cancelToken)
    expect(response.status).toBe(204)
    expect(await eventTypes()).toContain('mfa_recovery_cancelled')
    t.clock.advance(DAY)
    const refused = await complete(completeToken)
    expect(refused.status).toBe(400)
    expect(refused.body.error.code).toBe('invalid_code')
    expect(await mfaEnabled()).toBe(true)
    expect((await cancel(cancelToken)).body.error.code).toBe('invalid_code')
  })

  it('stops when the user signs in with a factor during the wait', async () => {
    const { completeToken } = await startRecovery()
    t.clock.advance(3600_000)
    const challenge = await challengeFor(t, user)
    const signedIn = await t.request('POST', '/mfa/verify', { body: { challenge, method: 'totp', code: user.code() }, headers: { 'x-auth-flow': 'token' } })
    expect(signedIn.status).toBe(200)
    const cancelled = (await t.auth.api.audit.list(user.userId)).find((event) => event.type === 'mfa_recovery_cancelled')
    expect(cancelled?.data).toMatchObject({ by: 'sign_in_with_factor' })

    t.clock.advance(DAY)
    expect((await complete(completeToken)).body.error.code).toBe('invalid_code')
    expect(await mfaEnabled()).toBe(true)
  })

  it('refuses a challenge that did not follow a password: email code, magic link, unknown or completed', async () => {
    expect((await t.request('POST', '/otp/send', { body: { email: user.email } })).status).toBe(202)
    const code = codeIn(await lastMail(t, user.email, 'your sign-in code'))
    const afterCode = await t.request('POST', '/otp/verify', { body: { email: user.email, code } })
    expect(afterCode.body.mfaRequired).toBe(true)

    expect((await t.request('POST', '/magic-link/send', { body: { email: user.email } })).status).toBe(202)
    const token = tokenIn(await lastMail(t, user.email, 'your sign-in link'), '/magic-link/verify')
    const afterLink = await t.request('POST', '/magic-link/verify', { body: { token } })
    expect(afterLink.body.mfaRequired).toBe(true)

    const completed = await challengeFor(t, user)
    expect((await t.request('POST', '/mfa/verify', { body: { challenge: completed, method: 'totp', code: user.code() } })).status).toBe(200)

    for (const challenge of [afterCode.body.challenge, afterLink.body.challenge, 'nonsense', completed]) {
      const response = await request(challenge)
      expect(response.status).toBe(400)
      expect(response.body.error.code).toBe('challenge_invalid')
    }
    expect((await mailsTo(t, user.email)).filter((mail) => mail.subject.includes('recovery'))).toHaveLength(0)
    expect(await eventTypes()).not.toContain('mfa_recovery_requested')
  })

  it('shows pages for GET (and HEAD) of the mailed links that change nothing', async () => {
    const { completeToken, cancelToken } = await startRecovery()
    for (const [path, token] of [
      ['/mfa/recovery/cancel', cancelToken],
      ['/mfa/recovery/complete', completeToken],
    ] as const) {
      for (const method of ['GET', 'HEAD']) {
        const page = await t.request(method, `${path}?token=${encodeURIComponent(token)}`)
        expect(page.status).toBe(200)
        expect(page.headers.get('content-type')).toMatch(/^text\/html/)
        expect(page.headers.get('x-frame-options')).toBe('DENY')
        expect(page.headers.get('referrer-policy')).toBe('no-referrer')
        expect(page.headers.get('set-cookie')).toBeNull()
        if (method === 'GET') expect(page.body).toContain(`<form method="post" action="/api/auth${path}"`)
      }
    }
    expect(await eventTypes()).not.toContain('mfa_recovery_cancelled')
    t.clock.advance(DAY)
    expect(await mfaEnabled()).toBe(true)
    expect((await complete(completeToken)).status).toBe(204)
  })

  it('answers the form posts of those pages with pages a person can read', async () => {
    const { cancelToken } = await startRecovery()
    const cancelled = await t.request('POST', '/mfa/recovery/cancel', { form: { token: cancelToken }, headers: { origin: ORIGIN } })
    expect(cancelled.status).toBe(200)
    expect(cancelled.headers.get('content-type')).toContain('text/html')
    expect(cancelled.body).toContain('Recovery cancelled')
    const again = await t.request('POST', '/mfa/recovery/cancel', { form: { token: cancelToken }, headers: { origin: ORIGIN } })
    expect(again.status).toBe(400)
    expect(again.headers.get('content-type')).toContain('text/html')

    t.clock.advance(DAY)
    const { completeToken } = await startRecovery()
    t.clock.advance(DAY)
    const completed = await t.request('POST', '/mfa/recovery/complete', {
      form: { token: completeToken, password: user.password },
      headers: { origin: ORIGIN },
    })
    expect(completed.status).toBe(303)
    expect(completed.headers.get('location')).toBe('/login?notice=mfa_recovered')
    expect(completed.cookies.portcullis_session).toBeUndefined()
  })

  it('replaces the links of an earlier request, and limits requests to three a day', async () => {
    const first = await startRecovery()
    const second = await startRecovery()
    await startRecovery()
    const fourth = await request(await challengeFor(t, user))
    expect(fourth.status).toBe(429)
    expect(fourth.body.error.code).toBe('too_many_requests')
    t.clock.advance(DAY)
    expect((await complete(first.completeToken)).body.error.code).toBe('invalid_code')
    expect((await cancel(second.cancelToken)).body.error.code).toBe('invalid_code')
  })

  it('follows a configured MFA_RECOVERY_DELAY', async () => {
    await reconfigure({ recoveryDelaySeconds: 3600 })
    const { completeToken } = await startRecovery()
    t.clock.advance(3599_000)
    expect((await complete(completeToken)).body.error.details).toEqual([expect.objectContaining({ reason: 'waiting_period' })])
    t.clock.advance(1000)
    expect((await complete(completeToken)).status).toBe(204)
  })
})
