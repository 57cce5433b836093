import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type HashTicket, sharedArgon2Pool } from '../../src/crypto/argon2-pool.js'
import { startUiServer, type UiServer } from '../browser/harness.js'
import { tokenIn } from '../support/mail.js'
import { createConformanceFetch } from '../support/openapi-check.js'
import { STRONG_PASSWORD } from '../support/test-auth.js'

// The main flows over HTTP, every answer held against docs/openapi.json: the operation exists, the
// status is documented for it, and the body validates against that status's schema (errors
// included: a code the operation does not list fails).

const ADMIN_TOKEN = 'conformance-admin-token-0123456789abcdef'
let server: UiServer
let check: ReturnType<typeof createConformanceFetch>
let counter = 0

beforeAll(async () => {
  server = await startUiServer({ adminToken: ADMIN_TOKEN }, { enabled: false })
  check = createConformanceFetch(server.auth.openapi(), server.auth.options.basePath)
})
afterAll(async () => {
  await server?.close()
})

interface Call {
  body?: unknown
  token?: string
  headers?: Record<string, string>
  /** Another server than the main one (another sign-up mode); its answers are checked alike. */
  on?: UiServer
}

async function call(method: string, path: string, init: Call = {}) {
  const headers: Record<string, string> = { 'x-auth-flow': 'token', ...init.headers }
  if (init.token) headers.authorization = `Bearer ${init.token}`
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  const response = await check.fetch(`${(init.on ?? server).url}/api/auth${path}`, {
    method,
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  })
  const text = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
  }
}

async function signUp() {
  const email = `conformance${++counter}-${Date.now()}@example.com`
  const answer = await call('POST', '/signup', { body: { email, password: STRONG_PASSWORD } })
  expect(answer.status).toBe(201)
  return { email, token: answer.body.token as string, userId: answer.body.user.id as string }
}

async function enrolTotp(token: string) {
  const enrollment = await call('POST', '/mfa/totp/enroll', { token, body: {} })
  const confirmed = await call('POST', '/mfa/totp/confirm', {
    token,
    body: { enrollmentId: enrollment.body.enrollmentId, code: server.totp(enrollment.body.secret) },
  })
  expect(confirmed.status).toBe(200)
  server.clock.advance(30_000)
  return { secret: enrollment.body.secret as string, recoveryCodes: confirmed.body.recoveryCodes as string[] }
}

describe('every answer of the main flows matches the OpenAPI document', () => {
  it('accounts: sign-up, its refusals, password policy, change and reset', async () => {
    const { email, token } = await signUp()
    expect((await call('POST', '/signup', { body: { email, password: STRONG_PASSWORD } })).status).toBe(409)
    expect((await call('POST', '/signup', { body: { email: `weak-${email}`, password: 'password' } })).status).toBe(422)
    expect((await call('POST', '/signup', { body: { email: 'not an email' } })).status).toBe(400)
    expect((await call('POST', '/signup', { body: { email: `big-${email}`, password: 'x'.repeat(70_000) } })).status).toBe(413)
    expect((await call('GET', '/password/policy')).status).toBe(200)
    expect((await call('POST', '/login', { body: { email, password: 'wrong password entirely' } })).status).toBe(401)
    expect(
      (await call('POST', '/password/change', { token, body: { currentPassword: STRONG_PASSWORD, newPassword: `${STRONG_PASSWORD} again` } })).status,
    ).toBe(204)
    expect((await call('POST', '/password/forgot', { body: { email } })).status).toBe(202)
    const reset = tokenIn({ subject: '', text: await server.mailTo(email) }, '/password/reset')
    expect((await call('POST', '/password/reset', { body: { token: reset, newPassword: `${STRONG_PASSWORD} third` } })).status).toBe(204)
    expect((await call('POST', '/password/reset', { body: { token: reset, newPassword: `${STRONG_PASSWORD} fourth` } })).status).toBe(400)
  })

  it('sessions: current, list, revoke, CSRF token, sign-out, and 401 without a session', async () => {
    const { email, token } = await signUp()
    expect((await call('GET', '/session', { token })).status).toBe(200)
    const second = await call('POST', '/login', { body: { email, password: STRONG_PASSWORD } })
    const listed = await call('GET', '/sessions', { token })
    expect(listed.body.sessions).toHaveLength(2)
    const other = listed.body.sessions.find((session: { current: boolean }) => !session.current)
    expect((await call('DELETE', `/sessions/${other.id}`, { token })).status).toBe(204)
    expect((await call('DELETE', '/sessions/no-such-session', { token })).status).toBe(404)
    expect((await call('GET', '/session', { token: second.body.token })).status).toBe(401)
    expect((await call('GET', '/csrf')).status).toBe(200)
    expect((await call('POST', '/email/verify/send', { token })).status).toBe(202)
    expect((await call('POST', '/email/verify', { body: { token: 'not-a-token' } })).status).toBe(400)
    expect((await call('POST', '/logout', { token })).status).toBe(204)
    expect((await call('GET', '/session', { token })).status).toBe(401)
  })

  it('second factors: TOTP enrolment, challenge, verify, step-up refusals, recovery codes, trusted devices, disable', async () => {
    const { email, token } = await signUp()
    const { secret } = await enrolTotp(token)
    expect((await call('GET', '/mfa', { token })).status).toBe(200)
    const login = await call('POST', '/login', { body: { email, password: STRONG_PASSWORD } })
    expect(login.body.mfaRequired).toBe(true)
    expect((await call('GET', `/mfa/challenge/status?challenge=${encodeURIComponent(login.body.challenge)}`)).status).toBe(200)
    expect((await call('GET', '/mfa/challenge/status?challenge=nope')).status).toBe(400)
    expect((await call('POST', '/mfa/challenge/email-otp', { body: { challenge: login.body.challenge } })).status).toBe(202)
    expect((await call('POST', '/mfa/verify', { body: { challenge: login.body.challenge, method: 'totp', code: '000000' } })).status).toBe(400)
    const verified = await call('POST', '/mfa/verify', {
      body: { challenge: login.body.challenge, method: 'totp', code: server.totp(secret), trustDevice: true },
    })
    expect(verified.status).toBe(200)
    const aal2 = verified.body.token as string
    const devices = await call('GET', '/mfa/trusted-devices', { token: aal2 })
    expect(devices.body.devices).toHaveLength(1)
    expect((await call('DELETE', '/mfa/trusted-devices/nope', { token: aal2 })).status).toBe(404)
    expect((await call('DELETE', `/mfa/trusted-devices/${devices.body.devices[0].id}`, { token: aal2 })).status).toBe(204)
    expect((await call('POST', '/mfa/recovery/generate', { token, body: {} })).status).toBe(403)
    expect((await call('POST', '/mfa/recovery/generate', { token: aal2, body: {} })).status).toBe(200)
    expect((await call('POST', '/mfa/totp/disable', { token, body: {} })).status).toBe(403)
    server.clock.advance(30_000)
    expect((await call('POST', '/mfa/totp/disable', { token, body: { code: server.totp(secret) } })).status).toBe(204)
  })

  it('lockout: 429 with Retry-After', async () => {
    const { email } = await signUp()
    let status = 0
    for (let attempt = 0; attempt < 8 && status !== 429; attempt++) {
      status = (await call('POST', '/login', { body: { email, password: `wrong password ${attempt}` } })).status
    }
    expect(status).toBe(429)
  })

  it('passwordless: email code and magic link', async () => {
    const { email } = await signUp()
    expect((await call('POST', '/otp/send', { body: { email } })).status).toBe(202)
    expect((await call('POST', '/otp/verify', { body: { email, code: '000000' } })).status).toBe(400)
    const code = /Your code: (\d{6})/.exec(await server.mailTo(email, 1))?.[1] as string
    expect((await call('POST', '/otp/verify', { body: { email, code } })).status).toBe(200)
    expect((await call('POST', '/magic-link/send', { body: { email } })).status).toBe(202)
    const token = tokenIn({ subject: '', text: await server.mailTo(email, 2) }, '/magic-link/verify')
    expect((await call('GET', `/magic-link/verify?token=${token}`)).status).toBe(200)
    expect((await call('POST', '/magic-link/verify', { body: { token } })).status).toBe(200)
    expect((await call('POST', '/magic-link/verify', { body: { token } })).status).toBe(400)
  })

  it('passkeys and MFA recovery: options, lists and refusals', async () => {
    const { email, token } = await signUp()
    expect((await call('POST', '/webauthn/register/options', { token })).status).toBe(200)
    expect((await call('POST', '/webauthn/authenticate/options', { body: {} })).status).toBe(200)
    expect((await call('GET', '/webauthn/credentials', { token })).status).toBe(200)
    expect((await call('DELETE', '/webauthn/credentials/nope', { token, body: {} })).status).toBe(404)
    await enrolTotp(token)
    const login = await call('POST', '/login', { body: { email, password: STRONG_PASSWORD } })
    expect((await call('POST', '/mfa/recovery/request', { body: { challenge: login.body.challenge } })).status).toBe(202)
    expect((await call('POST', '/mfa/recovery/cancel', { body: { token: 'nope' } })).status).toBe(400)
    expect((await call('GET', '/mfa/recovery/cancel?token=nope')).status).toBe(200)
    expect((await call('GET', '/mfa/recovery/complete?token=nope')).status).toBe(200)
    expect((await call('POST', '/mfa/recovery/complete', { body: { token: 'nope', password: STRONG_PASSWORD } })).status).toBe(400)
    const forged = { id: 'AAAA', rawId: 'AAAA', type: 'public-key', clientExtensionResults: {} }
    const assertion = { ...forged, response: { clientDataJSON: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA' } }
    expect((await call('POST', '/webauthn/authenticate/verify', { body: { response: assertion } })).status).toBe(400)
    const attestation = { ...forged, response: { clientDataJSON: 'AAAA', attestationObject: 'AAAA' } }
    expect((await call('POST', '/webauthn/register/verify', { token, body: { response: attestation } })).status).toBe(400)
  })

  it('sign-up modes: verify_first answers 202 and its mailed link completes at /signup/complete; closed answers 403', async () => {
    const verifyFirst = await startUiServer({ signupMode: 'verify_first' }, { enabled: false })
    const closed = await startUiServer({ signupMode: 'closed' }, { enabled: false })
    try {
      const email = `conformance-verify${++counter}@example.com`
      expect((await call('POST', '/signup', { on: verifyFirst, body: { email } })).status).toBe(202)
      const token = tokenIn({ subject: '', text: await verifyFirst.mailTo(email) }, '/signup/complete')
      expect((await call('POST', '/signup/complete', { on: verifyFirst, body: { token, password: 'password' } })).status).toBe(422)
      const completed = await call('POST', '/signup/complete', { on: verifyFirst, body: { token, password: STRONG_PASSWORD } })
      expect(completed.status).toBe(201)
      expect(completed.body.user.emailVerified).toBe(true)
      expect((await call('POST', '/signup/complete', { on: verifyFirst, body: { token, password: STRONG_PASSWORD } })).status).toBe(400)
      // A taken email gets the same answer.
      expect((await call('POST', '/signup', { on: verifyFirst, body: { email, password: STRONG_PASSWORD } })).status).toBe(202)
      expect((await call('POST', '/signup', { on: closed, body: { email, password: STRONG_PASSWORD } })).status).toBe(403)
    } finally {
      await verifyFirst.close()
      await closed.close()
    }
  })

  it('step-up with a factor, passkey step-up options, and deleting the account', async () => {
    const { token } = await signUp()
    const { secret } = await enrolTotp(token)
    const wrong = server.totp(secret) === '000000' ? '111111' : '000000'
    expect((await call('POST', '/mfa/step-up', { body: { method: 'totp', code: server.totp(secret) } })).status).toBe(401)
    expect((await call('POST', '/mfa/step-up', { token, body: { method: 'totp', code: wrong } })).status).toBe(400)
    expect((await call('POST', '/mfa/step-up', { token, body: { method: 'totp' } })).status).toBe(400)
    expect((await call('POST', '/mfa/step-up', { token, body: { method: 'totp', code: server.totp(secret) } })).status).toBe(204)
    expect((await call('POST', '/webauthn/authenticate/options', { token, body: { stepUp: true } })).status).toBe(200)
    expect((await call('POST', '/webauthn/authenticate/options', { body: { stepUp: true } })).status).toBe(401)

    expect((await call('DELETE', '/account', { token, body: {} })).status).toBe(400)
    expect((await call('DELETE', '/account', { token, body: { password: 'not the password at all' } })).status).toBe(401)
    server.clock.advance(11 * 60_000)
    const stale = await call('DELETE', '/account', { token, body: { password: STRONG_PASSWORD } })
    expect(stale.status).toBe(403)
    expect(stale.body.error.code).toBe('step_up_required')
    expect((await call('DELETE', '/account', { token, body: { password: STRONG_PASSWORD, code: server.totp(secret) } })).status).toBe(204)
    expect((await call('GET', '/session', { token })).status).toBe(401)
  })

  it('a magic link with redirectTo: the second factor answers it back as redirectTo', async () => {
    const { email, token } = await signUp()
    const { secret } = await enrolTotp(token)
    expect((await call('POST', '/magic-link/send', { body: { email, redirectTo: '/after-sign-in' } })).status).toBe(202)
    const link = tokenIn({ subject: '', text: await server.mailTo(email, 1) }, '/magic-link/verify')
    const challenged = await call('POST', '/magic-link/verify', { body: { token: link } })
    expect(challenged.body.mfaRequired).toBe(true)
    const verified = await call('POST', '/mfa/verify', { body: { challenge: challenged.body.challenge, method: 'totp', code: server.totp(secret) } })
    expect(verified.status).toBe(200)
    expect(verified.body.redirectTo).toBe('/after-sign-in')
  })

  it('user administration: list, show, create, invite, disable and enable, revoke sessions, delete, address unlock', async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
    const first = await signUp()
    await signUp()
    expect((await call('GET', '/admin/users')).status).toBe(403)
    const page = await call('GET', '/admin/users?limit=1', { headers: admin })
    expect(page.status).toBe(200)
    expect(page.body.users).toHaveLength(1)
    expect((await call('GET', `/admin/users?limit=1&cursor=${page.body.nextCursor}`, { headers: admin })).status).toBe(200)
    expect((await call('GET', '/admin/users?cursor=not-a-cursor', { headers: admin })).status).toBe(400)
    expect((await call('GET', '/admin/users?limit=1000', { headers: admin })).status).toBe(400)
    expect((await call('GET', `/admin/users/${first.userId}`, { headers: admin })).body.user.email).toBe(first.email)
    expect((await call('GET', '/admin/users/nobody', { headers: admin })).status).toBe(404)

    const email = `conformance-admin${++counter}@example.com`
    const created = await call('POST', '/admin/users', { headers: admin, body: { email, password: STRONG_PASSWORD } })
    expect(created.status).toBe(201)
    const id = created.body.user.id as string
    expect((await call('POST', '/admin/users', { headers: admin, body: { email, password: STRONG_PASSWORD } })).status).toBe(409)
    expect((await call('POST', '/admin/users', { headers: admin, body: { email: `weak-${email}`, password: 'password' } })).status).toBe(422)

    expect((await call('POST', `/admin/users/${id}/disable`, { headers: admin })).status).toBe(204)
    expect((await call('POST', '/login', { body: { email, password: STRONG_PASSWORD } })).status).toBe(403)
    expect((await call('POST', `/admin/users/${id}/enable`, { headers: admin })).status).toBe(204)
    const session = await call('POST', '/login', { body: { email, password: STRONG_PASSWORD } })
    expect(session.status).toBe(200)
    expect((await call('POST', `/admin/users/${id}/sessions/revoke`, { headers: admin })).status).toBe(204)
    expect((await call('GET', '/session', { token: session.body.token })).status).toBe(401)
    expect((await call('POST', '/admin/users/nobody/sessions/revoke', { headers: admin })).status).toBe(404)
    expect((await call('DELETE', `/admin/users/${id}`, { headers: admin })).status).toBe(204)
    expect((await call('DELETE', `/admin/users/${id}`, { headers: admin })).status).toBe(404)
    expect((await call('POST', `/admin/users/${id}/enable`, { headers: admin })).status).toBe(404)

    // Without a password the person is mailed a link that sets it (in any sign-up mode).
    const invited = `conformance-invite${++counter}@example.com`
    expect((await call('POST', '/admin/users', { headers: admin, body: { email: invited } })).status).toBe(201)
    const setup = tokenIn({ subject: '', text: await server.mailTo(invited) }, '/signup/complete')
    expect((await call('POST', '/signup/complete', { body: { token: setup, password: STRONG_PASSWORD } })).status).toBe(201)

    expect((await call('POST', '/admin/addresses/unlock', { headers: admin, body: { ip: '127.0.0.1' } })).status).toBe(204)
    expect((await call('POST', '/admin/addresses/unlock', { headers: admin, body: { ip: 'not an address' } })).status).toBe(400)
  })

  it('shedding: the hashing routes answer 503 with Retry-After while the hashing queue is full', async () => {
    const { email, token } = await signUp()
    const held: HashTicket[] = []
    try {
      for (;;) held.push(sharedArgon2Pool().tryReserve())
    } catch {
      // Every place the pool admits is held: the next hashing request is shed.
    }
    try {
      const answers = [
        await call('POST', '/login', { body: { email, password: STRONG_PASSWORD } }),
        await call('POST', '/signup', { body: { email: `shed-${email}`, password: STRONG_PASSWORD } }),
        await call('POST', '/password/change', { token, body: { currentPassword: STRONG_PASSWORD, newPassword: `${STRONG_PASSWORD} again` } }),
        await call('DELETE', '/account', { token, body: { password: STRONG_PASSWORD } }),
        await call('POST', '/admin/users', {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
          body: { email: `shed-admin-${email}`, password: STRONG_PASSWORD },
        }),
      ]
      for (const answer of answers) {
        expect(answer.status).toBe(503)
        expect(answer.body.error.code).toBe('service_unavailable')
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      }
    } finally {
      for (const ticket of held) ticket.release()
    }
    expect((await call('GET', '/session', { token })).status).toBe(200)
  })

  it('administration and the document itself', async () => {
    const { userId } = await signUp()
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
    expect((await call('GET', `/admin/users/${userId}/audit`)).status).toBe(403)
    expect((await call('GET', `/admin/users/${userId}/audit`, { headers: admin })).status).toBe(200)
    expect((await call('POST', `/admin/users/${userId}/unlock`, { headers: admin })).status).toBe(204)
    expect((await call('DELETE', `/admin/users/${userId}/mfa`, { headers: admin })).status).toBe(204)
    expect((await call('DELETE', '/admin/users/nobody/mfa', { headers: admin })).status).toBe(404)
    expect((await call('GET', '/openapi.json')).status).toBe(200)
    expect((await call('GET', '/docs')).status).toBe(200)
  })

  it('found no answer outside the document, and called every operation in it', () => {
    expect(check.failures).toEqual([])
    const called = new Set(check.checked.map((answer) => answer.operation))
    const documented = Object.entries(server.auth.openapi().paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item as object)
        .filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map((method) => `${method.toUpperCase()} ${path}`),
    )
    expect(documented.filter((operation) => !called.has(operation))).toEqual([])
    expect(called.size).toBeGreaterThanOrEqual(55)
  })
})

describe('the conformance check', () => {
  it('catches a body that breaks the schema and a status the document does not list', async () => {
    const document = server.auth.openapi()
    const answers: Record<string, Response> = {
      '/api/auth/session': Response.json({ user: { id: 1 }, session: {} }),
      '/api/auth/csrf': Response.json({ error: { code: 'conflict', message: 'x' } }, { status: 409 }),
      '/api/auth/mfa/challenge/status': Response.json({ error: { code: 'invalid_code', message: 'x' } }, { status: 400 }),
    }
    const probe = createConformanceFetch(document, '/api/auth', async (input) => answers[new URL((input as Request).url).pathname] as Response)
    for (const path of Object.keys(answers)) await probe.fetch(`http://localhost${path}`)
    expect(probe.failures).toHaveLength(3)
    expect(probe.failures[0]).toMatch(/GET \/session 200/)
    expect(probe.failures[1]).toMatch(/status 409 is not documented/)
    expect(probe.failures[2]).toMatch(/GET \/mfa\/challenge\/status 400/)
  })
})
