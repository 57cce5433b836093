import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dialects } from '../support/dialects.js'
import { challengeFor, type EnrolledUser, freshCode, signInWithTotp, signUpWithTotp, wrongCode } from '../support/mfa.js'
import { createTestAuth, type TestAuth } from '../support/test-auth.js'

const MINUTE = 60_000
const NEW_PASSWORD = 'a different horse battery staple'

describe.each(dialects)('$name: step-up for POST /password/change', (dialect) => {
  let t: TestAuth
  let user: EnrolledUser
  beforeEach(async () => {
    t = await createTestAuth(dialect)
    user = await signUpWithTotp(t)
  })
  afterEach(async () => {
    await t.close()
  })

  const change = (token: string, code?: string) =>
    t.request('POST', '/password/change', {
      token,
      body: { currentPassword: user.password, newPassword: NEW_PASSWORD, ...(code === undefined ? {} : { code }) },
    })
  /** Which password signs in now: a correct password gets at least a challenge. */
  async function currentPassword(): Promise<'old' | 'new'> {
    if ((await t.signIn(user.email, user.password)).status === 200) return 'old'
    expect((await t.signIn(user.email, NEW_PASSWORD)).status).toBe(200)
    return 'new'
  }

  it('asks a session without a fresh second factor for one, listing the methods', async () => {
    const response = await change(user.token)
    expect(response.status).toBe(403)
    expect(response.body.error.code).toBe('step_up_required')
    expect(response.body.error.details).toEqual(expect.arrayContaining([{ method: 'totp' }, { method: 'recovery_code' }]))
    expect(await currentPassword()).toBe('old')
  })

  it('changes the password with a current TOTP code', async () => {
    const response = await change(user.token, freshCode(t, user))
    expect(response.status).toBe(204)
    expect(await currentPassword()).toBe('new')
    expect((await t.auth.api.audit.list(user.userId)).map((event) => event.type)).toContain('password_changed')
  })

  it('changes the password with a recovery code, which is then spent', async () => {
    const code = user.recoveryCodes[0] as string
    const response = await change(user.token, code.toUpperCase())
    expect(response.status).toBe(204)
    expect(await currentPassword()).toBe('new')
    expect((await t.request('GET', '/mfa', { token: user.token })).body.recoveryCodesRemaining).toBe(9)
    const events = await t.auth.api.audit.list(user.userId)
    expect(events.find((event) => event.type === 'recovery_code_used')?.data).toEqual({ purpose: 'step_up' })
  })

  it('refuses a TOTP code that was already used', async () => {
    const code = freshCode(t, user)
    expect((await t.request('POST', '/mfa/verify', { body: { challenge: await challengeFor(t, user), method: 'totp', code } })).status).toBe(200)
    const response = await change(user.token, code)
    expect(response.status).toBe(400)
    expect(response.body.error.code).toBe('invalid_code')
    expect(await currentPassword()).toBe('old')
  })

  it('needs no code within 10 minutes of completing MFA', async () => {
    const { body } = await signInWithTotp(t, user)
    t.clock.advance(10 * MINUTE - 1000)
    expect((await change(body.token)).status).toBe(204)
    expect(await currentPassword()).toBe('new')
  })

  it('needs a code again 10 minutes after completing MFA', async () => {
    const { body } = await signInWithTotp(t, user)
    t.clock.advance(10 * MINUTE)
    const response = await change(body.token)
    expect(response.status).toBe(403)
    expect(response.body.error.code).toBe('step_up_required')
  })

  it('asks a trusted-device session for a code', async () => {
    const { body } = await signInWithTotp(t, user, { trustDevice: true })
    const trusted = await t.signIn(user.email, user.password, { 'x-trusted-device': body.trustedDeviceToken })
    const response = await change(trusted.body.token)
    expect(response.status).toBe(403)
    expect(response.body.error.code).toBe('step_up_required')
  })

  it('checks the current password before the step-up', async () => {
    const response = await t.request('POST', '/password/change', {
      token: user.token,
      body: { currentPassword: 'not my password at all', newPassword: NEW_PASSWORD, code: freshCode(t, user) },
    })
    expect(response.status).toBe(401)
    expect(response.body.error.code).toBe('invalid_credentials')
    expect(await currentPassword()).toBe('old')
  })

  it('counts wrong step-up codes in the per-account budget: after 10, even a right code gets 429', async () => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const response = await change(user.token, wrongCode(t, user))
      expect(response.status).toBe(400)
      expect(response.body.error.code).toBe('invalid_code')
    }
    const right = await change(user.token, freshCode(t, user))
    expect(right.status).toBe(429)
    expect(right.body.error.code).toBe('too_many_requests')
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await currentPassword()).toBe('old')
    // The budget is shared: the sign-in challenge is refused too, until the lock ends.
    const blocked = await t.request('POST', '/mfa/verify', { body: { challenge: await challengeFor(t, user), method: 'totp', code: freshCode(t, user) } })
    expect(blocked.status).toBe(429)
    t.clock.advance(15 * MINUTE)
    expect((await change(user.token, freshCode(t, user))).status).toBe(204)
  })

  it('counts wrong recovery codes in the same budget', async () => {
    for (let attempt = 0; attempt < 10; attempt++) expect((await change(user.token, `zzzzz-zzzz${attempt}`)).status).toBe(400)
    const right = await change(user.token, user.recoveryCodes[0])
    expect(right.status).toBe(429)
    expect((await t.request('GET', '/mfa', { token: user.token })).body.recoveryCodesRemaining).toBe(10)
  })
})
