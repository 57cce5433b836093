import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAdaptorServer } from '@hono/node-server'
import express from 'express'
import { Hono } from 'hono'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Auth, createAuth } from '../../src/create-auth.js'
import { decodeSecret, totpCodeAt } from '../../src/features/totp/index.js'
import { type AuthVariables, requireAuth as honoRequireAuth, toHonoHandler } from '../../src/hono.js'
import { authOf, requireAuth as nodeRequireAuth, toNodeHandler } from '../../src/node.js'
import { createFixedClock } from '../../src/testing.js'
import { STRONG_PASSWORD } from '../support/test-auth.js'

// An application's own routes behind portcullis/node (Express 5, plain node:http) and portcullis/hono,
// with the API mounted beside them by the same package, each on a real port.

const dir = mkdtempSync(join(tmpdir(), 'portcullis-guards-'))
const clock = createFixedClock(new Date())
let auth: Auth
const servers: Server[] = []

beforeAll(async () => {
  auth = createAuth({ databaseUrl: `sqlite:${join(dir, 'auth.db')}`, clock, logger: pino({ level: 'silent' }) })
  await auth.migrate()
})
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
  await auth.close()
  rmSync(dir, { recursive: true, force: true })
})

async function listen(server: Server): Promise<string> {
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function expressApp(): Server {
  const app = express()
  app.use('/api/auth', toNodeHandler(auth))
  app.get('/me', nodeRequireAuth(auth), (req, res) => {
    res.json({ email: authOf(req).user.email })
  })
  app.get('/billing', nodeRequireAuth(auth, { aal: 2 }), (req, res) => {
    res.json({ aal: authOf(req).session.aal })
  })
  return createServer(app)
}

function honoApp(): Server {
  const app = new Hono<{ Variables: AuthVariables }>()
  app.all('/api/auth/*', toHonoHandler(auth))
  app.get('/me', honoRequireAuth(auth), (c) => c.json({ email: c.get('auth').user.email }))
  app.get('/billing', honoRequireAuth(auth, { aal: 2 }), (c) => c.json({ aal: c.get('auth').session.aal }))
  return createAdaptorServer({ fetch: app.fetch }) as Server
}

function plainNodeApp(): Server {
  const api = toNodeHandler(auth)
  const me = nodeRequireAuth(auth)
  const billing = nodeRequireAuth(auth, { aal: 2 })
  return createServer(async (req, res) => {
    if (req.url?.startsWith('/api/auth/')) return api(req, res)
    const guard = req.url === '/billing' ? billing : me
    const found = await guard(req, res)
    if (found) res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ email: found.user.email, aal: found.session.aal }))
  })
}

let counter = 0

describe.each([
  ['Express 5', expressApp],
  ['Hono', honoApp],
  ['plain node:http', plainNodeApp],
] as const)('%s: requireAuth', (_name, build) => {
  let url: string
  beforeAll(async () => {
    url = await listen(build())
  })

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}/api/auth${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-flow': 'token', ...headers },
      body: JSON.stringify(body),
    })

  async function signUp() {
    const email = `guard${++counter}-${Date.now()}@example.com`
    const response = await post('/signup', { email, password: STRONG_PASSWORD })
    expect(response.status).toBe(201)
    return { email, token: ((await response.json()) as { token: string }).token }
  }

  it('answers 401 without a session and 200 with a bearer token or a cookie', async () => {
    const none = await fetch(`${url}/me`)
    expect(none.status).toBe(401)
    expect(await none.json()).toMatchObject({ error: { code: 'unauthorized' } })

    const { email, token } = await signUp()
    const bearer = await fetch(`${url}/me`, { headers: { authorization: `Bearer ${token}` } })
    expect(bearer.status).toBe(200)
    expect(await bearer.json()).toMatchObject({ email })

    const browser = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: STRONG_PASSWORD }),
    })
    const cookie = (browser.headers.get('set-cookie') ?? '').split(';')[0] as string
    expect(cookie).toMatch(/^portcullis_session=/)
    expect((await fetch(`${url}/me`, { headers: { cookie } })).status).toBe(200)
    expect((await fetch(`${url}/me`, { headers: { cookie: 'portcullis_session=forged' } })).status).toBe(401)
  })

  it('passes the socket address to the API', async () => {
    const { token } = await signUp()
    const sessions = (await (await fetch(`${url}/api/auth/sessions`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      sessions: Array<{ ip: string }>
    }
    expect(sessions.sessions[0]?.ip).toBe('127.0.0.1')
  })

  it('answers an aal 2 route: 403 mfa_enrollment_required without a factor, 403 step_up_required at aal 1, 200 at aal 2', async () => {
    const { email, token } = await signUp()
    const bearer = (value: string) => ({ headers: { authorization: `Bearer ${value}` } })
    const noFactor = await fetch(`${url}/billing`, bearer(token))
    expect(noFactor.status).toBe(403)
    expect(await noFactor.json()).toMatchObject({ error: { code: 'mfa_enrollment_required' } })

    const enrollment = (await (await post('/mfa/totp/enroll', {}, { authorization: `Bearer ${token}` })).json()) as { enrollmentId: string; secret: string }
    const code = () => totpCodeAt(decodeSecret(enrollment.secret), Math.floor(clock.now().getTime() / 1000))
    expect((await post('/mfa/totp/confirm', { enrollmentId: enrollment.enrollmentId, code: code() }, { authorization: `Bearer ${token}` })).status).toBe(200)
    clock.advance(30_000)

    const aal1 = await fetch(`${url}/billing`, bearer(token))
    expect(aal1.status).toBe(403)
    expect(await aal1.json()).toMatchObject({ error: { code: 'step_up_required', details: expect.arrayContaining([{ method: 'totp' }]) } })
    expect((await fetch(`${url}/me`, bearer(token))).status).toBe(200)

    const challenge = ((await (await post('/login', { email, password: STRONG_PASSWORD })).json()) as { challenge: string }).challenge
    const verified = (await (await post('/mfa/verify', { challenge, method: 'totp', code: code() })).json()) as { token: string }
    const aal2 = await fetch(`${url}/billing`, bearer(verified.token))
    expect(aal2.status).toBe(200)
    expect(await aal2.json()).toMatchObject({ aal: 2 })
  })
})

describe('auth.getSession', () => {
  it('reads a fetch Request and a node-style header record alike, and refuses a cookie when a bearer header is present', async () => {
    const response = await auth.handler(
      new Request('http://localhost:3000/api/auth/signup', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-auth-flow': 'token' },
        body: JSON.stringify({ email: `direct-${Date.now()}@example.com`, password: STRONG_PASSWORD }),
      }),
    )
    const { token, user } = (await response.json()) as { token: string; user: { id: string } }
    const fromRequest = await auth.getSession(new Request('http://localhost/', { headers: { authorization: `Bearer ${token}` } }))
    expect(fromRequest?.user.id).toBe(user.id)
    expect((await auth.getSession({ headers: { cookie: `other=1; portcullis_session=${token}` } }))?.session.aal).toBe(1)
    expect(await auth.getSession({ headers: { authorization: 'Bearer nope', cookie: `portcullis_session=${token}` } })).toBeNull()
    expect(await auth.getSession({ headers: {} })).toBeNull()
  })
})
