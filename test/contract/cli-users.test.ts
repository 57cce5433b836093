import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Command } from '../../src/cli/command.js'
import { commands } from '../../src/cli/commands/index.js'
import { dialects } from '../support/dialects.js'
import { createTestAuth, type TestAuth } from '../support/test-auth.js'

const SECRET = 'cli-users-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz'
const sqlite = dialects.find((dialect) => dialect.name === 'sqlite') as (typeof dialects)[number]

// In-process, with the environment a shell would give; spawning the bin is covered in cli.test.ts.
async function cli(
  words: string[],
  positionals: string[],
  databaseUrl: string,
  values: Record<string, string | boolean> = {},
  env: Record<string, string> = {},
) {
  const command = commands.find((candidate) => candidate.words.join(' ') === words.join(' ')) as Command
  let stdout = ''
  let stderr = ''
  const io = {
    env: { LOG_LEVEL: 'warn', DATABASE_URL: databaseUrl, PORTCULLIS_SECRET: SECRET, ...env },
    out: (line: string) => (stdout += `${line}\n`),
    err: (line: string) => (stderr += `${line}\n`),
  }
  const code = await command.run({ values, positionals, io })
  return { code, stdout, stderr }
}

describe('portcullis user … and address unlock', () => {
  let t: TestAuth
  let url: string
  beforeEach(async () => {
    t = await createTestAuth(sqlite, { secret: SECRET })
    url = t.auth.options.databaseUrl
  })
  afterEach(async () => {
    await t.close()
  })

  it('creates, lists, shows, disables, enables, revokes and deletes a user', async () => {
    const created = await cli(
      ['user', 'create'],
      ['ops@example.com'],
      url,
      { name: 'Ops', 'password-from-env': true },
      { PORTCULLIS_NEW_PASSWORD: 'an operator chose this password' },
    )
    expect(created.code).toBe(0)
    expect(JSON.parse(created.stdout)).toMatchObject({ email: 'ops@example.com', name: 'Ops', disabled: false })
    const signedIn = await t.signIn('ops@example.com', 'an operator chose this password')
    expect(signedIn.status).toBe(200)

    const listed = await cli(['user', 'list'], [], url, { query: 'ops@' })
    expect(
      listed.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).email),
    ).toEqual(['ops@example.com'])
    expect((await cli(['user', 'list'], [], url, { limit: '0' })).code).toBe(2)

    expect((await cli(['user', 'disable'], ['OPS@example.com'], url)).code).toBe(0)
    expect((await t.request('GET', '/session', { token: signedIn.body.token })).status).toBe(401)
    expect((await t.signIn('ops@example.com', 'an operator chose this password')).body.error.code).toBe('account_disabled')
    expect(JSON.parse((await cli(['user', 'show'], ['ops@example.com'], url)).stdout).disabled).toBe(true)
    expect((await cli(['user', 'enable'], ['ops@example.com'], url)).code).toBe(0)
    const again = await t.signIn('ops@example.com', 'an operator chose this password')
    expect(again.status).toBe(200)
    expect((await cli(['user', 'revoke-sessions'], ['ops@example.com'], url)).code).toBe(0)
    expect((await t.request('GET', '/session', { token: again.body.token })).status).toBe(401)

    const id = JSON.parse(created.stdout).id
    expect((await cli(['user', 'delete'], [id], url)).code).toBe(0)
    expect(await t.auth.api.accounts.findById(id)).toBeUndefined()
    const types = (await t.auth.api.audit.list(id)).map((event) => [event.type, event.data.actor])
    expect(types[0]).toEqual(['account_deleted', 'cli'])
    expect((await cli(['user', 'show'], ['ops@example.com'], url)).code).toBe(1)
  })

  it('unlocks a client address', async () => {
    const ip = '203.0.113.50'
    for (let index = 0; index < 20; index++) await t.request('POST', '/login', { body: { email: `x${index}@example.com`, password: 'wrong password!!' }, ip })
    const { email, password } = await t.signUp()
    expect((await t.request('POST', '/login', { body: { email, password }, ip })).status).toBe(429)
    expect((await cli(['address', 'unlock'], ['not-an-ip'], url)).code).toBe(2)
    expect((await cli(['address', 'unlock'], [ip], url)).code).toBe(0)
    expect((await t.request('POST', '/login', { body: { email, password }, ip })).status).toBe(200)
    expect((await cli(['address', 'unlock'], [ip], url)).code).toBe(1)
  })
})
