import type { HttpBindings } from '@hono/node-server'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sqlite } from '../../test/support/dialects.js'
import { createTestAuth, type TestAuth } from '../../test/support/test-auth.js'
import { createServerApp } from './app.js'

const bindings = { incoming: { socket: { remoteAddress: '127.0.0.1' } } } as unknown as HttpBindings
const ADMIN_TOKEN = 'metrics-admin-token-0123456789'

describe('load readings: /readyz detail and /metrics', () => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(sqlite, { adminToken: ADMIN_TOKEN })
  })
  afterEach(async () => {
    await t.close()
  })

  const get = (app: ReturnType<typeof createServerApp>, path: string, headers: Record<string, string> = {}) =>
    Promise.resolve(app.fetch(new Request(`http://localhost:3000${path}`, { headers }), bindings))

  it('shows event-loop lag and the depth and limit of every bounded queue in /readyz', async () => {
    const response = await get(createServerApp(t.auth), '/readyz')
    expect(response.status).toBe(200)
    const body = await response.json()
    expect(body.status).toBe('ok')
    expect(body.eventLoopLag).toEqual({ p50Ms: expect.any(Number), p99Ms: expect.any(Number), maxMs: expect.any(Number) })
    expect(body.queues.passwordHashing).toMatchObject({ waiting: 0, admitted: 0, limit: expect.any(Number), shed: expect.any(Number) })
    expect(body.queues.passwordHashing.limit).toBeGreaterThan(0)
    expect(body.queues.mail).toEqual({ inFlight: 0, limit: 1000 })
  })

  it('serves no /metrics unless METRICS_ENABLED', async () => {
    const response = await get(createServerApp(t.auth, { enabled: false }), '/metrics', { authorization: `Bearer ${ADMIN_TOKEN}` })
    expect(response.status).toBe(404)
  })

  it('serves Prometheus text at /metrics to the admin token only', async () => {
    const app = createServerApp(t.auth, { enabled: false }, { metricsEnabled: true })
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: ADMIN_TOKEN }]) {
      const refused = await get(app, '/metrics', headers)
      expect(refused.status).toBe(403)
      expect((await refused.json()).error.code).toBe('forbidden')
    }
    const response = await get(app, '/metrics', { authorization: `Bearer ${ADMIN_TOKEN}` })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/plain')
    const text = await response.text()
    for (const name of [
      'portcullis_hash_queue_waiting',
      'portcullis_hash_queue_limit',
      'portcullis_hash_shed_total',
      'portcullis_mail_in_flight',
      'portcullis_event_loop_lag_p99_seconds',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(text).toMatch(new RegExp(`^${name} \\d`, 'm'))
    }
  })
})
