import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { createAuth } from '../../src/create-auth.js'
import { totpCodeAt } from '../../src/features/totp/index.js'
import { openStore } from '../../src/store/store.js'
import { createMemoryMailer } from '../../src/testing.js'
import { sqlite } from '../support/dialects.js'
import { type EnrolledUser, signUpWithTotp } from '../support/mfa.js'
import { spawnCli } from '../support/server-process.js'
import { BASE, createTestAuth, STRONG_PASSWORD, type TestAuth } from '../support/test-auth.js'

// `portcullis backup` copies a live database while it is written to, in another process, and
// `portcullis restore` puts the copy back: everyone who existed at the copy signs in again with
// every factor, and nothing spent before the copy works again after it.

vi.setConfig({ testTimeout: 120_000 })

const dir = mkdtempSync(join(tmpdir(), 'portcullis-backup-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function cli(args: string[], databaseUrl: string): Promise<{ code: number | null; output: string }> {
  const spawned = spawnCli(args, { DATABASE_URL: databaseUrl })
  const code = await spawned.exited
  rmSync(spawned.dir, { recursive: true, force: true })
  return { code, output: spawned.output() }
}

async function verify(t: { request: TestAuth['request'] }, challenge: string, method: string, code: string) {
  return t.request('POST', '/mfa/verify', { body: { challenge, method, code }, headers: { 'x-auth-flow': 'token' } })
}

describe('portcullis backup and restore (SQLite)', () => {
  it('backs up under write load and restores every user, factor and recovery code, with nothing spent coming back', async () => {
    const t = await createTestAuth(sqlite, { lockoutThreshold: 1000 })
    const databaseUrl = t.auth.options.databaseUrl
    const backupFile = join(dir, 'copy.db')
    let closed = false
    try {
      const plain = await t.signUp()
      const mfa: EnrolledUser = await signUpWithTotp(t)
      const [spentCode, keptCode] = mfa.recoveryCodes as [string, string]
      // Spent before the copy: a recovery code, and the TOTP step of this sign-in.
      const first = await t.signIn(mfa.email, mfa.password)
      expect((await verify(t, first.body.challenge, 'recovery_code', spentCode)).status).toBe(200)
      const second = await t.signIn(mfa.email, mfa.password)
      const spentTotp = mfa.code()
      expect((await verify(t, second.body.challenge, 'totp', spentTotp)).status).toBe(200)

      // Writers run in this process while the backup reads the same file from another.
      let writing = true
      const created: string[] = []
      const load = (async () => {
        while (writing) {
          const { email } = await t.signUp()
          created.push(email)
          await t.signIn(email)
        }
      })()
      // Some load users are committed before the copy starts: the copy must hold them.
      while (created.length < 3) await new Promise((resolve) => setTimeout(resolve, 10))
      const before = created.length
      const backup = await cli(['backup', backupFile], databaseUrl)
      const during = created.length
      writing = false
      await load
      expect(backup.code, backup.output).toBe(0)
      expect(backup.output).toMatch(/Backed up .* \(\d+ pages\)/)
      expect(during, 'sign-ups committed while the backup ran').toBeGreaterThan(before)

      // A server still has the database open: restore refuses and changes nothing.
      const refused = await cli(['restore', backupFile], databaseUrl)
      expect(refused.code).not.toBe(0)
      expect(refused.output).toContain('open in another process')
      expect((await t.signIn(plain.email)).status).toBe(200)

      const clockTime = t.clock.now()
      await t.store.close()
      await t.auth.close()
      closed = true
      const restored = await cli(['restore', backupFile], databaseUrl)
      expect(restored.code, restored.output).toBe(0)

      const auth = createAuth({ databaseUrl, clock: t.clock, mailer: createMemoryMailer(), logger: pino({ level: 'silent' }), lockoutThreshold: 1000 })
      const request: TestAuth['request'] = async (method, path, init = {}) => {
        const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers }
        if (init.token) headers.authorization = `Bearer ${init.token}`
        const response = await auth.handler(
          new Request(`${BASE}${path}`, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) }),
          {
            clientAddress: '127.0.0.1',
          },
        )
        const text = await response.text()
        return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null, cookies: {} }
      }
      const signIn = (email: string, password = STRONG_PASSWORD) =>
        request('POST', '/login', { body: { email, password }, headers: { 'x-auth-flow': 'token' } })
      try {
        expect(t.clock.now()).toEqual(clockTime)
        // Everyone the copy holds signs in: the users made before it, and the load's users it caught.
        const restoredUsers = openStore(databaseUrl)
        const rows = await restoredUsers.db.selectFrom('users').select('email').execute()
        await restoredUsers.close()
        expect(rows.length).toBeGreaterThanOrEqual(2 + before)
        console.log(
          `backup under load: ${before} load sign-ups before it, ${during - before} while it ran, ${created.length} in all; the copy holds ${rows.length} users`,
        )
        for (const email of [plain.email, ...created.slice(0, before)]) expect(rows.map((row) => row.email)).toContain(email)
        for (const { email } of rows.filter((row) => row.email !== mfa.email)) expect((await signIn(email)).status, email).toBe(200)
        expect((await request('GET', '/session', { token: plain.token })).status).toBe(200)

        // The spent TOTP step and recovery code stay spent; the unspent code and a new step work.
        const replay = await signIn(mfa.email, mfa.password)
        expect(replay.body.mfaRequired).toBe(true)
        expect((await verify({ request }, replay.body.challenge, 'totp', spentTotp)).status).toBe(400)
        expect((await verify({ request }, replay.body.challenge, 'recovery_code', spentCode)).status).toBe(400)
        expect((await verify({ request }, replay.body.challenge, 'recovery_code', keptCode)).status).toBe(200)
        t.clock.advance(30_000)
        const next = await signIn(mfa.email, mfa.password)
        const fresh = totpCodeAt(mfa.secret, Math.floor(t.clock.now().getTime() / 1000))
        expect((await verify({ request }, next.body.challenge, 'totp', fresh)).status).toBe(200)
      } finally {
        await auth.close()
      }
    } finally {
      if (!closed) {
        await t.store.close()
        await t.auth.close()
      }
    }
  })

  it('refuses a file that is not a Portcullis database, and PostgreSQL URLs', async () => {
    const notDb = join(dir, 'not-a-db.txt')
    writeFileSync(notDb, 'hello')
    const target = `sqlite:${join(dir, 'target.db')}`
    const refused = await cli(['restore', notDb], target)
    expect(refused.code).not.toBe(0)
    const postgres = await cli(['backup', join(dir, 'x.db')], 'postgres://nobody@127.0.0.1:1/none')
    expect(postgres.code).not.toBe(0)
    expect(postgres.output).toContain('pg_dump')
  })
})
