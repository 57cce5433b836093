import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { decodeSecret, totpCodeAt } from '../../src/features/totp/index.js'
import { openStore } from '../../src/store/store.js'
import { dialects, type TestDatabase } from '../support/dialects.js'
import { type ServerProcess, spawnCli, startServer } from '../support/server-process.js'

// DESIGN.md: on PostgreSQL several server processes share one database, and single use, replay
// protection and lockout hold across them. Two real `portcullis serve` processes on one schema.

vi.setConfig({ testTimeout: 120_000, hookTimeout: 90_000 })

const PASSWORD = 'correct horse battery staple'
const postgres = dialects.find((dialect) => dialect.name === 'postgres')

describe.runIf(postgres)('two server processes on one PostgreSQL', () => {
  let database: TestDatabase
  let a: ServerProcess
  let b: ServerProcess
  let env: Record<string, string>

  beforeAll(async () => {
    database = await (postgres as NonNullable<typeof postgres>).create()
    const store = openStore(database.url)
    await database.migrate(() => store.migrate())
    await store.close()
    env = { DATABASE_URL: database.url, PORTCULLIS_SECRET: 'two-processes-secret-'.padEnd(48, 'x'), PORTCULLIS_AUTO_MIGRATE: 'false' }
    ;[a, b] = await Promise.all([startServer(env), startServer(env)])
  })
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await database?.drop()
  })

  async function call(server: ServerProcess, method: string, path: string, body?: unknown, token?: string) {
    const response = await fetch(`${server.url}/api/auth${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        origin: 'http://localhost:3000',
        'x-auth-flow': 'token',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, body: text ? JSON.parse(text) : null }
  }

  /** A user with TOTP on, enrolled through process A. */
  async function enrolledUser(email: string) {
    const signUp = await call(a, 'POST', '/signup', { email, password: PASSWORD })
    expect(signUp.status).toBe(201)
    const enrollment = await call(a, 'POST', '/mfa/totp/enroll', {}, signUp.body.token)
    const secret = decodeSecret(enrollment.body.secret)
    const confirmed = await call(
      a,
      'POST',
      '/mfa/totp/confirm',
      { enrollmentId: enrollment.body.enrollmentId, code: totpCodeAt(secret, Math.floor(Date.now() / 1000)) },
      signUp.body.token,
    )
    expect(confirmed.status).toBe(200)
    return { email, token: signUp.body.token as string, secret, recoveryCodes: confirmed.body.recoveryCodes as string[] }
  }

  /**
   * Ten challenges from each process for one user, signed in one after another: password tries
   * fired together at one account are compared at most MFA_LOCKOUT_THRESHOLD at a time.
   */
  async function challengesOn(email: string) {
    const servers = [...Array(10).fill(a), ...Array(10).fill(b)] as ServerProcess[]
    const challenges: { server: ServerProcess; challenge: string }[] = []
    for (const server of servers) {
      const login = await call(server, 'POST', '/login', { email, password: PASSWORD })
      expect(login.body.mfaRequired).toBe(true)
      challenges.push({ server, challenge: login.body.challenge as string })
    }
    return challenges
  }

  it('lets one recovery code, sent to 20 challenges on both processes at once, work exactly once', async () => {
    const user = await enrolledUser('two-recovery@example.com')
    const challenges = await challengesOn(user.email)
    const code = user.recoveryCodes[0]
    const results = await Promise.all(
      challenges.map(({ server, challenge }) => call(server, 'POST', '/mfa/verify', { challenge, method: 'recovery_code', code })),
    )
    expect(results.filter((result) => result.status === 200)).toHaveLength(1)
  })

  it('accepts one TOTP code once across both processes', async () => {
    const user = await enrolledUser('two-totp@example.com')
    const challenges = await challengesOn(user.email)
    // The next step's code: inside the accepted window, and never spent (the confirmation spent this one).
    const code = totpCodeAt(user.secret, Math.floor(Date.now() / 1000) + 30)
    const results = await Promise.all(challenges.map(({ server, challenge }) => call(server, 'POST', '/mfa/verify', { challenge, method: 'totp', code })))
    expect(results.filter((result) => result.status === 200)).toHaveLength(1)
  })

  it('ends a session on one process when it is revoked on the other', async () => {
    const signUp = await call(a, 'POST', '/signup', { email: 'two-session@example.com', password: PASSWORD })
    expect((await call(b, 'GET', '/session', undefined, signUp.body.token)).status).toBe(200)
    expect((await call(a, 'POST', '/logout', undefined, signUp.body.token)).status).toBe(204)
    expect((await call(b, 'GET', '/session', undefined, signUp.body.token)).status).toBe(401)
  })

  it('counts wrong passwords from both processes towards one lock', async () => {
    await call(a, 'POST', '/signup', { email: 'two-lock@example.com', password: PASSWORD })
    const statuses: number[] = []
    for (let i = 0; i < 7; i++) {
      statuses.push((await call(i % 2 === 0 ? a : b, 'POST', '/login', { email: 'two-lock@example.com', password: `wrong password number ${i}` })).status)
    }
    // The default threshold is 5: five failures, alternating processes, lock the account on both.
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429])
    expect((await call(b, 'POST', '/login', { email: 'two-lock@example.com', password: PASSWORD })).status).toBe(429)
  })

  it('compares at most five of 24 wrong passwords fired at one account through both processes at once', async () => {
    await call(a, 'POST', '/signup', { email: 'two-burst@example.com', password: PASSWORD })
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        call(i % 2 === 0 ? a : b, 'POST', '/login', { email: 'two-burst@example.com', password: `wrong burst password ${i}` }),
      ),
    )
    const statuses = results.map((result) => result.status)
    expect(statuses.filter((status) => status === 401)).toHaveLength(5)
    expect(statuses.filter((status) => status === 429)).toHaveLength(19)
    expect((await call(a, 'POST', '/login', { email: 'two-burst@example.com', password: PASSWORD })).status).toBe(429)
  })

  it('keeps one unbroken audit chain written by both processes', async () => {
    const verify = spawnCli(['audit', 'verify'], env)
    expect(await verify.exited, verify.output()).toBe(0)
    rmSync(verify.dir, { recursive: true, force: true })
  })
})
