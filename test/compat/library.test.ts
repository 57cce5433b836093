import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Hono } from 'hono'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createAuth } from '../../src/create-auth.js'
import { ConfigError } from '../../src/errors.js'
import { decodeSecret, totpCodeAt } from '../../src/features/totp/index.js'
import { dialects } from '../support/dialects.js'
import { codeIn, lastMail } from '../support/mail.js'
import { signUpWithTotp } from '../support/mfa.js'
import { createTestAuth, STRONG_PASSWORD, type TestAuth } from '../support/test-auth.js'

// The library: createAuth({ compat }) serves the profiles from auth.handler, at mounts relative to
// where the application routes the handler (here Hono's app.mount, which strips its prefix).

describe.each(dialects)('$name: compatibility profiles in the library', (dialect) => {
  let t: TestAuth
  let app: Hono
  beforeEach(async () => {
    t = await createTestAuth(dialect, { basePath: '/native', compat: ['auth-router=/router', { name: 'thogits', mount: '/thogits' }] })
    app = new Hono()
    app.mount('/myapp', (request) => t.auth.handler(request, { clientAddress: '127.0.0.1' }))
  })
  afterEach(async () => {
    await t.close()
  })

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await app.request(`http://localhost:3000/myapp${path}`, {
      method,
      headers: { 'content-type': 'application/json', origin: 'http://localhost:3000', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null }
  }
  const code = (secret: string) => totpCodeAt(decodeSecret(secret), Math.floor(t.clock.now().getTime() / 1000))

  it('serves the native API and two profiles under the application’s own prefix', async () => {
    const email = `library-${dialect.name}@example.com`
    const signUp = await call('POST', '/native/signup', { email, password: STRONG_PASSWORD }, { 'x-auth-flow': 'token' })
    expect(signUp.status).toBe(201)
    const bearer = { authorization: `Bearer ${signUp.body.token}` }

    const setup = await call('POST', '/router/2fa/setup', undefined, bearer)
    expect(setup.status).toBe(200)
    const enabled = await call('POST', '/router/2fa/verify-setup', { token: code(setup.body.secret), secret: setup.body.secret }, bearer)
    expect(enabled.body).toMatchObject({ enabled: true })
    t.clock.advance(30_000)

    const login = await call('POST', '/thogits/login', { email, password: STRONG_PASSWORD })
    expect(login.body).toEqual({ needs_2fa: true })
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string
    expect(cookie).toMatch(/^portcullis_challenge=/)
    const verified = await call('POST', '/thogits/2fa/totp/verify', { code: code(setup.body.secret) }, { cookie, 'x-auth-flow': 'token' })
    expect(verified.status).toBe(200)
    expect(verified.body.email).toBe(email)
    const session = await call('GET', '/native/session', undefined, { authorization: `Bearer ${verified.body.token}` })
    expect(session.body.session.aal).toBe(2)

    // A setup never confirmed goes without a code; the active factor stays.
    await call('POST', '/thogits/2fa/totp/setup', undefined, bearer)
    const dropped = await call('POST', '/thogits/2fa/totp/disable', {}, bearer)
    expect(dropped.status).toBe(403)
    expect(dropped.body.error.code).toBe('step_up_required')
    expect((await call('GET', '/native/mfa', undefined, bearer)).body.enabled).toBe(true)
  })

  it('drops an unconfirmed setup without a code when no factor is active', async () => {
    const signUp = await call('POST', '/native/signup', { email: `pending-${dialect.name}@example.com`, password: STRONG_PASSWORD }, { 'x-auth-flow': 'token' })
    const bearer = { authorization: `Bearer ${signUp.body.token}` }
    const setup = await call('POST', '/thogits/2fa/totp/setup', undefined, bearer)
    expect((await call('POST', '/thogits/2fa/totp/disable', {}, bearer)).body).toEqual({ message: 'TOTP disabled' })
    const late = await call('POST', '/thogits/2fa/totp/confirm', { code: code(setup.body.secret) }, bearer)
    expect(late.status).toBe(400)
    expect(late.body.error.code).toBe('invalid_code')
    expect((await call('POST', '/thogits/2fa/totp/disable', {}, bearer)).status).toBe(404)
  })
})

describe.each(dialects)('$name: goauth /mfa/verify, a code of unnamed method', (dialect) => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(dialect, { compat: ['goauth'] })
  })
  afterEach(async () => {
    await t.close()
  })
  const goauth = async (path: string, fields: Record<string, string>) => {
    const response = await t.auth.handler(
      new Request(`http://localhost:3000/auth${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-auth-flow': 'token' },
        body: new URLSearchParams(fields).toString(),
      }),
      { clientAddress: '127.0.0.1' },
    )
    return { status: response.status, body: await response.json() }
  }

  it('takes one try for a wrong code however many factors it is checked against, and accepts the challenge’s email code', async () => {
    const user = await signUpWithTotp(t)
    const { challenge } = (await goauth('/callback/credentials', { email: user.email, password: user.password })).body
    expect((await t.request('POST', '/mfa/challenge/email-otp', { body: { challenge } })).status).toBe(202)
    const mailed = codeIn(await lastMail(t, user.email, 'code'))
    const wrong = await goauth('/mfa/verify', { challenge, code: mailed === '000000' ? '000001' : '000000' })
    expect(wrong.status).toBe(400)
    const status = await t.request('GET', `/mfa/challenge/status?challenge=${encodeURIComponent(challenge)}`)
    expect(status.body.attemptsRemaining).toBe(4)
    const right = await goauth('/mfa/verify', { challenge, code: mailed })
    expect(right.status).toBe(200)
    expect(typeof right.body.token).toBe('string')
  })
})

describe('createAuth({ compat }) configuration', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-compat-'))
  })
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
  })
  const configError = (compat: unknown[], basePath?: string): ConfigError => {
    try {
      const auth = createAuth({ databaseUrl: `sqlite:${join(dir, 'auth.db')}`, compat: compat as never, ...(basePath === undefined ? {} : { basePath }) })
      void auth.close()
    } catch (error) {
      if (error instanceof ConfigError) return error
      throw error
    }
    throw new Error('createAuth accepted the configuration')
  }

  it('refuses an unknown profile, naming it', () => {
    expect(configError(['togo', 'keycloak']).message).toContain('unknown profile "keycloak"')
  })

  it('refuses a bad mount path, naming it', () => {
    expect(configError(['goauth=auth/']).message).toContain('bad mount path "auth/" for goauth')
    expect(configError([{ name: 'opengate', mount: '/api/' }]).message).toContain('bad mount path "/api/" for opengate')
  })

  it('refuses thogits on the native API’s mount, naming the route and both sides', () => {
    const message = configError(['thogits']).message
    expect(message).toContain('POST /api/auth/login is claimed by the native API (API_BASE_PATH=/api/auth) and by thogits (mounted at /api/auth)')
  })

  it('refuses two profiles claiming one method and path, parameters included', () => {
    expect(configError(['auth-router=/x', 'thogits=/x'], '/native').message).toContain(
      'POST /x/login is claimed by auth-router (mounted at /x) and by thogits (mounted at /x)',
    )
    expect(configError(['opengate=/api/auth'], '/api/auth').message).toMatch(
      /DELETE \/api\/auth\/admin\/users\/:id\/mfa is claimed by the native API .* and by opengate/,
    )
  })

  it('starts every profile and the native API on mounts that do not overlap', async () => {
    const auth = createAuth({
      databaseUrl: `sqlite:${join(dir, 'auth.db')}`,
      basePath: '/api/portcullis',
      compat: ['togo', 'goauth', 'thogits', 'opengate', 'auth-router'],
    })
    expect(auth.options.compat.map((profile) => `${profile.name}=${profile.mount}`)).toEqual([
      'togo=/api/auth/mfa',
      'goauth=/auth',
      'thogits=/api/auth',
      'opengate=/api',
      'auth-router=/auth',
    ])
    await auth.close()
  })
})
