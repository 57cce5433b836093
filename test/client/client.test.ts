import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AuthClientError, createAuthClient } from '../../src/client/index.js'
import { startUiServer, type UiServer } from '../browser/harness.js'
import { createCookieFetch } from '../support/cookie-fetch.js'
import { tokenIn } from '../support/mail.js'
import { createConformanceFetch } from '../support/openapi-check.js'
import { STRONG_PASSWORD } from '../support/test-auth.js'

// portcullis/client against the standalone server's app on a real port: the walk of the issue in
// both flows, every answer held against docs' OpenAPI document on the way.

let server: UiServer
let conformance: ReturnType<typeof createConformanceFetch>
let counter = 0
const email = () => `client${++counter}-${Date.now()}@example.com`

beforeAll(async () => {
  server = await startUiServer({}, { enabled: false })
  conformance = createConformanceFetch(server.auth.openapi(), server.auth.options.basePath)
})
afterAll(async () => {
  await server?.close()
})

const baseUrl = () => `${server.url}/api/auth`

describe.each(['token', 'cookie'] as const)('portcullis/client, %s flow', (flow) => {
  function client() {
    const fetch = flow === 'cookie' ? createCookieFetch(conformance.fetch) : conformance.fetch
    return createAuthClient({ baseUrl: baseUrl(), flow, fetch })
  }

  it('walks sign-up, TOTP enrolment, sign-in, challenge, verify, session and sign-out', async () => {
    const auth = client()
    const address = email()
    const signedUp = await auth.signUp({ email: address, password: STRONG_PASSWORD })
    if (signedUp.kind !== 'session') throw new Error(`expected a session, got ${signedUp.kind}`)
    expect(signedUp.user.email).toBe(address)
    expect(signedUp.token === undefined).toBe(flow === 'cookie')
    expect((await auth.session())?.session.aal).toBe(1)

    const enrollment = await auth.mfa.enrollTotp()
    const confirmed = await auth.mfa.confirmTotp({ enrollmentId: enrollment.enrollmentId, code: server.totp(enrollment.secret) })
    expect(confirmed.recoveryCodes).toHaveLength(10)
    server.clock.advance(30_000)

    await auth.signOut()
    expect(await auth.session()).toBeNull()
    expect(auth.token).toBeNull()

    const first = await auth.signIn({ email: address, password: STRONG_PASSWORD })
    if (first.kind !== 'mfa') throw new Error(`expected a challenge, got ${first.kind}`)
    expect(first.methods).toContain('totp')
    expect(first.expiresIn).toBeGreaterThan(0)
    expect(await auth.session()).toBeNull()

    const verified = await auth.verify({ challenge: first.challenge, method: 'totp', code: server.totp(enrollment.secret) })
    expect(verified.user.mfaEnabled).toBe(true)
    const current = await auth.session()
    expect(current?.session.aal).toBe(2)
    expect(current?.user.id).toBe(signedUp.user.id)

    await auth.signOut()
    expect(await auth.session()).toBeNull()
  })

  it('answers a wrong password with AuthClientError invalid_credentials', async () => {
    const auth = client()
    const address = email()
    await auth.signUp({ email: address, password: STRONG_PASSWORD })
    const error = await auth.signIn({ email: address, password: 'not the password at all' }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(AuthClientError)
    expect(error).toMatchObject({ status: 401, code: 'invalid_credentials', retryAfter: null })
  })

  it('answers a wrong code with AuthClientError invalid_code', async () => {
    const auth = client()
    const address = email()
    await auth.signUp({ email: address, password: STRONG_PASSWORD })
    const enrollment = await auth.mfa.enrollTotp()
    const error = await auth.mfa
      .confirmTotp({ enrollmentId: enrollment.enrollmentId, code: server.totp(enrollment.secret) === '000000' ? '111111' : '000000' })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(AuthClientError)
    expect(error).toMatchObject({ status: 400, code: 'invalid_code' })
    expect((error as AuthClientError).message).toBeTruthy()
  })

  it('signs up on a verify_first server: a link is mailed, and completeSignUp signs in with its token', async () => {
    const verifyFirst = await startUiServer({ signupMode: 'verify_first' }, { enabled: false })
    try {
      const fetch = flow === 'cookie' ? createCookieFetch(conformance.fetch) : conformance.fetch
      const auth = createAuthClient({ baseUrl: `${verifyFirst.url}/api/auth`, flow, fetch })
      const address = email()
      expect(await auth.signUp({ email: address, password: STRONG_PASSWORD })).toEqual({ kind: 'mailed' })
      expect(await auth.session()).toBeNull()
      const token = tokenIn({ subject: '', text: await verifyFirst.mailTo(address) }, '/signup/complete')
      const weak = await auth.completeSignUp({ token, password: 'password' }).catch((caught: unknown) => caught)
      expect(weak).toMatchObject({ status: 422, code: 'weak_password' })
      const completed = await auth.completeSignUp({ token, password: STRONG_PASSWORD })
      expect(completed.user).toMatchObject({ email: address, emailVerified: true })
      expect((await auth.session())?.session.aal).toBe(1)
      const spent = await auth.completeSignUp({ token, password: STRONG_PASSWORD }).catch((caught: unknown) => caught)
      expect(spent).toMatchObject({ status: 400, code: 'invalid_code' })
    } finally {
      await verifyFirst.close()
    }
  })

  it('steps up with mfa.stepUp, so a sensitive action passes without a code for 10 minutes', async () => {
    const auth = client()
    await auth.signUp({ email: email(), password: STRONG_PASSWORD })
    const enrollment = await auth.mfa.enrollTotp()
    await auth.mfa.confirmTotp({ enrollmentId: enrollment.enrollmentId, code: server.totp(enrollment.secret) })
    server.clock.advance(30_000)

    // The sign-up session never completed MFA: new recovery codes need a factor first.
    const refused = await auth.raw.POST('/mfa/recovery/generate', { body: {} })
    expect(refused.response.status).toBe(403)
    expect(refused.error?.error).toMatchObject({ code: 'step_up_required', details: [{ method: 'totp' }, { method: 'recovery_code' }] })

    const wrong = server.totp(enrollment.secret) === '000000' ? '111111' : '000000'
    const error = await auth.mfa.stepUp({ method: 'totp', code: wrong }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ status: 400, code: 'invalid_code' })
    expect((await auth.raw.POST('/mfa/recovery/generate', { body: {} })).response.status).toBe(403)

    await auth.mfa.stepUp({ method: 'totp', code: server.totp(enrollment.secret) })
    const generated = await auth.raw.POST('/mfa/recovery/generate', { body: {} })
    expect(generated.data?.codes).toHaveLength(10)

    // The window closes after 10 minutes; a recovery code opens it again (and is spent).
    server.clock.advance(11 * 60_000)
    expect((await auth.raw.POST('/mfa/recovery/generate', { body: {} })).response.status).toBe(403)
    const recoveryCode = generated.data?.codes[0] as string
    await auth.mfa.stepUp({ method: 'recovery_code', code: recoveryCode })
    expect((await auth.raw.POST('/mfa/recovery/generate', { body: {} })).response.status).toBe(200)
    const spent = await auth.mfa.stepUp({ method: 'recovery_code', code: recoveryCode }).catch((caught: unknown) => caught)
    expect(spent).toMatchObject({ status: 400, code: 'invalid_code' })
  })

  it('answers a lockout with AuthClientError too_many_requests and its retryAfter', async () => {
    const auth = client()
    const address = email()
    await auth.signUp({ email: address, password: STRONG_PASSWORD })
    let error: unknown
    for (let attempt = 0; attempt < 10 && !(error instanceof AuthClientError && error.code === 'too_many_requests'); attempt++) {
      error = await auth.signIn({ email: address, password: `wrong password ${attempt}` }).catch((caught: unknown) => caught)
    }
    expect(error).toBeInstanceOf(AuthClientError)
    expect(error).toMatchObject({ status: 429, code: 'too_many_requests' })
    expect((error as AuthClientError).retryAfter).toBeGreaterThan(0)
  })
})

describe('portcullis/client, cookie flow', () => {
  it('sends the CSRF token the server asks of cookie-authenticated writes', async () => {
    const fetch = createCookieFetch()
    const auth = createAuthClient({ baseUrl: baseUrl(), flow: 'cookie', fetch })
    await auth.signUp({ email: email(), password: STRONG_PASSWORD })
    expect(fetch.cookies.has('portcullis_session')).toBe(true)
    // The same cookie without the token the client adds: refused.
    const bare = await fetch(`${baseUrl()}/mfa/totp/enroll`, { method: 'POST' })
    expect(bare.status).toBe(403)
    expect((await bare.json()).error.code).toBe('csrf_failed')
    await expect(auth.mfa.enrollTotp()).resolves.toMatchObject({ enrollmentId: expect.any(String) })
  })
})

describe('portcullis/client, every answer', () => {
  it('matched the OpenAPI document', () => {
    expect(conformance.failures).toEqual([])
    expect(conformance.checked.length).toBeGreaterThan(20)
  })
})
