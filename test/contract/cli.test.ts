import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SMTPServer } from 'smtp-server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { dialects } from '../support/dialects.js'
import { createTestAuth, type TestAuth } from '../support/test-auth.js'

const ROOT = join(import.meta.dirname, '../..')

// Every case spawns Node with tsx, which takes seconds on a busy two-core CI machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })
const SECRET = 'cli-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz'

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

function cli(args: string[], env: Record<string, string>): Promise<Result> {
  const childEnv: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: 'warn', ...env }
  for (const name of ['PORTCULLIS_SECRET', 'MFA_CHALLENGE_SECRET', 'NODE_ENV', 'PORT', 'SMTP_URL']) if (!(name in env)) delete childEnv[name]
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => {
    stdout += chunk
  })
  child.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

function tempDatabase(): { url: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-cli-'))
  return { url: `sqlite:${join(dir, 'auth.db')}`, dir }
}

describe('portcullis --help', () => {
  it('lists every command and exits 0', async () => {
    const result = await cli(['--help'], {})
    expect(result.code).toBe(0)
    for (const command of ['serve', 'migrate', 'doctor', 'user unlock <email>']) expect(result.stdout).toContain(command)
  })

  it('exits 2 on an unknown command', async () => {
    const result = await cli(['launch'], {})
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('unknown command "launch"')
  })

  it('exits 2 when user unlock has no email', async () => {
    const result = await cli(['user', 'unlock'], {})
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('expected 1 argument')
  })
})

describe('portcullis migrate and doctor', () => {
  it('migrates a new SQLite database, after which doctor passes without printing the secret', async () => {
    const { url, dir } = tempDatabase()
    try {
      const env = { DATABASE_URL: url, PORTCULLIS_SECRET: SECRET }
      const migrate = await cli(['migrate'], env)
      expect(migrate.code).toBe(0)
      const doctor = await cli(['doctor'], env)
      expect(doctor.code).toBe(0)
      expect(doctor.stdout).toContain('schema up to date')
      expect(doctor.stdout).toContain('"secret": "[redacted]"')
      expect(doctor.stdout).not.toContain(SECRET)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('fails on a production configuration without a secret, listing each problem', async () => {
    const { url, dir } = tempDatabase()
    try {
      const doctor = await cli(['doctor'], { DATABASE_URL: url, NODE_ENV: 'production', PORT: 'eighty' })
      expect(doctor.code).toBe(1)
      expect(doctor.stdout).toMatch(/FAIL\s+config secret: .*PORTCULLIS_SECRET/)
      expect(doctor.stdout).toMatch(/FAIL\s+config PORT/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('fails when the database does not answer, and hides its password', async () => {
    const doctor = await cli(['doctor'], { DATABASE_URL: 'postgres://portcullis:hunter2hunter2@127.0.0.1:1/none' })
    expect(doctor.code).toBe(1)
    expect(doctor.stdout).toMatch(/FAIL\s+database/)
    expect(doctor.stdout).not.toContain('hunter2hunter2')
  })
})

describe('portcullis doctor mail check', () => {
  it('passes when the SMTP server answers and fails when it does not', async () => {
    const { url, dir } = tempDatabase()
    const peer = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      closeTimeout: 500,
      onData: (stream, _session, done) => stream.resume().on('end', () => done()),
    })
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve))
    let closed = false
    try {
      const { port } = peer.server.address() as { port: number }
      const up = await cli(['doctor'], { DATABASE_URL: url, SMTP_URL: `smtp://127.0.0.1:${port}` })
      expect(up.stdout).toMatch(/OK\s+mail: SMTP server smtp:\/\/127\.0\.0\.1:\d+ accepts connections/)
      await new Promise<void>((resolve) => peer.close(resolve))
      closed = true
      const down = await cli(['doctor'], { DATABASE_URL: url, SMTP_URL: `smtp://mailer:hunter2hunter2@127.0.0.1:${port}` })
      expect(down.code).toBe(1)
      expect(down.stdout).toMatch(/FAIL\s+mail: SMTP server smtp:\/\/mailer:\*\*\*@127\.0\.0\.1/)
      expect(down.stdout).not.toContain('hunter2hunter2')
    } finally {
      if (!closed) peer.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe.each(dialects)('$name: portcullis doctor on a database', (dialect) => {
  it('reports a migrated schema as up to date', async () => {
    const t = await createTestAuth(dialect)
    try {
      const doctor = await cli(['doctor'], { DATABASE_URL: t.auth.options.databaseUrl })
      expect(doctor.stdout).toMatch(new RegExp(`OK\\s+database: .* answers \\(${dialect.name}\\)`))
      expect(doctor.stdout).toMatch(/OK\s+migrations: schema up to date/)
    } finally {
      await t.close()
    }
  })

  it('warns about a database that was never migrated', async () => {
    const database = await dialect.create()
    try {
      // A new SQLite database is a file not created yet; a new PostgreSQL one is an empty schema.
      const doctor = await cli(['doctor'], { DATABASE_URL: database.url })
      if (dialect.name === 'sqlite') expect(doctor.stdout).toMatch(/WARN\s+database: .* does not exist yet/)
      else expect(doctor.stdout).toMatch(/WARN\s+migrations: \d+ pending \(0001-initial/)
    } finally {
      await database.drop()
    }
  })
})

describe.each(dialects)('$name: portcullis user unlock', (dialect) => {
  let t: TestAuth | undefined
  afterEach(async () => {
    await t?.close()
    t = undefined
  })

  it('lifts the password lock of an account, from another process, and audits it', async () => {
    t = await createTestAuth(dialect)
    const { user, email } = await t.signUp()
    for (let attempt = 0; attempt < 5; attempt++) expect((await t.signIn(email, 'wrong password, wrong password')).status).toBe(401)
    expect((await t.signIn(email)).status).toBe(429)

    const result = await cli(['user', 'unlock', email.toUpperCase()], { DATABASE_URL: t.auth.options.databaseUrl })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`Unlocked ${email}`)
    expect(await t.auth.api.lockout.isLocked(email)).toBe(false)
    expect((await t.signIn(email)).status).toBe(200)
    expect((await t.auth.api.audit.list(user.id)).map((event) => event.type)).toContain('account_unlocked')
  })

  it('exits 1 for an email with no account and no lock', async () => {
    t = await createTestAuth(dialect)
    const result = await cli(['user', 'unlock', 'nobody@example.com'], { DATABASE_URL: t.auth.options.databaseUrl })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('No account for nobody@example.com')
  })
})
