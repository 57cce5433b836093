import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AuthOptions } from '../../src/config/options.js'
import { dialects } from '../support/dialects.js'
import { codeIn, lastMail, mailsTo, tokenIn } from '../support/mail.js'
import { challengeFor, type EnrolledUser, signUpWithTotp } from '../support/mfa.js'
import { createTestAuth, type TestAuth } from '../support/test-auth.js'

describe.each(dialects)('$name: email as a second factor', (dialect) => {
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

  const sendFor = (challenge: string) => t.request('POST', '/mfa/challenge/email-otp', { body: { challenge } })
  const verify = (challenge: string, code: string, method = 'email_otp') =>
    t.request('POST', '/mfa/verify', { body: { challenge, method, code }, headers: { 'x-auth-flow': 'token' } })
  const other = (code: string) => (code === '000000' ? '111111' : '000000')

  async function mailedCodeFor(challenge: string): Promise<string> {
    const response = await sendFor(challenge)
    expect(response.status).toBe(202)
    return codeIn(await lastMail(t, user.email, 'your verification code'))
  }

  async function passwordlessChallenge(): Promise<string> {
    expect((await t.request('POST', '/otp/send', { body: { email: user.email } })).status).toBe(202)
    const code = codeIn(await lastMail(t, user.email, 'your sign-in code'))
    const response = await t.request('POST', '/otp/verify', { body: { email: user.email, code } })
    expect(response.body.mfaRequired).toBe(true)
    return response.body.challenge
  }

  it('is offered in the challenge after a password', async () => {
    const response = await t.signIn(user.email, user.password)
    expect(response.body).toMatchObject({ mfaRequired: true, methods: ['totp', 'recovery_code', 'email_otp'] })
  })

  it('mails a code for the challenge (202) that completes it into an aal 2 session', async () => {
    const challenge = await challengeFor(t, user)
    const response = await sendFor(challenge)
    expect(response.status).toBe(202)
    expect(response.body).toBeNull()
    const mail = await lastMail(t, user.email, 'your verification code')
    expect(mail.subject).toBe('Portcullis: your verification code')
    expect(mail.text).toContain('finish signing in')

    const completed = await verify(challenge, codeIn(mail))
    expect(completed.status).toBe(200)
    expect(completed.body.user).toMatchObject({ email: user.email, mfaEnabled: true })
    const session = await t.request('GET', '/session', { token: completed.body.token })
    expect(session.body.session.aal).toBe(2)
    const events = await t.auth.api.audit.list(user.userId)
    expect(events.find((event) => event.type === 'mfa_challenge_completed')?.data).toMatchObject({ method: 'email_otp' })
    expect(JSON.stringify(events)).not.toContain(codeIn(mail))
  })

  it('binds the code to its challenge', async () => {
    const first = await challengeFor(t, user)
    const second = await challengeFor(t, user)
    const code = await mailedCodeFor(first)
    const elsewhere = await verify(second, code)
    expect(elsewhere.status).toBe(400)
    expect(elsewhere.body.error.code).toBe('invalid_code')
    expect((await verify(first, code)).status).toBe(200)
  })

  it('voids the code of an earlier challenge when a new one is mailed', async () => {
    const first = await challengeFor(t, user)
    const code = await mailedCodeFor(first)
    await mailedCodeFor(await challengeFor(t, user))
    expect((await verify(first, code)).body.error.code).toBe('invalid_code')
  })

  it('keeps sign-in codes and second-factor codes apart', async () => {
    const challenge = await challengeFor(t, user)
    expect((await t.request('POST', '/otp/send', { body: { email: user.email } })).status).toBe(202)
    const signInCode = codeIn(await lastMail(t, user.email, 'your sign-in code'))
    const asSecondFactor = await verify(challenge, signInCode)
    expect(asSecondFactor.status).toBe(400)
    expect(asSecondFactor.body.error.code).toBe('invalid_code')

    const factorCode = await mailedCodeFor(challenge)
    const asSignIn = await t.request('POST', '/otp/verify', { body: { email: user.email, code: factorCode } })
    expect(asSignIn.status).toBe(400)
    expect(asSignIn.body.error.code).toBe('invalid_code')

    expect((await verify(challenge, factorCode)).status).toBe(200)
  })

  it('counts wrong email codes in the challenge’s five tries', async () => {
    const challenge = await challengeFor(t, user)
    const code = await mailedCodeFor(challenge)
    for (let attempt = 0; attempt < 5; attempt++) expect((await verify(challenge, other(code))).body.error.code).toBe('invalid_code')
    const status = await t.request('GET', `/mfa/challenge/status?challenge=${encodeURIComponent(challenge)}`)
    expect(status.body).toMatchObject({ state: 'locked', attemptsRemaining: 0 })
    const right = await verify(challenge, code)
    expect(right.status).toBe(400)
    expect(right.body.error.code).toBe('challenge_invalid')
  })

  it('counts wrong email codes in the per-account budget, shared with TOTP codes', async () => {
    const first = await challengeFor(t, user)
    const code = await mailedCodeFor(first)
    for (let attempt = 0; attempt < 5; attempt++) expect((await verify(first, other(code))).status).toBe(400)
    const second = await challengeFor(t, user)
    const wrongTotp = user.code() === '123456' ? '654321' : '123456'
    for (let attempt = 0; attempt < 5; attempt++) expect((await verify(second, wrongTotp, 'totp')).status).toBe(400)

    const third = await challengeFor(t, user)
    const right = await verify(third, await mailedCodeFor(third))
    expect(right.status).toBe(429)
    expect(right.body.error.code).toBe('too_many_requests')
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('counts wrong passwordless codes in the same per-account budget', async () => {
    expect((await t.request('POST', '/otp/send', { body: { email: user.email } })).status).toBe(202)
    const signInCode = codeIn(await lastMail(t, user.email, 'your sign-in code'))
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await t.request('POST', '/otp/verify', { body: { email: user.email, code: other(signInCode) } })).status).toBe(400)
    }
    const challenge = await challengeFor(t, user)
    const wrongTotp = user.code() === '123456' ? '654321' : '123456'
    for (let attempt = 0; attempt < 5; attempt++) expect((await verify(challenge, wrongTotp, 'totp')).status).toBe(400)
    const right = await verify(await challengeFor(t, user), user.code(), 'totp')
    expect(right.status).toBe(429)
    expect(right.body.error.code).toBe('too_many_requests')
  })

  it('lets exactly one of 20 concurrent verifications of one code win', async () => {
    const challenge = await challengeFor(t, user)
    const code = await mailedCodeFor(challenge)
    const results = await Promise.all(Array.from({ length: 20 }, () => verify(challenge, code)))
    expect(results.filter((response) => response.status === 200)).toHaveLength(1)
    for (const response of results.filter((result) => result.status !== 200)) {
      // Losers were spent codes, or found the challenge's tries or the account's code budget taken by the burst.
      expect(['invalid_code', 'challenge_invalid', 'too_many_requests']).toContain(response.body.error.code)
    }
  })

  it('is not offered, and cannot be mailed, after an email code or a magic link', async () => {
    const afterCode = await passwordlessChallenge()
    const refused = await sendFor(afterCode)
    expect(refused.status).toBe(400)
    expect(refused.body.error.code).toBe('invalid_request')
    expect((await verify(afterCode, '123456')).body.error.code).toBe('invalid_request')

    expect((await t.request('POST', '/magic-link/send', { body: { email: user.email } })).status).toBe(202)
    const token = tokenIn(await lastMail(t, user.email, 'your sign-in link'), '/magic-link/verify')
    const afterLink = await t.request('POST', '/magic-link/verify', { body: { token } })
    expect(afterLink.body.methods).toEqual(['totp', 'recovery_code'])
    expect((await sendFor(afterLink.body.challenge)).status).toBe(400)
    expect((await mailsTo(t, user.email)).filter((mail) => mail.subject.includes('verification code'))).toHaveLength(0)
  })

  it('refuses to mail a code for an unknown or tampered challenge', async () => {
    const challenge = await challengeFor(t, user)
    for (const forged of ['nonsense', `${challenge}x`]) {
      const response = await sendFor(forged)
      expect(response.status).toBe(400)
      expect(response.body.error.code).toBe('challenge_invalid')
    }
  })

  it('is off with emailSecondFactor: false — not offered, and the send route answers 400', async () => {
    await reconfigure({ emailSecondFactor: false })
    const response = await t.signIn(user.email, user.password)
    expect(response.body.methods).toEqual(['totp', 'recovery_code'])
    const refused = await sendFor(response.body.challenge)
    expect(refused.status).toBe(400)
    expect(refused.body.error.code).toBe('invalid_request')
    expect((await verify(response.body.challenge, '123456')).body.error.code).toBe('invalid_request')
    expect((await mailsTo(t, user.email)).filter((mail) => mail.subject.includes('verification code'))).toHaveLength(0)
  })
})
