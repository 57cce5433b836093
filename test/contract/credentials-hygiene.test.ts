import type { HttpBindings } from '@hono/node-server'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createServerApp } from '../../src/server/app.js'
import { dialects, sqlite } from '../support/dialects.js'
import { createTestAuth, type TestAuth } from '../support/test-auth.js'

// Requirements of docs/security.md that no feature test covered: how the pages ask for passwords,
// the size of session tokens, and that a new installation has no account at all.

const bindings = { incoming: { socket: { remoteAddress: '127.0.0.1' } } } as unknown as HttpBindings

describe('password fields of the web UI', () => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(sqlite)
  })
  afterEach(async () => {
    await t.close()
  })
  const page = async (path: string, cookie?: string) =>
    (await createServerApp(t.auth).fetch(new Request(`http://localhost:3000${path}`, { headers: cookie ? { cookie } : {} }), bindings)).text()

  it('masks every password input and lets password managers fill and paste into it', async () => {
    for (const path of ['/login', '/signup']) {
      const html = await page(path)
      const inputs = html.match(/<input[^>]*name="password"[^>]*>/g) ?? []
      expect(inputs.length, path).toBe(1)
      for (const input of inputs) {
        expect(input).toContain('type="password"')
        expect(input).toMatch(/autocomplete="(current|new)-password"/)
      }
      expect(html).not.toMatch(/onpaste|oncopy|ondrop/i)
    }
  })

  it('shows a sign-out button on the signed-in pages', async () => {
    const { token } = await t.signUp()
    const html = await page('/account/security', `portcullis_session=${token}`)
    expect(html).toMatch(/<form[^>]*action="\/logout"/)
  })
})

describe.each(dialects)('$name: tokens and accounts', (dialect) => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(dialect)
  })
  afterEach(async () => {
    await t.close()
  })

  it('creates no account of its own: a migrated database has no users', async () => {
    expect(await t.store.db.selectFrom('users').select('id').execute()).toEqual([])
  })

  it('issues session tokens of 256 bits, base64url, a different one on every sign-in', async () => {
    const { email, token } = await t.signUp()
    const tokens = [token]
    for (let i = 0; i < 5; i++) tokens.push((await t.signIn(email)).body.token)
    for (const value of tokens) expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(new Set(tokens).size).toBe(tokens.length)
  })

  it('labels every JSON answer application/json, success or error', async () => {
    const { token } = await t.signUp()
    for (const response of [
      await t.request('GET', '/session', { token }),
      await t.request('GET', '/session'),
      await t.request('POST', '/login', { body: '{' }),
    ]) {
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    }
  })
})
