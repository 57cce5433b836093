import type { HttpBindings } from '@hono/node-server'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sqlite } from '../../test/support/dialects.js'
import { createTestAuth, type TestAuth } from '../../test/support/test-auth.js'
import { createServerApp } from './app.js'

const bindings = { incoming: { socket: { remoteAddress: '::ffff:203.0.113.9' } } } as unknown as HttpBindings

describe('createServerApp: which requests the API answers', () => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(sqlite)
  })
  afterEach(async () => {
    await t.close()
  })

  // As a browser asks: the web UI answers it with a page, the API with JSON all the same.
  const get = (path: string) => createServerApp(t.auth).fetch(new Request(`http://localhost:3000${path}`, { headers: { accept: 'text/html' } }), bindings)

  it('gives the API its base path and everything under it, with the socket address', async () => {
    const session = await get('/api/auth/session')
    expect(session.status).toBe(401)
    expect((await session.json()).error.code).toBe('unauthorized')
    for (const path of ['/api/auth', '/api/auth?x=1', '/api/auth/no-such-route']) {
      const response = await get(path)
      expect(response.headers.get('content-type')).toContain('application/json')
      expect((await response.json()).error.code).toBe('not_found')
    }
  })

  it('shows no notice for a notice name that is not one of its own (not even an Object member)', async () => {
    for (const notice of ['constructor', 'toString', '__proto__']) {
      const page = await (await get(`/login?notice=${notice}`)).text()
      expect(page).not.toContain('role="status"')
      expect(page).not.toContain('role="alert"')
    }
    expect(await (await get('/login?notice=signed_out')).text()).toContain('role="status"')
  })

  it('leaves paths that only begin like the base path to the web UI', async () => {
    const response = await get('/api/authority')
    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toContain('text/html')
  })

  it('records the socket address, not a forwarded one, on what the API writes', async () => {
    const { email } = await t.signUp()
    const response = await createServerApp(t.auth).fetch(
      new Request('http://localhost:3000/api/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://localhost:3000', 'x-forwarded-for': '198.51.100.1' },
        body: JSON.stringify({ email, password: 'wrong password entirely' }),
      }),
      bindings,
    )
    expect(response.status).toBe(401)
    const events = await t.store.db.selectFrom('audit_events').select(['type', 'ip']).where('type', '=', 'sign_in_failed').execute()
    expect(events).toEqual([{ type: 'sign_in_failed', ip: '203.0.113.9' }])
  })
})
