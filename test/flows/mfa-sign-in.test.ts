import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { totpCodeAt } from '../../src/features/totp/index.js'
import { dialects } from '../support/dialects.js'
import { challengeFor, challengesFor, type EnrolledUser, freshCode, signUpWithTotp } from '../support/mfa.js'
import { createTestAuth, type TestAuth } from '../support/test-auth.js'

describe.each(dialects)('$name: sign-in with a second factor', (dialect) => {
  let t: TestAuth
  let user: EnrolledUser
  beforeEach(async () => {
    t = await createTestAuth(dialect)
    user = await signUpWithTotp(t)
  })
  afterEach(async () => {
    await t.close()
  })

  const verify = (challenge: string, code: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = { 'x-auth-flow': 'token' }) =>
    t.request('POST', '/mfa/verify', { body: { challenge, method: 'totp', code, ...extra }, headers })

  it('gives a correct password only a challenge, never a session', async () => {
    const response = await t.signIn(user.email, user.password)
    expect(response.status).toBe(200)
    expect(response.body).toEqual({ mfaRequired: true, challenge: expect.any(String), expiresIn: 300, methods: ['totp', 'recovery_code', 'email_otp'] })
    expect(response.body.token).toBeUndefined()
    expect(response.headers.get('set-cookie')).toBeNull()
  })

  it('refuses the challenge token as a session, by bearer and by cookie', async () => {
    const challenge = await challengeFor(t, user)
    expect((await t.request('GET', '/session', { token: challenge })).status).toBe(401)
    expect((await t.request('GET', '/session', { cookie: `portcullis_session=${challenge}` })).status).toBe(401)
  })

  it('completes with a TOTP code into a new aal 2 session', async () => {
    const challenge = await challengeFor(t, user)
    const response = await verify(challenge, user.code())
    expect(response.status).toBe(200)
    expect(response.body.user).toMatchObject({ email: user.email, mfaEnabled: true })
    expect(response.body.token).not.toBe(user.token)
    const session = await t.request('GET', '/session', { token: response.body.token })
    expect(session.body.session.aal).toBe(2)
    const status = await t.request('GET', `/mfa/challenge/status?challenge=${encodeURIComponent(challenge)}`)
    expect(status.body).toMatchObject({ state: 'completed', methods: [] })
  })

  it('sets the session cookie in the cookie flow', async () => {
    const challenge = await challengeFor(t, user)
    const response = await verify(challenge, user.code(), {}, {})
    expect(response.status).toBe(200)
    expect(response.body.token).toBeUndefined()
    expect(response.cookies.portcullis_session).toBeTruthy()
  })

  it('accepts the previous and the next time step', async () => {
    for (const offset of [-30, 30]) {
      t.clock.advance(90_000)
      const challenge = await challengeFor(t, user)
      const code = totpCodeAt(user.secret, Math.floor(t.clock.now().getTime() / 1000) + offset)
      expect((await verify(challenge, code)).status).toBe(200)
    }
  })

  it('refuses a wrong code, and reports a skewed clock without accepting it', async () => {
    const challenge = await challengeFor(t, user)
    const wrong = await verify(challenge, '000000' === user.code() ? '111111' : '000000')
    expect(wrong.status).toBe(400)
    expect(wrong.body.error.code).toBe('invalid_code')
    const skewed = await verify(challenge, totpCodeAt(user.secret, Math.floor(t.clock.now().getTime() / 1000) + 5 * 30))
    expect(skewed.status).toBe(400)
    expect(skewed.body.error).toMatchObject({ code: 'invalid_code', details: [{ reason: 'clock_skew' }] })
    const status = await t.request('GET', `/mfa/challenge/status?challenge=${encodeURIComponent(challenge)}`)
    expect(status.body).toMatchObject({ state: 'pending', attemptsRemaining: 3 })
  })

  it('never accepts the same code twice, even inside its window', async () => {
    const code = user.code()
    expect((await verify(await challengeFor(t, user), code)).status).toBe(200)
    const replay = await verify(await challengeFor(t, user), code)
    expect(replay.status).toBe(400)
    expect(replay.body.error.code).toBe('invalid_code')
  })

  it('refuses the code that confirmed the enrolment', async () => {
    t.clock.advance(-30_000)
    const response = await verify(await challengeFor(t, user), user.code())
    expect(response.status).toBe(400)
    expect(response.body.error.code).toBe('invalid_code')
  })

  it('lets exactly one of 20 concurrent verifications with the same code win', async () => {
    const challenges = await challengesFor(t, user, 20)
    const code = user.code()
    const results = await Promise.all(challenges.map((challenge) => verify(challenge, code)))
    expect(results.filter((response) => response.status === 200)).toHaveLength(1)
    // The losers were refused as replays, or — their tries being in flight at once — by the code budget.
    expect(results.filter((response) => response.status === 400 || response.status === 429)).toHaveLength(19)
  })

  it('completes a challenge only once', async () => {
    const challenge = await challengeFor(t, user)
    expect((await verify(challenge, user.code())).status).toBe(200)
    t.clock.advance(30_000)
    const again = await verify(challenge, user.code())
    expect(again.status).toBe(400)
    expect(again.body.error.code).toBe('challenge_invalid')
  })

  it('expires a challenge after MFA_CHALLENGE_TTL', async () => {
    const challenge = await challengeFor(t, user)
    t.clock.advance(301_000)
    const response = await verify(challenge, user.code())
    expect(response.body.error.code).toBe('challenge_invalid')
    const status = await t.request('GET', `/mfa/challenge/status?challenge=${encodeURIComponent(challenge)}`)
    expect(status.body.state).toBe('expired')
  })

  it('refuses a tampered challenge', async () => {
    const challenge = await challengeFor(t, user)
    const [id, signature] = challenge.split('.')
    for (const forged of [`${id}.${signature?.slice(0, -2)}xx`, `${id}x.${signature}`, id as string, `${challenge}.extra`]) {
      const response = await verify(forged, user.code())
      expect(response.status).toBe(400)
      expect(response.body.error.code).toBe('challenge_invalid')
    }
  })

  it('locks a challenge after five wrong codes, even for the right code', async () => {
    const challenge = await challengeFor(t, user)
    const wrong = user.code() === '123456' ? '654321' : '123456'
    for (let attempt = 0; attempt < 5; attempt++) expect((await verify(challenge, wrong)).body.error.code).toBe('invalid_code')
    const status = await t.request('GET', `/mfa/challenge/status?challenge=${encodeURIComponent(challenge)}`)
    expect(status.body).toMatchObject({ state: 'locked', attemptsRemaining: 0 })
    const right = await verify(challenge, user.code())
    expect(right.body.error.code).toBe('challenge_invalid')
  })

  it('compares at most five codes of a concurrent burst against one challenge', async () => {
    const challenge = await challengeFor(t, user)
    const right = user.code()
    const guesses = Array.from({ length: 30 }, (_, index) => String((Number(right) + 1 + index) % 1_000_000).padStart(6, '0'))
    const results = await Promise.all(guesses.map((code) => verify(challenge, code)))
    const compared = results.filter((response) => response.body.error?.code === 'invalid_code')
    expect(compared.length).toBe(5)
    expect(results.every((response) => ['invalid_code', 'challenge_invalid', 'too_many_requests'].includes(response.body.error?.code))).toBe(true)
    expect((await verify(challenge, right)).body.error.code).toBe('challenge_invalid')
  })

  it('compares at most ten codes of a burst across challenges: the code budget is taken before comparing', async () => {
    const challenges = await challengesFor(t, user, 6)
    const wrong = user.code() === '123456' ? '654321' : '123456'
    const results = await Promise.all(challenges.flatMap((challenge) => Array.from({ length: 5 }, () => verify(challenge, wrong))))
    expect(results.filter((response) => response.body.error?.code === 'invalid_code').length).toBe(10)
    expect(results.filter((response) => response.status === 429).length).toBe(20)
  })

  it('spends a per-account code budget across challenges: the 11th code is refused even when right', async () => {
    const wrong = user.code() === '123456' ? '654321' : '123456'
    for (let round = 0; round < 2; round++) {
      const challenge = await challengeFor(t, user)
      for (let attempt = 0; attempt < 5; attempt++) expect((await verify(challenge, wrong)).status).toBe(400)
    }
    const fresh = await challengeFor(t, user)
    const right = await verify(fresh, user.code())
    expect(right.status).toBe(429)
    expect(right.body.error.code).toBe('too_many_requests')
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0)
    t.clock.advance(15 * 60_000 + 1000)
    expect((await verify(await challengeFor(t, user), user.code())).status).toBe(200)
  })

  it('keeps the code budget apart from the password counter: wrong passwords spend no code tries', async () => {
    const wrong = user.code() === '123456' ? '654321' : '123456'
    for (let attempt = 0; attempt < 4; attempt++) expect((await t.signIn(user.email, 'wrong password for sure')).status).toBe(401)
    // Nine wrong codes leave one try of ten; had the four passwords counted, none would be left.
    for (const tries of [5, 4]) {
      const challenge = await challengeFor(t, user)
      for (let attempt = 0; attempt < tries; attempt++) expect((await verify(challenge, wrong)).status).toBe(400)
    }
    expect((await verify(await challengeFor(t, user), user.code())).status).toBe(200)
  })

  it('gives a right code its try back: more than ten sign-ins in one window all pass', async () => {
    for (let signIn = 0; signIn < 12; signIn++) {
      const challenge = await challengeFor(t, user)
      expect((await verify(challenge, freshCode(t, user))).status).toBe(200)
    }
  })

  it('accepts a code typed with a space, as authenticator apps show it', async () => {
    const code = freshCode(t, user)
    expect((await verify(await challengeFor(t, user), `${code.slice(0, 3)} ${code.slice(3)}`)).status).toBe(200)
  })

  it('refuses a method the challenge does not offer', async () => {
    const challenge = await challengeFor(t, user)
    const response = await t.request('POST', '/mfa/verify', { body: { challenge, method: 'webauthn', code: 'x' } })
    expect(response.status).toBe(400)
    expect(response.body.error.code).toBe('invalid_request')
  })

  it('records the flow in the audit log without secrets', async () => {
    const code = user.code()
    const challenge = await challengeFor(t, user)
    await verify(challenge, code)
    const events = await t.auth.api.audit.list(user.userId)
    const types = events.map((event) => event.type)
    expect(types).toEqual(
      expect.arrayContaining(['factor_enrolled', 'recovery_codes_generated', 'mfa_challenge_issued', 'mfa_challenge_completed', 'sign_in_succeeded']),
    )
    expect(JSON.stringify(events)).not.toContain(code)
    expect(JSON.stringify(events)).not.toContain(challenge)
  })
})
