import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { decodeSecret, totpCodeAt } from '../../src/features/totp/index.js'
import { type ServerProcess, spawnCli, startServer } from '../support/server-process.js'

// DESIGN.md: a kill -9 at any moment loses no confirmed enrolment, brings back no consumed code,
// and leaves no half-written factor active. The real server runs on a SQLite file while clients
// enrol and spend recovery codes; it is killed mid-flight, started again on the same file, and
// every answer the clients got before the kill is held against what the database now says.

vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 })

const PASSWORD = 'correct horse battery staple'
const USERS = 12
const ROUNDS = 4
const dir = mkdtempSync(join(tmpdir(), 'portcullis-crash-'))
const databasePath = join(dir, 'auth.db')
const env = {
  DATABASE_URL: `sqlite:${databasePath}`,
  PORTCULLIS_SECRET: 'crash-test-secret-'.padEnd(48, 'x'),
  MFA_LOCKOUT_THRESHOLD: '1000',
  SIGNUP_RATE_LIMIT: '1000/1h',
}

interface Client {
  email: string
  token: string
  /** Set once a confirmation was answered 200: the factor must be active from then on. */
  confirmed: boolean
  unusedCodes: string[]
  /** Codes a sign-in was answered 200 for since the last check: spent for good. */
  spentCodes: string[]
  spentTotal: number
}

async function call(server: ServerProcess, path: string, body: unknown, token?: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}/api/auth${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      origin: new URL(server.url).origin,
      'x-auth-flow': 'token',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : null }
}

/** Enrols and confirms TOTP; marks the client confirmed only when the server said so. */
async function enrol(server: ServerProcess, client: Client): Promise<void> {
  const enrollment = await call(server, '/mfa/totp/enroll', {}, client.token)
  if (enrollment.status !== 200) return
  const code = totpCodeAt(decodeSecret(enrollment.body.secret), Math.floor(Date.now() / 1000))
  const confirmed = await call(server, '/mfa/totp/confirm', { enrollmentId: enrollment.body.enrollmentId, code }, client.token)
  if (confirmed.status === 200) {
    client.confirmed = true
    client.unusedCodes = confirmed.body.recoveryCodes
  }
}

/** Signs in with the password and a recovery code; the code counts as spent only on a 200. */
async function spendCode(server: ServerProcess, client: Client): Promise<void> {
  const code = client.unusedCodes.shift()
  if (!code) return
  const first = await call(server, '/login', { email: client.email, password: PASSWORD })
  if (!first.body?.challenge) return
  const second = await call(server, '/mfa/verify', { challenge: first.body.challenge, method: 'recovery_code', code })
  if (second.status === 200) {
    client.spentCodes.push(code)
    client.spentTotal++
  }
}

/**
 * Runs clients until the server dies under them; errors from the killed connection are expected.
 * The kill comes after `killAfterSteps` finished steps (enrolments and sign-ins), not after a fixed
 * time, so it lands with work in flight however fast or busy the machine is.
 */
async function workUntilKilled(server: ServerProcess, clients: Client[], killAfterSteps: number): Promise<void> {
  let steps = 0
  let reached: () => void = () => {}
  const enough = new Promise<void>((resolve) => {
    reached = resolve
  })
  const work = clients.map(async (client) => {
    for (let i = 0; i < 20; i++) {
      try {
        await (client.confirmed ? spendCode(server, client) : enrol(server, client))
      } catch {
        return // the server is gone
      }
      if (++steps >= killAfterSteps) reached()
    }
  })
  const outcome = await Promise.race([
    enough.then(() => 'enough' as const),
    Promise.all(work).then(() => 'clients stopped' as const),
    new Promise<'timed out'>((resolve) => setTimeout(() => resolve('timed out'), 20_000)),
  ])
  // A kill that lands on an idle server (every client stopped early on an error) would prove nothing.
  expect(outcome, `${steps} of ${killAfterSteps} steps before the kill`).toBe('enough')
  server.child.kill('SIGKILL')
  await server.exited
  await Promise.all(work)
  rmSync(server.dir, { recursive: true, force: true })
}

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('a kill -9 of the server (SQLite file)', () => {
  it('loses no confirmed enrolment, brings back no spent code and leaves no factor without its recovery codes', async () => {
    let server = await startServer(env)
    const clients: Client[] = []
    for (let i = 0; i < USERS; i++) {
      const email = `crash${i}@example.com`
      const signUp = await call(server, '/signup', { email, password: PASSWORD })
      expect(signUp.status).toBe(201)
      clients.push({ email, token: signUp.body.token, confirmed: false, unusedCodes: [], spentCodes: [], spentTotal: 0 })
    }

    for (let round = 0; round < ROUNDS; round++) {
      // Kill points spread over the load, where enrolments and sign-ins overlap.
      await workUntilKilled(server, clients, 4 + round * 8)
      server = await startServer(env)

      const db = new SQLite(databasePath, { readonly: true })
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
        for (const client of clients) {
          const user = db.prepare('select id from users where email = ?').get(client.email) as { id: string }
          const active = db.prepare("select count(*) as n from totp_factors where user_id = ? and status = 'active'").get(user.id) as { n: number }
          if (client.confirmed) expect(active.n, `${client.email}: a confirmed factor was lost`).toBe(1)
          if (active.n > 0) {
            const codes = db.prepare('select count(*) as n from recovery_codes where user_id = ?').get(user.id) as { n: number }
            expect(codes.n, `${client.email}: an active factor without recovery codes`).toBe(10)
          }
        }
      } finally {
        db.close()
      }
      for (const client of clients) {
        for (const code of client.spentCodes.splice(0)) {
          const first = await call(server, '/login', { email: client.email, password: PASSWORD })
          expect(first.body?.challenge, `${client.email}: no challenge to check a spent code against`).toEqual(expect.any(String))
          const again = await call(server, '/mfa/verify', { challenge: first.body.challenge, method: 'recovery_code', code })
          expect(again.status, `${client.email}: a spent recovery code worked again`).not.toBe(200)
        }
      }
    }

    const confirmedCount = clients.filter((client) => client.confirmed).length
    const spentCount = clients.reduce((sum, client) => sum + client.spentTotal, 0)
    // The test means something only if the kills landed while there was work to lose.
    expect(confirmedCount).toBeGreaterThan(0)
    expect(spentCount).toBeGreaterThan(0)
    await server.stop()

    // The audit chain survived every kill: no entry half-written.
    const verify = spawnCli(['audit', 'verify'], env)
    expect(await verify.exited, verify.output()).toBe(0)
    rmSync(verify.dir, { recursive: true, force: true })
  })
})
