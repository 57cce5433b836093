import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Command } from '../../src/cli/command.js'
import { auditVerifyCommand } from '../../src/cli/commands/audit-verify.js'
import { userResetMfaCommand } from '../../src/cli/commands/user-reset-mfa.js'
import { dialects } from '../support/dialects.js'
import { signUpWithTotp } from '../support/mfa.js'
import { createTestAuth, type TestAuth } from '../support/test-auth.js'

const SECRET = 'cli-mfa-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz'
const sqlite = dialects.find((dialect) => dialect.name === 'sqlite')!
const COMMANDS: Record<string, Command> = { 'reset-mfa': userResetMfaCommand, verify: auditVerifyCommand }

// The commands run in-process with the environment a shell would give them; spawning the bin is covered in cli.test.ts.
async function cli(args: string[], databaseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = COMMANDS[args[1] as string] as Command
  let stdout = ''
  let stderr = ''
  const io = {
    env: { LOG_LEVEL: 'warn', DATABASE_URL: databaseUrl, PORTCULLIS_SECRET: SECRET },
    out: (line: string) => (stdout += `${line}\n`),
    err: (line: string) => (stderr += `${line}\n`),
  }
  const code = await command.run({ values: {}, positionals: args.slice(2), io })
  return { code, stdout, stderr }
}

describe('portcullis user reset-mfa and audit verify', () => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(sqlite, { secret: SECRET })
  })
  afterEach(async () => {
    await t.close()
  })

  it('resets a user’s second factors and records it', async () => {
    const user = await signUpWithTotp(t)
    const result = await cli(['user', 'reset-mfa', user.email.toUpperCase()], t.auth.options.databaseUrl)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect((await t.request('GET', '/session', { token: user.token })).status).toBe(401)
    const signIn = await t.signIn(user.email, user.password)
    expect(signIn.body.mfaRequired).toBeUndefined()
    expect(signIn.body.user.mfaEnabled).toBe(false)
    const events = await t.auth.api.audit.list(user.userId)
    expect(events.find((event) => event.type === 'admin_mfa_reset')?.data).toEqual({ actor: 'cli' })
  })

  it('exits 1 for an unknown email', async () => {
    const result = await cli(['user', 'reset-mfa', 'nobody@example.com'], t.auth.options.databaseUrl)
    expect(result.code).toBe(1)
  })

  it('passes on an intact log and names the entry that was edited', async () => {
    await signUpWithTotp(t)
    const intact = await cli(['audit', 'verify'], t.auth.options.databaseUrl)
    expect(intact.code).toBe(0)
    expect(intact.stdout).toMatch(/intact: \d+ entries/)
    const file = new Database(t.auth.options.databaseUrl.slice('sqlite:'.length))
    file.prepare(`UPDATE audit_events SET data = '{"type":"webauthn"}' WHERE seq = 2`).run()
    file.close()
    const broken = await cli(['audit', 'verify'], t.auth.options.databaseUrl)
    expect(broken.code).toBe(2)
    expect(broken.stderr).toContain('entry 2 was altered')
  })
})
