import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dialects } from '../support/dialects.js'
import { freshCode, signInWithTotp, signUpWithTotp, wrongCode } from '../support/mfa.js'
import { SoftAuthenticator } from '../support/passkey.js'
import { createTestAuth, ORIGIN, type TestAuth } from '../support/test-auth.js'

const MINUTE = 60_000

describe.each(dialects)('$name: POST /mfa/step-up', (dialect) => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(dialect)
  })
  afterEach(async () => {
    await t.close()
  })

  const stepUp = (token: string, body: unknown) => t.request('POST', '/mfa/step-up', { token, body })
  const generate = (token: string, code?: string) => t.request('POST', '/mfa/recovery/generate', { token, body: code ? { code } : {} })
  const stepUpOptions = async (token: string) => (await t.request('POST', '/webauthn/authenticate/options', { token, body: { stepUp: true } })).body

  /** A user whose only second factor is a passkey (and the recovery codes it came with). */
  async function passkeyOnlyUser() {
    const account = await t.signUp()
    const authenticator = new SoftAuthenticator(ORIGIN)
    const options = (await t.request('POST', '/webauthn/register/options', { token: account.token, body: {} })).body
    const registered = await t.request('POST', '/webauthn/register/verify', { token: account.token, body: { response: authenticator.create(options) } })
    expect(registered.status).toBe(200)
    return { ...account, authenticator, credentialId: registered.body.credential.id as string, recoveryCodes: registered.body.recoveryCodes as string[] }
  }

  it('restarts the ten-minute window with a TOTP code', async () => {
    const user = await signUpWithTotp(t)
    t.clock.advance(11 * MINUTE)
    expect((await generate(user.token)).status).toBe(403)
    expect((await stepUp(user.token, { method: 'totp', code: freshCode(t, user) })).status).toBe(204)
    expect((await generate(user.token)).status).toBe(200)
    t.clock.advance(9 * MINUTE)
    expect((await generate(user.token)).status).toBe(200)
    t.clock.advance(2 * MINUTE)
    expect((await generate(user.token)).status).toBe(403)
    const events = await t.auth.api.audit.list(user.userId)
    expect(events.find((event) => event.type === 'step_up_completed')?.data).toEqual({ method: 'totp' })
  })

  it('accepts a recovery code once', async () => {
    const user = await signUpWithTotp(t)
    t.clock.advance(11 * MINUTE)
    const [code] = user.recoveryCodes
    expect((await stepUp(user.token, { method: 'recovery_code', code })).status).toBe(204)
    t.clock.advance(11 * MINUTE)
    const again = await stepUp(user.token, { method: 'recovery_code', code })
    expect(again.status).toBe(400)
    expect(again.body.error.code).toBe('invalid_code')
  })

  it('refuses a wrong code, which spends the code budget', async () => {
    const user = await signUpWithTotp(t)
    for (let attempt = 0; attempt < 10; attempt++) {
      const wrong = await stepUp(user.token, { method: 'totp', code: wrongCode(t, user) })
      expect(wrong.status).toBe(400)
      expect(wrong.body.error.code).toBe('invalid_code')
    }
    const spent = await stepUp(user.token, { method: 'totp', code: freshCode(t, user) })
    expect(spent.status).toBe(429)
    expect(Number(spent.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('refuses a method the user has not enrolled, and bad input, with 400 and no try spent', async () => {
    const user = await signUpWithTotp(t)
    const passkey = await stepUp(user.token, { method: 'webauthn', response: { id: 'AA', rawId: 'AA', type: 'public-key', response: {} } })
    expect(passkey.status).toBe(400)
    expect((await stepUp(user.token, { method: 'sms', code: '123456' })).body.error.code).toBe('invalid_request')
    expect((await stepUp(user.token, { method: 'totp' })).body.error.code).toBe('invalid_request')
    expect((await t.request('POST', '/mfa/step-up', { body: { method: 'totp', code: '123456' } })).status).toBe(401)
  })

  it('checks a code that is given even right after MFA: a wrong one is 400 invalid_code', async () => {
    const user = await signUpWithTotp(t)
    const { body } = await signInWithTotp(t, user)
    const wrong = await generate(body.token, wrongCode(t, user))
    expect(wrong.status).toBe(400)
    expect(wrong.body.error.code).toBe('invalid_code')
    const replayed = await t.request('POST', '/mfa/totp/disable', { token: body.token, body: { code: user.code() } })
    expect(replayed.status).toBe(400)
    expect((await t.request('GET', '/mfa', { token: body.token })).body.enabled).toBe(true)
    // Without a code the fresh MFA still lets the action through.
    expect((await generate(body.token)).status).toBe(200)
  })

  describe('with a passkey', () => {
    it('lists webauthn in step_up_required, and a passkey-only user steps up with it and deletes a passkey', async () => {
      const user = await passkeyOnlyUser()
      t.clock.advance(11 * MINUTE)
      const refused = await t.request('DELETE', `/webauthn/credentials/${user.credentialId}`, { token: user.token, body: {} })
      expect(refused.status).toBe(403)
      expect(refused.body.error).toMatchObject({ code: 'step_up_required', details: [{ method: 'recovery_code' }, { method: 'webauthn' }] })

      const response = user.authenticator.get(await stepUpOptions(user.token))
      expect((await stepUp(user.token, { method: 'webauthn', response })).status).toBe(204)
      // The ceremony is spent: the same assertion does not step up twice.
      expect((await stepUp(user.token, { method: 'webauthn', response })).status).toBe(400)
      const removed = await t.request('DELETE', `/webauthn/credentials/${user.credentialId}`, { token: user.token, body: {} })
      expect(removed.status).toBe(204)
      expect((await t.request('GET', '/mfa', { token: user.token })).body).toMatchObject({ enabled: false, factors: [] })
      const types = (await t.auth.api.audit.list(user.user.id)).map((event) => event.type)
      expect(types).toEqual(expect.arrayContaining(['step_up_completed', 'passkey_removed']))
    })

    it('needs a session for step-up options, and keeps step-up and challenge ceremonies apart', async () => {
      const user = await passkeyOnlyUser()
      expect((await t.request('POST', '/webauthn/authenticate/options', { body: { stepUp: true } })).status).toBe(401)
      // A ceremony of a sign-in challenge does not step up a session…
      const challenge = (await t.signIn(user.email, user.password)).body.challenge
      const challengeOptions = (await t.request('POST', '/webauthn/authenticate/options', { body: { challenge } })).body
      expect((await stepUp(user.token, { method: 'webauthn', response: user.authenticator.get(challengeOptions) })).status).toBe(400)
      // …and a step-up ceremony does not complete a challenge.
      const assertion = user.authenticator.get(await stepUpOptions(user.token))
      const crossed = await t.request('POST', '/webauthn/authenticate/verify', { body: { response: assertion, challenge } })
      expect(crossed.status).toBe(400)
      // Another user's step-up ceremony is not this user's.
      const other = await passkeyOnlyUser()
      const othersOptions = await stepUpOptions(other.token)
      expect((await stepUp(user.token, { method: 'webauthn', response: other.authenticator.get(othersOptions) })).status).toBe(400)
    })
  })
})
