import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type Answer, authenticator, Client, type CompatServer, nativeSignUp, PASSWORD, startCompatServer } from '../support/compat-client.js'

// shared/seeds/002_… (Thogits "Two-Factor (TOTP)"), replayed against `portcullis serve` with
// COMPAT=thogits at its document's mount, the native API moved out of its way.

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const NATIVE = '/api/portcullis'

describe('COMPAT=thogits: the document, replayed', () => {
  let server: CompatServer
  beforeAll(async () => {
    server = await startCompatServer({ COMPAT: 'thogits', API_BASE_PATH: NATIVE })
  })
  afterAll(async () => {
    await server?.stop()
  })

  /** The document's curl lines send a cookie jar; a browser adds its Origin, which the native CSRF rule asks of cookie requests. */
  const browser = (server: CompatServer) => ({ origin: server.origin })

  async function signedIn(email: string): Promise<Client> {
    await nativeSignUp(server, NATIVE, email)
    const client = new Client(server.url)
    const login = await client.json('POST', '/api/auth/login', { email, password: PASSWORD })
    expect(login.status).toBe(200)
    expect(login.body.email).toBe(email)
    expect(client.cookie('portcullis_session')).toBeDefined()
    return client
  }

  async function withTotp(email: string) {
    const client = await signedIn(email)
    const setup = await client.json('POST', '/api/auth/2fa/totp/setup', undefined, browser(server))
    const app = authenticator(setup.body.secret)
    const confirm = await client.json('POST', '/api/auth/2fa/totp/confirm', { code: await app.next() }, browser(server))
    expect(confirm.status).toBe(200)
    return { client, app }
  }

  it('sets up, confirms, signs in after needs_2fa and disables, as the walk-through shows', async () => {
    const email = 'thogits-walk@example.com'
    const client = await signedIn(email)

    // POST /auth/2fa/totp/setup, with cookies.txt: as written (no Origin), the native CSRF rule refuses it.
    const bare = await client.send('POST', '/api/auth/2fa/totp/setup')
    expect(bare.status).toBe(403)
    expect(bare.body.error.code).toBe('csrf_failed')
    const setup = await client.send('POST', '/api/auth/2fa/totp/setup', { headers: browser(server) })
    expect(setup.status).toBe(200)
    expect(setup.body.secret).toMatch(/^[A-Z2-7]+$/)
    expect(setup.body.qr_code).toMatch(/^data:image\/png;base64,iVBORw0KGgo/)
    const app = authenticator(setup.body.secret)

    // POST /auth/2fa/totp/confirm {"code": …}: a wrong code is 400, a right one {"message": "TOTP confirmed"}.
    const wrong = await client.json('POST', '/api/auth/2fa/totp/confirm', { code: app.wrong() }, browser(server))
    expect(wrong.status).toBe(400)
    const confirm = await client.json('POST', '/api/auth/2fa/totp/confirm', { code: await app.next() }, browser(server))
    expect(confirm.status).toBe(200)
    expect(confirm.body.message).toBe('TOTP confirmed')
    expect(confirm.body.recovery_codes).toHaveLength(10)

    // Step 1: login returns {"needs_2fa": true}; the partial session is the challenge cookie, not a session.
    const phone = new Client(server.url)
    const login = await phone.json('POST', '/api/auth/login', { email, password: PASSWORD })
    expect(login.status).toBe(200)
    expect(login.body).toEqual({ needs_2fa: true })
    const challenge = phone.cookie('portcullis_challenge') as string
    expect(challenge).toBeDefined()
    expect(phone.cookie('portcullis_session')).toBeUndefined()
    expect((await phone.send('GET', `${NATIVE}/session`)).status).toBe(401)
    expect((await phone.send('GET', `${NATIVE}/session`, { headers: { authorization: `Bearer ${challenge}` } })).status).toBe(401)
    expect((await phone.json('POST', '/api/auth/2fa/totp/setup', undefined, browser(server))).status).toBe(401)

    // Step 2: verify with the code: the full UserInfo, and a native aal 2 session.
    const code = await app.next()
    const verify = await phone.json('POST', '/api/auth/2fa/totp/verify', { code }, browser(server))
    expect(verify.status).toBe(200)
    expect(verify.body.email).toBe(email)
    expect(verify.body.mfaEnabled).toBe(true)
    const session = await phone.send('GET', `${NATIVE}/session`)
    expect(session.status).toBe(200)
    expect(session.body.session.aal).toBe(2)

    // The same code on a new sign-in is refused: a code works once.
    const again = new Client(server.url)
    expect((await again.json('POST', '/api/auth/login', { email, password: PASSWORD })).body.needs_2fa).toBe(true)
    const replay = await again.json('POST', '/api/auth/2fa/totp/verify', { code }, browser(server))
    expect(replay.status).toBe(400)
    expect(replay.body.error.code).toBe('invalid_code')

    // POST /auth/2fa/totp/disable {"code": …}: 400 for a wrong code, {"message": "TOTP disabled"} for a right one.
    // (The session of cookies.txt signed in before TOTP was on, so it must give a code.)
    const badDisable = await client.json('POST', '/api/auth/2fa/totp/disable', { code: app.wrong() }, browser(server))
    expect(badDisable.status).toBe(400)
    expect(badDisable.body.error.code).toBe('invalid_code')
    const disable = await client.json('POST', '/api/auth/2fa/totp/disable', { code: await app.next() }, browser(server))
    expect(disable.status).toBe(200)
    expect(disable.body).toEqual({ message: 'TOTP disabled' })
    const after = new Client(server.url)
    const plain = await after.json('POST', '/api/auth/login', { email, password: PASSWORD })
    expect(plain.body.email).toBe(email)
  })

  it('answers 401 to a verify without a login first', async () => {
    const stranger = new Client(server.url)
    const answer = await stranger.json('POST', '/api/auth/2fa/totp/verify', { code: '123456' })
    expect(answer.status).toBe(401)
  })

  it('drops a setup that was never confirmed without a code, and asks a code of an active one', async () => {
    const client = await signedIn('thogits-pending@example.com')
    await client.json('POST', '/api/auth/2fa/totp/setup', undefined, browser(server))
    const drop = await client.json('POST', '/api/auth/2fa/totp/disable', {}, browser(server))
    expect(drop.status).toBe(200)
    const confirm = await client.json('POST', '/api/auth/2fa/totp/confirm', { code: '123456' }, browser(server))
    expect(confirm.status).toBe(400)
    expect((await client.send('GET', `${NATIVE}/mfa`)).body.enabled).toBe(false)

    // An active factor of a session that has not just completed MFA: no code, no disabling.
    const { client: enrolled } = await withTotp('thogits-active@example.com')
    const noCode = await enrolled.json('POST', '/api/auth/2fa/totp/disable', {}, browser(server))
    expect(noCode.status).toBe(403)
    expect(noCode.body.error.code).toBe('step_up_required')
  })

  it('shares the code budget with the native API: two wrong here, two wrong there, then even a right code is 429', async () => {
    const email = 'thogits-budget@example.com'
    const { app } = await withTotp(email)
    const profile = new Client(server.url)
    expect((await profile.json('POST', '/api/auth/login', { email, password: PASSWORD })).body.needs_2fa).toBe(true)
    for (let i = 0; i < 2; i++) expect((await profile.json('POST', '/api/auth/2fa/totp/verify', { code: app.wrong() }, browser(server))).status).toBe(400)

    const native = new Client(server.url)
    const nativeLogin = await native.json('POST', `${NATIVE}/login`, { email, password: PASSWORD }, { 'x-auth-flow': 'token' })
    expect(nativeLogin.body.mfaRequired).toBe(true)
    for (let i = 0; i < 2; i++) {
      const wrong = await native.json('POST', `${NATIVE}/mfa/verify`, { challenge: nativeLogin.body.challenge, method: 'totp', code: app.wrong() })
      expect(wrong.status).toBe(400)
    }
    const spent: Answer = await profile.json('POST', '/api/auth/2fa/totp/verify', { code: await app.next() }, browser(server))
    expect(spent.status).toBe(429)
    expect(spent.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(profile.cookie('portcullis_session')).toBeUndefined()
  })

  it('locks password sign-in for the profile and the native API alike', async () => {
    const email = 'thogits-lockout@example.com'
    await nativeSignUp(server, NATIVE, email)
    const client = new Client(server.url)
    for (let i = 0; i < 2; i++) expect((await client.json('POST', '/api/auth/login', { email, password: 'wrong password here' })).status).toBe(401)
    const locked = await client.json('POST', '/api/auth/login', { email, password: PASSWORD })
    expect(locked.status).toBe(429)
    expect(locked.headers.get('retry-after')).toMatch(/^\d+$/)
    const native = await client.json('POST', `${NATIVE}/login`, { email, password: PASSWORD })
    expect(native.status).toBe(429)
  })

  it('keeps the native API and the web UI answering beside the profile', async () => {
    const client = await signedIn('thogits-native@example.com')
    expect((await client.send('GET', `${NATIVE}/session`)).status).toBe(200)
    const page = await new Client(server.url).send('GET', '/login')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
  })
})
