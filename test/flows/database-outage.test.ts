import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { SHARED_CACHE_MAX_AGE_MS } from '../../src/features/sessions/store.js'
import { type OwnPostgres, ownPostgresUnavailable, startOwnPostgres } from '../support/own-postgres.js'
import { type ServerProcess, startServer } from '../support/server-process.js'

// A database restart or fail-over must never take the process down: while PostgreSQL is stopped
// every request that needs it answers 503 with Retry-After within two seconds, and the same
// process serves again once it is back. Runs on a PostgreSQL cluster of its own.

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const PASSWORD = 'correct horse battery staple'
const unavailable = ownPostgresUnavailable()
if (unavailable && process.env.CI) throw new Error(`the database outage test cannot run in CI: ${unavailable}`)

describe.skipIf(unavailable)('a PostgreSQL outage under a running server', () => {
  let pg: OwnPostgres
  let server: ServerProcess

  beforeAll(async () => {
    pg = await startOwnPostgres()
    server = await startServer({ DATABASE_URL: pg.url, PORTCULLIS_SECRET: 'outage-test-secret-'.padEnd(48, 'x') })
  })
  afterAll(async () => {
    await server?.stop()
    pg?.destroy()
  })

  async function call(method: string, path: string, body?: unknown, token?: string) {
    const started = performance.now()
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-auth-flow': 'token', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: text ? JSON.parse(text) : null, ms: performance.now() - started }
  }

  /** Session checks, sign-ins and sign-ups in flight while the database goes away. */
  function traffic(token: string, email: string, tag: string, until: () => boolean) {
    const statuses: number[] = []
    const loop = async (request: () => Promise<{ status: number }>) => {
      while (!until()) statuses.push((await request().catch(() => ({ status: 0 }))).status)
    }
    let n = 0
    const done = Promise.all([
      loop(() => call('GET', '/api/auth/session', undefined, token)),
      loop(() => call('GET', '/api/auth/session', undefined, token)),
      loop(() => call('POST', '/api/auth/login', { email, password: PASSWORD })),
      loop(() => call('POST', '/api/auth/signup', { email: `during-${tag}-${n++}@example.com`, password: PASSWORD })),
    ])
    return { statuses, done }
  }

  for (const mode of ['fast', 'immediate'] as const) {
    it(`answers 503 while PostgreSQL is down (${mode} stop), then serves again without a restart`, async () => {
      const email = `outage-${mode}@example.com`
      const signUp = await call('POST', '/api/auth/signup', { email, password: PASSWORD })
      expect(signUp.status).toBe(201)
      const token = signUp.body.token as string

      let stopped = false
      const load = traffic(token, email, mode, () => stopped)
      await new Promise((resolve) => setTimeout(resolve, 300))
      pg.stop(mode)
      // A session check may still be answered from the in-process cache for its staleness bound
      // (README, "Running several instances"); past it, everything that needs the database says 503.
      await new Promise((resolve) => setTimeout(resolve, SHARED_CACHE_MAX_AGE_MS + 100))

      // Every route that needs the database: 503 with Retry-After, the contract's shape, fast.
      const probes = [
        await call('GET', '/api/auth/session', undefined, token),
        await call('POST', '/api/auth/login', { email, password: PASSWORD }),
        await call('POST', '/api/auth/signup', { email: `refused-${mode}@example.com`, password: PASSWORD }),
        await call('POST', '/api/auth/otp/send', { email }),
        await call('GET', '/readyz'),
      ]
      for (const probe of probes) {
        expect(probe.status, JSON.stringify(probe.body)).toBe(503)
        expect(probe.body).toEqual({ error: { code: 'service_unavailable', message: expect.any(String) } })
        expect(Number(probe.retryAfter)).toBeGreaterThan(0)
        expect(probe.ms).toBeLessThan(2000)
      }
      expect((await call('GET', '/healthz')).status).toBe(200)
      stopped = true
      await load.done
      // Requests in flight when the database went away: answered, never a 500 and never a hang.
      expect(load.statuses.length).toBeGreaterThan(0)
      expect(load.statuses.filter((status) => ![200, 201, 503].includes(status))).toEqual([])

      pg.start()
      let ready = 0
      for (let i = 0; i < 100 && ready !== 200; i++) {
        ready = (await call('GET', '/readyz')).status
        if (ready !== 200) await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(ready).toBe(200)
      expect((await call('GET', '/api/auth/session', undefined, token)).status).toBe(200)
      expect((await call('POST', '/api/auth/login', { email, password: PASSWORD })).status).toBe(200)
      // The sign-up refused during the outage left nothing half-written: the address is still free.
      expect((await call('POST', '/api/auth/signup', { email: `refused-${mode}@example.com`, password: PASSWORD })).status).toBe(201)
      expect(server.child.exitCode).toBeNull()
      expect(server.output()).not.toMatch(/Unhandled|unhandledRejection|internal_error/)
    })
  }
})
