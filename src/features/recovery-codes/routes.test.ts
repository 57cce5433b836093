import { afterEach, describe, expect, it } from 'vitest'
import { dialects } from '../../../test/support/dialects.js'
import { challengeFor, challengesFor, type EnrolledUser, freshCode, signUpWithTotp } from '../../../test/support/mfa.js'
import { createTestAuth, type TestAuth } from '../../../test/support/test-auth.js'
import type { AuthOptions } from '../../config/options.js'

const SHOWN = /^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/

describe.each(dialects)('$name: recovery codes', (dialect) => {
  let t: TestAuth
  let user: EnrolledUser
  async function setUp(options: AuthOptions = {}) {
    t = await createTestAuth(dialect, options)
    user = await signUpWithTotp(t)
  }
  afterEach(async () => {
    await t.close()
  })

  const redeem = (challenge: string, code: string) =>
    t.request('POST', '/mfa/verify', { body: { challenge, method: 'recovery_code', code }, headers: { 'x-auth-flow': 'token' } })
  const remaining = async () => (await t.request('GET', '/mfa', { token: user.token })).body.recoveryCodesRemaining
  const generate = (body: Record<string, unknown> = {}, token = user.token) => t.request('POST', '/mfa/recovery/generate', { token, body })

  describe('POST /mfa/verify with method recovery_code', () => {
    it('completes sign-in with a recovery code typed in upper case with spaces', async () => {
      await setUp()
      const typed = ` ${(user.recoveryCodes[0] as string).toUpperCase().replace('-', ' ')} `
      const response = await redeem(await challengeFor(t, user), typed)
      expect(response.status).toBe(200)
      expect(response.body.user).toMatchObject({ id: user.userId, mfaEnabled: true })
      expect((await t.request('GET', '/session', { token: response.body.token })).body.session.aal).toBe(2)
      expect(await remaining()).toBe(9)
      const events = await t.auth.api.audit.list(user.userId)
      expect(events.map((event) => event.type)).toContain('recovery_code_used')
      expect(events.find((event) => event.type === 'mfa_challenge_completed')?.data).toMatchObject({ method: 'recovery_code' })
      expect(JSON.stringify(events)).not.toContain((user.recoveryCodes[0] as string).slice(0, 5))
    })

    it('refuses a code that was already used, in any spelling', async () => {
      await setUp()
      const code = user.recoveryCodes[1] as string
      expect((await redeem(await challengeFor(t, user), code)).status).toBe(200)
      for (const again of [code, code.replace('-', ''), code.toUpperCase()]) {
        const response = await redeem(await challengeFor(t, user), again)
        expect(response.status).toBe(400)
        expect(response.body.error.code).toBe('invalid_code')
      }
      expect(await remaining()).toBe(9)
    })

    it('lets exactly one of 20 concurrent redemptions of one code across 20 challenges win', async () => {
      await setUp({ lockoutThreshold: 20 })
      const challenges = await challengesFor(t, user, 20)
      const code = user.recoveryCodes[2] as string
      const results = await Promise.all(challenges.map((challenge) => redeem(challenge, code)))
      expect(results.filter((response) => response.status === 200)).toHaveLength(1)
      const refused = results.filter((response) => response.status !== 200)
      expect(refused).toHaveLength(19)
      for (const response of refused) expect(response.body.error.code).toBe('invalid_code')
      expect(await remaining()).toBe(9)
    })
  })

  describe('POST /mfa/recovery/generate', () => {
    it('asks for a step-up without a code', async () => {
      await setUp()
      const response = await generate()
      expect(response.status).toBe(403)
      expect(response.body.error.code).toBe('step_up_required')
      expect(response.body.error.details).toEqual(expect.arrayContaining([{ method: 'totp' }, { method: 'recovery_code' }]))
      expect(await remaining()).toBe(10)
    })

    it('refuses a wrong code', async () => {
      await setUp()
      const response = await generate({ code: '00000-00000' })
      expect(response.status).toBe(400)
      expect(response.body.error.code).toBe('invalid_code')
      expect(await remaining()).toBe(10)
    })

    it('replaces every code with ten new ones after a TOTP step-up', async () => {
      // A budget wide enough to try all ten old codes.
      await setUp({ lockoutThreshold: 10 })
      const response = await generate({ code: freshCode(t, user) })
      expect(response.status).toBe(200)
      const codes: string[] = response.body.codes
      expect(codes).toHaveLength(10)
      for (const code of codes) expect(code).toMatch(SHOWN)
      expect(codes.filter((code) => user.recoveryCodes.includes(code))).toEqual([])
      expect(await remaining()).toBe(10)
      let challenge = await challengeFor(t, user)
      for (const [index, old] of user.recoveryCodes.entries()) {
        if (index === 4) challenge = await challengeFor(t, user)
        if (index === 8) challenge = await challengeFor(t, user)
        const refused = await redeem(challenge, old)
        expect(refused.status).toBe(400)
        expect(refused.body.error.code).toBe('invalid_code')
      }
      expect((await redeem(await challengeFor(t, user), codes[0] as string)).status).toBe(200)
      const events = await t.auth.api.audit.list(user.userId)
      expect(events.filter((event) => event.type === 'recovery_codes_generated')).toHaveLength(2)
    })

    it('honours one step-up code once when 20 generations race', async () => {
      await setUp({ lockoutThreshold: 20 })
      const code = freshCode(t, user)
      const results = await Promise.all(Array.from({ length: 20 }, () => generate({ code })))
      const won = results.filter((response) => response.status === 200)
      expect(won).toHaveLength(1)
      for (const response of results.filter((response) => response.status !== 200)) expect(response.body.error.code).toBe('invalid_code')
      const challenge = await challengeFor(t, user)
      expect((await redeem(challenge, won[0]?.body.codes[0])).status).toBe(200)
    })

    it('accepts a recovery code as the step-up, spending it with the old set', async () => {
      await setUp()
      const response = await generate({ code: user.recoveryCodes[0] })
      expect(response.status).toBe(200)
      expect(response.body.codes).toHaveLength(10)
      expect(await remaining()).toBe(10)
    })

    it('answers 409 for a user without a second factor', async () => {
      await setUp()
      const plain = await t.signUp()
      const response = await generate({}, plain.token)
      expect(response.status).toBe(409)
      expect(response.body.error.code).toBe('conflict')
      expect(await t.store.db.selectFrom('recovery_codes').select('id').where('user_id', '=', plain.user.id).execute()).toEqual([])
    })
  })
})
