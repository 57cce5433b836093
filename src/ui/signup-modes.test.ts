import type { HttpBindings } from '@hono/node-server'
import { afterEach, describe, expect, it } from 'vitest'
import { sqlite } from '../../test/support/dialects.js'
import { createTestAuth, type TestAuth } from '../../test/support/test-auth.js'
import { createServerApp } from '../server/app.js'

const bindings = { incoming: { socket: { remoteAddress: '127.0.0.1' } } } as unknown as HttpBindings

describe('web UI: the sign-up page follows SIGNUP_MODE', () => {
  let t: TestAuth
  afterEach(async () => {
    await t.close()
  })
  const page = async (path: string) => {
    const response = await createServerApp(t.auth).fetch(new Request(`http://localhost:3000${path}`, { headers: { accept: 'text/html' } }), bindings)
    return { status: response.status, html: await response.text() }
  }

  it('open: a password field, and the sign-in page links to sign-up', async () => {
    t = await createTestAuth(sqlite)
    expect((await page('/signup')).html).toContain('name="password"')
    expect((await page('/login')).html).toContain('href="/signup"')
  })

  it('verify_first: only the address; the password is chosen on the link’s page', async () => {
    t = await createTestAuth(sqlite, { signupMode: 'verify_first' })
    const signup = await page('/signup')
    expect(signup.html).toContain('name="email"')
    expect(signup.html).not.toContain('name="password"')
    const complete = await page('/signup/complete?token=abc')
    expect(complete.html).toContain('name="password"')
    expect(complete.html).toContain('value="abc"')
  })

  it('closed: a 403 page and no sign-up link on the sign-in page', async () => {
    t = await createTestAuth(sqlite, { signupMode: 'closed' })
    const signup = await page('/signup')
    expect(signup.status).toBe(403)
    expect(signup.html).toContain('Sign-up is closed')
    expect((await page('/login')).html).not.toContain('href="/signup"')
  })
})
