import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { Client, type CompatServer, nativeSignUp, PASSWORD, startCompatServer } from '../support/compat-client.js'
import { spawnCli } from '../support/server-process.js'

// API.md, "Compatibility profiles": every profile beside the native API on mounts that do not
// overlap, and a start refused, with a message naming both sides, when two mounts claim one route.

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const NATIVE = '/api/portcullis'

describe('portcullis serve with all five profiles and the native API', () => {
  let server: CompatServer
  beforeAll(async () => {
    server = await startCompatServer({ COMPAT: 'togo,goauth,thogits,opengate,auth-router', API_BASE_PATH: NATIVE })
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('answers each profile at its default mount, one user and one session store for all', async () => {
    const email = 'everywhere@example.com'
    const { token } = await nativeSignUp(server, NATIVE, email)
    const bearer = { authorization: `Bearer ${token}` }
    const client = new Client(server.url)

    // togo at /api/auth/mfa: the native API moved away, so the profile's own enrol answers, with `uri`.
    const togo = await client.send('POST', '/api/auth/mfa/totp/enroll', { headers: bearer })
    expect(togo.status).toBe(200)
    expect(togo.body.uri).toBe(togo.body.otpauthUri)
    // goauth at /auth.
    expect((await client.send('GET', '/auth/csrf')).body.csrfToken).toEqual(expect.any(String))
    // thogits at /api/auth.
    const thogits = await new Client(server.url).json('POST', '/api/auth/login', { email, password: PASSWORD }, { 'x-auth-flow': 'token' })
    expect(thogits.body.email).toBe(email)
    // opengate at /api.
    const opengate = await client.send('POST', '/api/mfa/totp/enroll', { headers: { authorization: `Bearer ${thogits.body.token}` } })
    expect(Object.keys(opengate.body).sort()).toEqual(['enrollmentId', 'qrCodeUri', 'secret'])
    // auth-router at /auth, beside goauth.
    const router = await new Client(server.url).json('POST', '/auth/login', { email, password: PASSWORD }, { 'x-auth-strategy': 'bearer' })
    expect(router.body.user.email).toBe(email)

    // Every profile's session is a native one.
    const sessions = await client.send('GET', `${NATIVE}/sessions`, { headers: bearer })
    expect(sessions.body.sessions).toHaveLength(3)
    expect((await client.send('GET', `${NATIVE}/session`, { headers: { authorization: `Bearer ${router.body.token}` } })).status).toBe(200)
  })

  it('keeps the web UI and the operations endpoints', async () => {
    const client = new Client(server.url)
    const page = await client.send('GET', '/login')
    expect(page.status).toBe(200)
    expect(page.text).toContain(`${NATIVE}`)
    expect((await client.send('GET', '/healthz')).status).toBe(200)
    const unknown = await client.send('GET', '/auth/no-such-route')
    expect(unknown.status).toBe(404)
    expect(unknown.body.error.code).toBe('not_found')
  })
})

describe('portcullis serve refuses to start', () => {
  async function refused(env: Record<string, string>): Promise<string> {
    const spawned = spawnCli(['serve'], env)
    try {
      expect(await spawned.exited).toBe(1)
      const output = spawned.output()
      expect(output).not.toContain('listening')
      expect(output).not.toMatch(/^\s+at /m)
      return output
    } finally {
      rmSync(spawned.dir, { recursive: true, force: true })
    }
  }

  it('when thogits takes the native API’s mount, naming the route and both sides', async () => {
    const output = await refused({ COMPAT: 'togo,thogits' })
    expect(output).toContain('POST /api/auth/login is claimed by the native API (API_BASE_PATH=/api/auth) and by thogits (mounted at /api/auth)')
  })

  it('for an unknown profile and a bad mount, naming each', async () => {
    const output = await refused({ COMPAT: 'keycloak,goauth=auth/' })
    expect(output).toContain('COMPAT')
    expect(output).toContain('unknown profile "keycloak"')
    expect(output).toContain('bad mount path "auth/" for goauth')
  })
})
