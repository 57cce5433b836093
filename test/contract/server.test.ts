import { rmSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type ServerProcess, spawnCli, startServer } from '../support/server-process.js'

const PASSWORD = 'correct horse battery staple'
// Every case spawns Node with tsx, which takes seconds on a busy two-core CI machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

describe('portcullis serve', () => {
  let server: ServerProcess
  beforeAll(async () => {
    server = await startServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('answers GET /healthz and GET /readyz', async () => {
    const health = await fetch(`${server.url}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok' })
    const ready = await fetch(`${server.url}/readyz`)
    expect(ready.status).toBe(200)
  })

  it('answers GET /api/auth/session without a session with 401 in the contract shape', async () => {
    const response = await fetch(`${server.url}/api/auth/session`)
    expect(response.status).toBe(401)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = await response.json()
    expect(body.error.code).toBe('unauthorized')
    expect(typeof body.error.message).toBe('string')
  })

  it('answers an unknown path at the root with 404 in the contract shape', async () => {
    const response = await fetch(`${server.url}/no-such-page`)
    expect(response.status).toBe(404)
    expect((await response.json()).error.code).toBe('not_found')
  })

  it('signs a user up with a cookie that GET /api/auth/session accepts', async () => {
    const email = `cookie-${Date.now()}@example.com`
    const signUp = await fetch(`${server.url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    })
    expect(signUp.status).toBe(201)
    const cookie = signUp.headers.getSetCookie().find((line) => line.startsWith('portcullis_session='))
    expect(cookie).toMatch(/HttpOnly/)
    const session = await fetch(`${server.url}/api/auth/session`, { headers: { cookie: (cookie as string).split(';')[0] as string } })
    expect(session.status).toBe(200)
    const body = await session.json()
    expect(body.user.email).toBe(email)
    expect(body.session.aal).toBe(1)
  })

  it('records the socket address, not X-Forwarded-For, when TRUST_PROXY is unset', async () => {
    const signUp = await fetch(`${server.url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-flow': 'token', 'x-forwarded-for': '203.0.113.7' },
      body: JSON.stringify({ email: `xff-${Date.now()}@example.com`, password: PASSWORD }),
    })
    expect(signUp.status).toBe(201)
    const { token } = await signUp.json()
    const list = await fetch(`${server.url}/api/auth/sessions`, { headers: { authorization: `Bearer ${token}` } })
    expect(list.status).toBe(200)
    const { sessions } = await list.json()
    expect(sessions).toHaveLength(1)
    expect(sessions[0].ip).toBe('127.0.0.1')
  })
})

describe('portcullis serve shutdown', () => {
  it('finishes a request in flight on SIGTERM, then exits 0', async () => {
    const server = await startServer()
    try {
      const body = JSON.stringify({ email: `drain-${Date.now()}@example.com`, password: PASSWORD })
      const { hostname, port } = new URL(server.url)
      const answer = new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          {
            hostname,
            port,
            method: 'POST',
            path: '/api/auth/signup',
            agent: false,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
          },
          (response) => {
            response.resume()
            response.on('end', () => resolve(response.statusCode ?? 0))
          },
        )
        req.on('error', reject)
        // 100 Continue means the server has the request; the body follows only once the shutdown began.
        req.on('continue', async () => {
          server.child.kill('SIGTERM')
          while (!server.output().includes('shutting down')) await new Promise((resolve) => setTimeout(resolve, 20))
          req.end(body)
        })
        req.flushHeaders()
      })
      expect(await answer).toBe(201)
      expect(await server.exited).toBe(0)
      expect(server.output()).toContain('"msg":"stopped"')
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
    } finally {
      await server.stop()
    }
  })
})

describe('portcullis serve configuration', () => {
  it('refuses to start in production without PORTCULLIS_SECRET, with a clear message and no stack', async () => {
    const spawned = spawnCli(['serve'], { NODE_ENV: 'production' })
    try {
      expect(await spawned.exited).toBe(1)
      expect(spawned.output()).toContain('PORTCULLIS_SECRET')
      expect(spawned.output()).not.toMatch(/^\s+at /m)
      expect(spawned.output()).not.toContain('listening')
    } finally {
      rmSync(spawned.dir, { recursive: true, force: true })
    }
  })
})
