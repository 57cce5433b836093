import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { HashTicket } from '../../src/crypto/argon2-pool.js'
import { sharedArgon2Pool } from '../../src/crypto/argon2-pool.js'
import { createOutbox } from '../../src/mail/outbox.js'
import { dialects } from '../support/dialects.js'
import { lastMail, tokenIn } from '../support/mail.js'
import { createTestAuth, STRONG_PASSWORD, type TestAuth } from '../support/test-auth.js'

// The hashing queue is full when every place the pool admits is held: these tickets stand in for
// requests whose hashes are still running or waiting.
function fillHashingQueue(): HashTicket[] {
  const held: HashTicket[] = []
  for (;;) {
    try {
      held.push(sharedArgon2Pool().tryReserve())
    } catch {
      return held
    }
  }
}

describe.each(dialects)('$name: load shedding', (dialect) => {
  let t: TestAuth
  let held: HashTicket[] = []
  beforeEach(async () => {
    // No queue beyond one request per hashing thread, so the test fills it with a few tickets.
    t = await createTestAuth(dialect, { hashQueueLimit: 0 })
  })
  afterEach(async () => {
    for (const ticket of held.splice(0)) ticket.release()
    await t.close()
  })

  const rateLimitRows = async () => (await t.store.db.selectFrom('rate_limits').selectAll().execute()).length

  it('answers a sign-in 503 with Retry-After at once, without hashing or counting a lockout try', async () => {
    const { email, token } = await t.signUp()
    const triesBefore = await rateLimitRows()
    held = fillHashingQueue()
    const hashesBefore = sharedArgon2Pool().load().started

    const started = performance.now()
    const refused = await t.signIn(email, 'a wrong password for the lockout counter')
    expect(performance.now() - started).toBeLessThan(250)
    expect(refused.status).toBe(503)
    expect(refused.body.error.code).toBe('service_unavailable')
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(sharedArgon2Pool().load().started).toBe(hashesBefore)
    expect(await rateLimitRows()).toBe(triesBefore)

    // Session checks need no hashing and keep answering.
    expect((await t.request('GET', '/session', { token })).status).toBe(200)

    for (const ticket of held.splice(0)) ticket.release()
    expect((await t.signIn(email)).status).toBe(200)
    expect(sharedArgon2Pool().load().admitted).toBe(0)
  })

  it('answers a sign-up 503 without writing the account', async () => {
    held = fillHashingQueue()
    const email = `shed-${Date.now()}@example.com`
    const refused = await t.request('POST', '/signup', { body: { email, password: STRONG_PASSWORD }, headers: { 'x-auth-flow': 'token' } })
    expect(refused.status).toBe(503)
    expect(refused.body.error.code).toBe('service_unavailable')
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(await t.store.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()).toBeUndefined()
  })

  it('answers a password change 503 and keeps the old password', async () => {
    const { email, token } = await t.signUp()
    const triesBefore = await rateLimitRows()
    held = fillHashingQueue()
    const refused = await t.request('POST', '/password/change', {
      token,
      body: { currentPassword: STRONG_PASSWORD, newPassword: 'a brand new passphrase here' },
    })
    expect(refused.status).toBe(503)
    expect(refused.body.error.code).toBe('service_unavailable')
    expect(await rateLimitRows()).toBe(triesBefore)
    for (const ticket of held.splice(0)) ticket.release()
    expect((await t.signIn(email, STRONG_PASSWORD)).status).toBe(200)
  })

  it('answers a password reset 503 and leaves its link usable', async () => {
    const { email } = await t.signUp()
    expect((await t.request('POST', '/password/forgot', { body: { email } })).status).toBe(202)
    const token = tokenIn(await lastMail(t, email, 'reset your password'), '/password/reset')
    held = fillHashingQueue()
    const refused = await t.request('POST', '/password/reset', { body: { token, newPassword: 'a brand new passphrase here' } })
    expect(refused.status).toBe(503)
    expect(refused.body.error.code).toBe('service_unavailable')
    for (const ticket of held.splice(0)) ticket.release()
    expect((await t.request('POST', '/password/reset', { body: { token, newPassword: 'a brand new passphrase here' } })).status).toBe(204)
  })

  it('gives every place back, also when sign-ins fail', async () => {
    const { email } = await t.signUp()
    const answers = await Promise.all(Array.from({ length: 6 }, () => t.signIn(email, 'not the password at all')))
    for (const answer of answers) expect([401, 429, 503]).toContain(answer.status)
    expect(sharedArgon2Pool().load().admitted).toBe(0)
  })
})

describe('mail outbox', () => {
  it('refuses new mail requests once full, and admits them again when deliveries finish', async () => {
    const releases: Array<() => void> = []
    const outbox = createOutbox({ send: () => new Promise<void>((resolve) => releases.push(resolve)) }, (await import('pino')).pino({ level: 'silent' }), 2)
    outbox.assertCapacity()
    outbox.send({ to: 'a@example.com', subject: 's', text: 't', html: 'h' })
    outbox.send({ to: 'b@example.com', subject: 's', text: 't', html: 'h' })
    expect(outbox.load()).toEqual({ inFlight: 2, limit: 2 })
    expect(() => outbox.assertCapacity()).toThrow(expect.objectContaining({ code: 'service_unavailable', retryAfterSeconds: 30 }))
    for (const release of releases) release()
    await outbox.flush()
    expect(() => outbox.assertCapacity()).not.toThrow()
  })
})
