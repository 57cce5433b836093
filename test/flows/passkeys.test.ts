import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dialects } from '../support/dialects.js'
import { freshCode, signUpWithTotp } from '../support/mfa.js'
import { SoftAuthenticator } from '../support/passkey.js'
import { createTestAuth, ORIGIN, type TestAuth } from '../support/test-auth.js'

const TOKEN_FLOW = { 'x-auth-flow': 'token' }
const MINUTE = 60_000

describe.each(dialects)('$name: passkeys (WebAuthn)', (dialect) => {
  let t: TestAuth
  let authenticator: SoftAuthenticator
  beforeEach(async () => {
    t = await createTestAuth(dialect)
    authenticator = new SoftAuthenticator(ORIGIN)
  })
  afterEach(async () => {
    await t.close()
  })

  const registrationOptions = async (token: string) => (await t.request('POST', '/webauthn/register/options', { token, body: {} })).body
  const registerVerify = (token: string, response: unknown, name?: string) =>
    t.request('POST', '/webauthn/register/verify', { token, body: { response, ...(name === undefined ? {} : { name }) } })
  const authenticationOptions = async (challenge?: string) =>
    (await t.request('POST', '/webauthn/authenticate/options', { body: challenge ? { challenge } : {}, headers: TOKEN_FLOW })).body
  const authenticateVerify = (response: unknown, challenge?: string) =>
    t.request('POST', '/webauthn/authenticate/verify', { body: { response, ...(challenge ? { challenge } : {}) }, headers: TOKEN_FLOW })

  /** A new user with one passkey, registered through the API. */
  async function userWithPasskey(name?: string) {
    const account = await t.signUp()
    const response = authenticator.create(await registrationOptions(account.token))
    const registered = await registerVerify(account.token, response, name)
    expect(registered.status).toBe(200)
    return { ...account, credential: registered.body.credential, credentialId: response.id }
  }

  describe('registration', () => {
    it('needs a session', async () => {
      expect((await t.request('POST', '/webauthn/register/options', { body: {} })).status).toBe(401)
    })

    it('offers options for this site and user, then stores the passkey as a second factor', async () => {
      const { token, user } = await t.signUp()
      expect((await t.request('GET', '/session', { token })).body.user.mfaEnabled).toBe(false)
      const options = await registrationOptions(token)
      expect(options.rp).toEqual({ id: 'localhost', name: 'Portcullis' })
      expect(options.user.name).toBe(user.email)
      expect(options.attestation).toBe('none')
      expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/)

      const registered = await registerVerify(token, authenticator.create(options), 'Laptop')
      expect(registered.status).toBe(200)
      expect(registered.body.credential).toEqual({ id: expect.any(String), name: 'Laptop', createdAt: t.clock.now().toISOString(), lastUsedAt: null })
      const listed = await t.request('GET', '/webauthn/credentials', { token })
      expect(listed.body.credentials).toEqual([registered.body.credential])
      const overview = await t.request('GET', '/mfa', { token })
      expect(overview.body).toMatchObject({ enabled: true, factors: [{ id: registered.body.credential.id, type: 'webauthn' }] })
      expect((await t.request('GET', '/session', { token })).body.user.mfaEnabled).toBe(true)
      const enrolled = (await t.auth.api.audit.list(user.id)).find((event) => event.type === 'passkey_added')
      expect(enrolled?.data).toMatchObject({ type: 'webauthn' })
    })

    it('needs a sign-in from the last 10 minutes, or with MFA on a second factor from the last 10 minutes', async () => {
      const plain = await t.signUp()
      t.clock.advance(11 * MINUTE)
      const stale = await t.request('POST', '/webauthn/register/options', { token: plain.token, body: {} })
      expect(stale.status).toBe(403)
      expect(stale.body.error.code).toBe('step_up_required')
      const again = await t.signIn(plain.email, plain.password)
      expect((await t.request('POST', '/webauthn/register/options', { token: again.body.token, body: {} })).status).toBe(200)

      // The sign-up session of someone who then turned on TOTP is still valid, and must not plant a passkey.
      const user = await signUpWithTotp(t)
      const planted = await t.request('POST', '/webauthn/register/options', { token: user.token, body: {} })
      expect(planted.status).toBe(403)
      const challenge = (await t.signIn(user.email, user.password)).body.challenge
      const verified = await t.request('POST', '/mfa/verify', { body: { challenge, method: 'totp', code: freshCode(t, user) }, headers: TOKEN_FLOW })
      expect((await t.request('POST', '/webauthn/register/options', { token: verified.body.token, body: {} })).status).toBe(200)
      t.clock.advance(11 * MINUTE)
      expect((await t.request('POST', '/webauthn/register/options', { token: verified.body.token, body: {} })).status).toBe(403)
    })

    it('lists the registered passkeys as credentials to exclude next time', async () => {
      const { credentialId } = await userWithPasskey()
      // With a passkey on, adding another needs a second factor just now: sign in with the first.
      const fresh = await authenticateVerify(authenticator.get(await authenticationOptions()))
      expect((await registrationOptions(fresh.body.token)).excludeCredentials).toEqual([{ id: credentialId, type: 'public-key', transports: ['internal'] }])
    })

    it('refuses a response from another origin, a replayed response and another user’s ceremony', async () => {
      const { token } = await t.signUp()
      const stolen = authenticator.create(await registrationOptions(token))
      const foreign = await registerVerify(token, authenticator.create(await registrationOptions(token), { origin: 'https://evil.example' }))
      expect(foreign.status).toBe(400)
      expect(foreign.body.error.code).toBe('invalid_code')

      const response = authenticator.create(await registrationOptions(token))
      expect((await registerVerify(token, response)).status).toBe(200)
      expect((await registerVerify(token, response)).status).toBe(400)

      const other = await t.signUp()
      expect((await registerVerify(other.token, stolen)).status).toBe(400)
      expect((await t.request('GET', '/webauthn/credentials', { token: other.token })).body.credentials).toEqual([])
    })

    it('refuses a ceremony older than five minutes', async () => {
      const { token } = await t.signUp()
      const options = await registrationOptions(token)
      t.clock.advance(5 * MINUTE + 1000)
      expect((await registerVerify(token, authenticator.create(options))).status).toBe(400)
    })

    it('answers a malformed response with 400 and a field list, never a 500', async () => {
      const { token } = await t.signUp()
      const response = authenticator.create(await registrationOptions(token))
      for (const broken of [{}, { ...response, type: 'password' }, { ...response, response: { ...response.response, attestationObject: 'not base64!' } }]) {
        const answer = await registerVerify(token, broken)
        expect(answer.status).toBe(400)
        expect(answer.body.error.code).toBe('invalid_request')
      }
      const garbage = { ...response, response: { ...response.response, attestationObject: Buffer.from('garbage').toString('base64url') } }
      expect((await registerVerify(token, garbage)).body.error.code).toBe('invalid_code')
    })
  })

  describe('as the second factor of a challenge', () => {
    it('completes a password sign-in with an aal 2 session, once', async () => {
      const { email, password } = await userWithPasskey()
      const login = await t.signIn(email, password)
      expect(login.body).toMatchObject({ mfaRequired: true, methods: ['webauthn', 'recovery_code', 'email_otp'] })
      const options = await authenticationOptions(login.body.challenge)
      expect(options.allowCredentials).toHaveLength(1)
      const assertion = authenticator.get(options)
      const verified = await authenticateVerify(assertion, login.body.challenge)
      expect(verified.status).toBe(200)
      const session = await t.request('GET', '/session', { token: verified.body.token })
      expect(session.body.session.aal).toBe(2)
      expect((await authenticateVerify(assertion, login.body.challenge)).status).toBe(400)
    })

    it('refuses an assertion made for another challenge, and counts it as a wrong try', async () => {
      const { email, password } = await userWithPasskey()
      const first = (await t.signIn(email, password)).body.challenge
      const second = (await t.signIn(email, password)).body.challenge
      const assertion = authenticator.get(await authenticationOptions(first))
      const crossed = await authenticateVerify(assertion, second)
      expect(crossed.status).toBe(400)
      expect(crossed.body.error.code).toBe('invalid_code')
      expect((await t.request('GET', `/mfa/challenge/status?challenge=${encodeURIComponent(second)}`)).body.attemptsRemaining).toBe(4)
    })

    it('answers a passkey "code" sent to /mfa/verify that is not an assertion with 400, never a 500', async () => {
      const { email, password } = await userWithPasskey()
      for (const code of ['null', '42', '"text"', '[]', '{}', 'not json']) {
        const challenge = (await t.signIn(email, password)).body.challenge
        const answer = await t.request('POST', '/mfa/verify', { body: { challenge, method: 'webauthn', code }, headers: TOKEN_FLOW })
        expect(answer.status).toBe(400)
        expect(answer.body.error.code).toBe('invalid_code')
      }
    })

    it('is not offered for a challenge of a user without passkeys', async () => {
      const user = await signUpWithTotp(t)
      const challenge = (await t.signIn(user.email, user.password)).body.challenge
      const refused = await t.request('POST', '/webauthn/authenticate/options', { body: { challenge } })
      expect(refused.status).toBe(400)
      expect(refused.body.error.code).toBe('invalid_request')
    })
  })

  describe('passwordless sign-in', () => {
    it('signs in with a user-verified passkey alone, at aal 2, and records the use', async () => {
      const { user } = await userWithPasskey()
      const options = await authenticationOptions()
      expect(options.userVerification).toBe('required')
      expect(options.allowCredentials).toEqual([])
      t.clock.advance(MINUTE)
      const verified = await authenticateVerify(authenticator.get(options))
      expect(verified.status).toBe(200)
      expect(verified.body.user.id).toBe(user.id)
      expect((await t.request('GET', '/session', { token: verified.body.token })).body.session.aal).toBe(2)
      const listed = await t.request('GET', '/webauthn/credentials', { token: verified.body.token })
      expect(listed.body.credentials[0].lastUsedAt).toBe(t.clock.now().toISOString())
      const signedIn = (await t.auth.api.audit.list(user.id)).find((event) => event.type === 'sign_in_succeeded')
      expect(signedIn?.data).toMatchObject({ method: 'webauthn', aal: 2 })
    })

    it('refuses an assertion without user verification, a replay, and a cloned authenticator’s old counter', async () => {
      await userWithPasskey()
      expect((await authenticateVerify(authenticator.get(await authenticationOptions(), { userVerified: false }))).status).toBe(400)

      const assertion = authenticator.get(await authenticationOptions())
      expect((await authenticateVerify(assertion)).status).toBe(200)
      expect((await authenticateVerify(assertion)).status).toBe(400)

      // A clone signs with a counter the server has already seen.
      const stale = authenticator.get(await authenticationOptions(), { counterStep: 0 })
      expect((await authenticateVerify(stale)).status).toBe(400)
    })

    it('cancels a pending self-service recovery, as any completed second factor does', async () => {
      const { email, password, user } = await userWithPasskey()
      const challenge = (await t.signIn(email, password)).body.challenge
      expect((await t.request('POST', '/mfa/recovery/request', { body: { challenge } })).status).toBe(202)
      expect((await authenticateVerify(authenticator.get(await authenticationOptions()))).status).toBe(200)
      const cancelled = (await t.auth.api.audit.list(user.id)).find((event) => event.type === 'mfa_recovery_cancelled')
      expect(cancelled?.data).toMatchObject({ by: 'sign_in_with_factor' })
    })

    it('cannot use a ceremony bound to a challenge as a passwordless sign-in', async () => {
      const { email, password } = await userWithPasskey()
      const challenge = (await t.signIn(email, password)).body.challenge
      const assertion = authenticator.get(await authenticationOptions(challenge))
      expect((await authenticateVerify(assertion)).status).toBe(400)
    })
  })

  describe('deleting a passkey', () => {
    it('needs a step-up, then removes the factor and, with none left, recovery codes and trusted devices', async () => {
      const { token, credential, user } = await userWithPasskey()
      t.clock.advance(11 * MINUTE)
      const refused = await t.request('DELETE', `/webauthn/credentials/${credential.id}`, { token })
      expect(refused.status).toBe(403)
      expect(refused.body.error.code).toBe('step_up_required')

      const fresh = await authenticateVerify(authenticator.get(await authenticationOptions()))
      expect((await t.request('DELETE', `/webauthn/credentials/${credential.id}`, { token: fresh.body.token })).status).toBe(204)
      expect((await t.request('GET', '/mfa', { token })).body).toMatchObject({ enabled: false, factors: [] })
      const disabled = (await t.auth.api.audit.list(user.id)).find((event) => event.type === 'passkey_removed')
      expect(disabled?.data).toMatchObject({ type: 'webauthn' })
    })

    it('answers 404 for another user’s passkey', async () => {
      const owner = await userWithPasskey()
      const other = await t.signUp()
      expect((await t.request('DELETE', `/webauthn/credentials/${owner.credential.id}`, { token: other.token })).status).toBe(404)
      expect((await t.request('GET', '/webauthn/credentials', { token: owner.token })).body.credentials).toHaveLength(1)
    })
  })

  it('returns recovery codes with a passkey that is the first factor, once, and keeps them when TOTP follows', async () => {
    const account = await t.signUp()
    const first = await registerVerify(account.token, authenticator.create(await registrationOptions(account.token)))
    expect(first.body.recoveryCodes).toHaveLength(10)
    expect((await t.request('GET', '/mfa', { token: account.token })).body.recoveryCodesRemaining).toBe(10)
    // Adding another passkey needs a fresh second factor now: the first passkey steps up.
    const stepUpOptions = (await t.request('POST', '/webauthn/authenticate/options', { token: account.token, body: { stepUp: true } })).body
    const steppedUp = await t.request('POST', '/mfa/step-up', {
      token: account.token,
      body: { method: 'webauthn', response: authenticator.get(stepUpOptions) },
    })
    expect(steppedUp.status).toBe(204)
    const second = await registerVerify(account.token, new SoftAuthenticator(ORIGIN).create(await registrationOptions(account.token)))
    expect(second.status).toBe(200)
    expect(second.body.recoveryCodes).toBeUndefined()
    const enrollment = await t.request('POST', '/mfa/totp/enroll', { token: account.token, body: {} })
    const { decodeSecret, totpCodeAt } = await import('../../src/features/totp/index.js')
    const code = totpCodeAt(decodeSecret(enrollment.body.secret), Math.floor(t.clock.now().getTime() / 1000))
    const confirmed = await t.request('POST', '/mfa/totp/confirm', { token: account.token, body: { enrollmentId: enrollment.body.enrollmentId, code } })
    expect(confirmed.status).toBe(200)
    expect(confirmed.body.recoveryCodes).toBeUndefined()
    // A recovery code from the passkey's set completes a sign-in.
    const challenge = (await t.signIn(account.email, account.password)).body.challenge
    const recovered = await t.request('POST', '/mfa/verify', { body: { challenge, method: 'recovery_code', code: first.body.recoveryCodes[0] } })
    expect(recovered.status).toBe(200)
  })

  it('is removed by an admin MFA reset', async () => {
    const { user, token } = await userWithPasskey()
    await t.auth.api.mfa.resetUser(user.id, { ip: null, userAgent: null }, 'test')
    expect((await t.request('GET', '/webauthn/credentials', { token })).status).toBe(401)
    expect(await t.store.db.selectFrom('webauthn_credentials').select('id').where('user_id', '=', user.id).execute()).toEqual([])
  })
})
