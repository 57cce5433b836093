import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dialects } from '../../test/support/dialects.js'
import { challengeFor, freshCode, signUpWithTotp } from '../../test/support/mfa.js'
import { createTestAuth, type TestAuth } from '../../test/support/test-auth.js'

const TOKEN_FLOW = { 'x-auth-flow': 'token' }

describe.each(dialects)('$name: purgeExpired', (dialect) => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(dialect)
  })
  afterEach(async () => {
    await t.close()
  })

  it('deletes sessions past their idle end and keeps live ones', async () => {
    const idle = await t.signUp()
    t.clock.advance(30 * 60_000)
    const live = await t.signUp()
    t.clock.advance(31 * 60_000)
    expect(await t.auth.purgeExpired()).toBeGreaterThanOrEqual(1)
    expect((await t.auth.api.sessions.list(idle.user.id, null)).length).toBe(0)
    expect((await t.request('GET', '/session', { token: live.token })).status).toBe(200)
  })

  it('keeps active factors, live trusted devices and pending challenges', async () => {
    const user = await signUpWithTotp(t)
    const first = await challengeFor(t, user)
    const trusted = await t.request('POST', '/mfa/verify', {
      body: { challenge: first, method: 'totp', code: freshCode(t, user), trustDevice: true },
      headers: TOKEN_FLOW,
    })
    const deviceToken = trusted.body.trustedDeviceToken as string
    const pending = await challengeFor(t, user)
    await t.auth.purgeExpired()
    expect((await t.request('GET', `/mfa/challenge/status?challenge=${encodeURIComponent(pending)}`)).body.state).toBe('pending')

    t.clock.advance(2 * 86_400_000)
    await t.auth.purgeExpired()
    expect((await t.signIn(user.email, user.password)).body.mfaRequired).toBe(true)
    const skipped = await t.signIn(user.email, user.password, { 'x-trusted-device': deviceToken })
    expect(skipped.body.token).toEqual(expect.any(String))
  })

  it('keeps live counters, and deletes spent codes and counters after their grace day', async () => {
    const { email } = await t.signUp()
    for (let send = 0; send < 3; send++) expect((await t.request('POST', '/otp/send', { body: { email } })).status).toBe(202)
    expect((await t.request('POST', '/otp/send', { body: { email } })).status).toBe(429)
    await t.auth.purgeExpired()
    expect((await t.request('POST', '/otp/send', { body: { email } })).status).toBe(429)
    t.clock.advance(2 * 86_400_000)
    expect(await t.auth.purgeExpired()).toBeGreaterThanOrEqual(4)
  })
})
