import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type DialectCase, dialects } from '../../../test/support/dialects.js'
import { createTestAuth, STRONG_PASSWORD, type TestAuth, type TestResponse } from '../../../test/support/test-auth.js'
import { sharedArgon2Pool } from '../../crypto/argon2-pool.js'

const WRONG = 'definitely not the password'
const LOCK_SECONDS = 15 * 60
const MINUTE = 60_000

function expectLocked(response: TestResponse): void {
  expect(response.status).toBe(429)
  expect(response.body).toEqual({ error: { code: 'too_many_requests', message: expect.any(String) } })
  const retryAfter = Number(response.headers.get('retry-after'))
  expect(retryAfter).toBeGreaterThan(0)
  expect(retryAfter).toBeLessThanOrEqual(LOCK_SECONDS)
}

async function counter(t: TestAuth, key: string): Promise<number | undefined> {
  const row = await t.store.db.selectFrom('rate_limits').select('count').where('key', '=', key).executeTakeFirst()
  return row ? Number(row.count) : undefined
}

async function withAuth(dialect: DialectCase, options: Parameters<typeof createTestAuth>[1], run: (t: TestAuth) => Promise<void>): Promise<void> {
  const t = await createTestAuth(dialect, options)
  try {
    await run(t)
  } finally {
    await t.close()
  }
}

describe.each(dialects)('$name: password lockout', (dialect) => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(dialect)
  })
  afterEach(async () => {
    await t.close()
  })

  async function failTimes(email: string, times: number, ip?: string): Promise<void> {
    for (let i = 0; i < times; i++) {
      const response = await t.request('POST', '/login', { body: { email, password: WRONG }, headers: { 'x-auth-flow': 'token' }, ip })
      expect(response.status).toBe(401)
      expect(response.body.error.code).toBe('invalid_credentials')
    }
  }

  describe('per email', () => {
    it('locks after five wrong passwords, refusing even the right one with Retry-After', async () => {
      const { email } = await t.signUp()
      await failTimes(email, 5)
      const response = await t.signIn(email)
      expectLocked(response)
      expect(Number(response.headers.get('retry-after'))).toBe(LOCK_SECONDS)
      expect(await t.auth.api.lockout.isLocked(email)).toBe(true)
    })

    it('does not lock after four', async () => {
      const { email } = await t.signUp()
      await failTimes(email, 4)
      expect((await t.signIn(email)).status).toBe(200)
      expect(await t.auth.api.lockout.isLocked(email)).toBe(false)
    })

    it('locks an unknown email alike, with the same status, body and Retry-After', async () => {
      const { email } = await t.signUp()
      await failTimes(email, 5)
      await failTimes('nobody@example.com', 5)
      const known = await t.signIn(email)
      const unknown = await t.signIn('nobody@example.com')
      expectLocked(unknown)
      expect(unknown.status).toBe(known.status)
      expect(unknown.body).toEqual(known.body)
      expect(unknown.headers.get('retry-after')).toBe(known.headers.get('retry-after'))
    })

    it('counts the email after trimming and lower-casing', async () => {
      const { email } = await t.signUp()
      for (const variant of [email, email.toUpperCase(), ` ${email} `, email, email.toUpperCase()]) await failTimes(variant, 1)
      expectLocked(await t.signIn(email))
    })

    it('ends the lock after MFA_LOCKOUT_MINUTES', async () => {
      const { email } = await t.signUp()
      await failTimes(email, 5)
      t.clock.advance(LOCK_SECONDS * 1000 - 1000)
      const almost = await t.signIn(email)
      expectLocked(almost)
      expect(almost.headers.get('retry-after')).toBe('1')
      t.clock.advance(1000)
      expect((await t.signIn(email)).status).toBe(200)
      expect(await t.auth.api.lockout.isLocked(email)).toBe(false)
    })

    it('starts counting afresh once the lock has ended', async () => {
      const { email } = await t.signUp()
      await failTimes(email, 5)
      t.clock.advance(LOCK_SECONDS * 1000)
      await failTimes(email, 4)
      expect((await t.signIn(email)).status).toBe(200)
    })

    it('follows the configured threshold and minutes', async () => {
      await withAuth(dialect, { lockoutThreshold: 2, lockoutMinutes: 1 }, async (short) => {
        const { email } = await short.signUp()
        for (let i = 0; i < 2; i++) expect((await short.signIn(email, WRONG)).status).toBe(401)
        const locked = await short.signIn(email)
        expect(locked.status).toBe(429)
        expect(locked.headers.get('retry-after')).toBe('60')
        short.clock.advance(MINUTE)
        expect((await short.signIn(email)).status).toBe(200)
      })
    })

    it('forgets failures older than the window', async () => {
      const { email } = await t.signUp()
      await failTimes(email, 4)
      t.clock.advance(LOCK_SECONDS * 1000)
      await failTimes(email, 4)
      expect((await t.signIn(email)).status).toBe(200)
    })

    it('resets the counter on a successful sign-in', async () => {
      const { email } = await t.signUp()
      await failTimes(email, 4)
      expect((await t.signIn(email)).status).toBe(200)
      expect(await counter(t, `pw:email:${email}`)).toBeUndefined()
      await failTimes(email, 4)
      expect((await t.signIn(email)).status).toBe(200)
      await failTimes(email, 5)
      expectLocked(await t.signIn(email))
    })

    it('records sign_in_failed for each wrong password and account_locked once', async () => {
      const { email, user } = await t.signUp()
      await failTimes(email, 5)
      await t.signIn(email)
      const events = await t.auth.api.audit.list(user.id)
      expect(events.filter((event) => event.type === 'sign_in_failed')).toHaveLength(5)
      expect(events.filter((event) => event.type === 'account_locked')).toHaveLength(1)
      expect(events[0]).toMatchObject({
        type: 'account_locked',
        data: { reason: 'password_failures', until: new Date(t.clock.now().getTime() + LOCK_SECONDS * 1000).toISOString() },
      })
      expect(JSON.stringify(events)).not.toContain(WRONG)
    })

    it('emails the owner when the account locks, and nobody for an unknown email', async () => {
      const { email } = await t.signUp()
      await failTimes(email, 4)
      await t.auth.flushMail()
      expect(t.mailbox.messages.filter((message) => message.to === email && /security notice/.test(message.subject))).toHaveLength(0)
      await failTimes(email, 1)
      await t.auth.flushMail()
      const notices = t.mailbox.messages.filter((message) => message.to === email && /security notice/.test(message.subject))
      expect(notices).toHaveLength(1)
      expect(notices[0]?.text).toMatch(/locked/)
      const before = t.mailbox.messages.length
      await failTimes('nobody@example.com', 5)
      await t.auth.flushMail()
      expect(t.mailbox.messages.slice(before)).toEqual([])
    })
  })

  describe('per client address', () => {
    const ATTACKER = '203.0.113.7'
    const NEIGHBOUR = '198.51.100.9'

    it('locks an address after 4 × threshold failures across different emails', async () => {
      const { email } = await t.signUp()
      for (let i = 0; i < 19; i++) await failTimes(`victim${i}@example.com`, 1, ATTACKER)
      expect((await t.signIn(email, STRONG_PASSWORD, {})).status).toBe(200)
      await failTimes('victim19@example.com', 1, ATTACKER)
      const locked = await t.request('POST', '/login', { body: { email, password: STRONG_PASSWORD }, headers: { 'x-auth-flow': 'token' }, ip: ATTACKER })
      expectLocked(locked)
      expect(await t.auth.api.lockout.isLocked(email)).toBe(false)
      expect(await counter(t, `pw:ip:${ATTACKER}`)).toBe(20)
    })

    it('does not affect another address', async () => {
      const { email } = await t.signUp()
      for (let i = 0; i < 20; i++) await failTimes(`victim${i}@example.com`, 1, ATTACKER)
      const other = await t.request('POST', '/login', { body: { email, password: STRONG_PASSWORD }, headers: { 'x-auth-flow': 'token' }, ip: NEIGHBOUR })
      expect(other.status).toBe(200)
    })

    it('ignores X-Forwarded-For without TRUST_PROXY, so a client cannot spread its failures', async () => {
      const { email } = await t.signUp()
      for (let i = 0; i < 20; i++) {
        await t.request('POST', '/login', {
          body: { email: `v${i}@example.com`, password: WRONG },
          headers: { 'x-forwarded-for': `10.0.0.${i}` },
          ip: ATTACKER,
        })
      }
      const locked = await t.request('POST', '/login', {
        body: { email, password: STRONG_PASSWORD },
        headers: { 'x-forwarded-for': '10.9.9.9', 'x-auth-flow': 'token' },
        ip: ATTACKER,
      })
      expectLocked(locked)
    })

    it('reads the address from X-Forwarded-For behind a trusted proxy', async () => {
      await withAuth(dialect, { trustProxy: 1 }, async (proxied) => {
        const { email } = await proxied.signUp()
        const PROXY = '10.0.0.1'
        for (let i = 0; i < 20; i++) {
          await proxied.request('POST', '/login', {
            body: { email: `v${i}@example.com`, password: WRONG },
            headers: { 'x-forwarded-for': ATTACKER },
            ip: PROXY,
          })
        }
        const attacker = await proxied.request('POST', '/login', {
          body: { email, password: STRONG_PASSWORD },
          headers: { 'x-forwarded-for': ATTACKER, 'x-auth-flow': 'token' },
          ip: PROXY,
        })
        expectLocked(attacker)
        const neighbour = await proxied.request('POST', '/login', {
          body: { email, password: STRONG_PASSWORD },
          headers: { 'x-forwarded-for': NEIGHBOUR, 'x-auth-flow': 'token' },
          ip: PROXY,
        })
        expect(neighbour.status).toBe(200)
      })
    })

    it('is not cleared by a successful sign-in from that address', async () => {
      const { email } = await t.signUp()
      for (let i = 0; i < 19; i++) await failTimes(`victim${i}@example.com`, 1, ATTACKER)
      const ok = await t.request('POST', '/login', { body: { email, password: STRONG_PASSWORD }, headers: { 'x-auth-flow': 'token' }, ip: ATTACKER })
      expect(ok.status).toBe(200)
      await failTimes('victim19@example.com', 1, ATTACKER)
      expectLocked(await t.request('POST', '/login', { body: { email, password: STRONG_PASSWORD }, ip: ATTACKER }))
    })
  })

  describe('tries taken before the compare', () => {
    /** Counts the password comparisons the hashing pool runs while `run` is going on. */
    async function countingVerifies<T>(run: () => Promise<T>): Promise<{ result: T; verifies: number }> {
      const spy = vi.spyOn(sharedArgon2Pool(), 'run')
      try {
        const result = await run()
        return { result, verifies: spy.mock.calls.filter(([operation]) => operation === 'verify').length }
      } finally {
        spy.mockRestore()
      }
    }

    it('compares at most MFA_LOCKOUT_THRESHOLD of 24 wrong passwords fired at one account together', async () => {
      const { email, user } = await t.signUp()
      const { result: responses, verifies } = await countingVerifies(() => Promise.all(Array.from({ length: 24 }, () => t.signIn(email, WRONG))))
      const statuses = responses.map((response) => response.status)
      expect(statuses.filter((status) => status === 401)).toHaveLength(5)
      expect(statuses.filter((status) => status === 429)).toHaveLength(19)
      for (const refused of responses.filter((response) => response.status === 429)) expectLocked(refused)
      expect(verifies).toBe(5)
      expect(await t.auth.api.lockout.isLocked(email)).toBe(true)
      const events = await t.auth.api.audit.list(user.id)
      expect(events.filter((event) => event.type === 'sign_in_failed')).toHaveLength(5)
      expect(events.filter((event) => event.type === 'account_locked')).toHaveLength(1)
    })

    it('bounds a burst at an unknown email the same way', async () => {
      const { result: responses, verifies } = await countingVerifies(() => Promise.all(Array.from({ length: 24 }, () => t.signIn('nobody@example.com', WRONG))))
      expect(responses.filter((response) => response.status === 401)).toHaveLength(5)
      expect(responses.filter((response) => response.status === 429)).toHaveLength(19)
      expect(verifies).toBe(5)
    })

    it('spends no argon2 work on a locked account', async () => {
      const { email } = await t.signUp()
      await failTimes(email, 5)
      const { result: responses, verifies } = await countingVerifies(() => Promise.all(Array.from({ length: 10 }, () => t.signIn(email))))
      expect(responses.every((response) => response.status === 429)).toBe(true)
      expect(verifies).toBe(0)
    })

    it('bounds a burst from one address across many emails at 4 × threshold comparisons', async () => {
      const ATTACKER = '203.0.113.66'
      const attempt = (i: number) =>
        t.request('POST', '/login', { body: { email: `spray${i}@example.com`, password: WRONG }, headers: { 'x-auth-flow': 'token' }, ip: ATTACKER })
      const { result: responses, verifies } = await countingVerifies(() => Promise.all(Array.from({ length: 30 }, (_, i) => attempt(i))))
      expect(responses.filter((response) => response.status === 401)).toHaveLength(20)
      expect(responses.filter((response) => response.status === 429)).toHaveLength(10)
      expect(verifies).toBe(20)
    })

    it('lets the right password in among a burst of wrong ones when tries are left, and gives its try back', async () => {
      const { email } = await t.signUp()
      await failTimes(email, 3)
      const [right] = await Promise.all([t.signIn(email), t.signIn(email, WRONG)])
      expect(right?.status).toBe(200)
      expect(await t.auth.api.lockout.isLocked(email)).toBe(false)
    })

    it('does not count a try the hashing pool could not run', async () => {
      const { email } = await t.signUp()
      const spy = vi.spyOn(sharedArgon2Pool(), 'run').mockRejectedValue(new Error('hashing threads gone'))
      try {
        for (let i = 0; i < 6; i++) expect((await t.signIn(email, WRONG)).status).toBe(500)
      } finally {
        spy.mockRestore()
      }
      expect(await counter(t, `pw:email:${email}`)).toBe(0)
      expect((await t.signIn(email)).status).toBe(200)
    })
  })

  describe('api.lockout', () => {
    it('unlock lifts an email lock and reports whether anything was lifted', async () => {
      const { email } = await t.signUp()
      await failTimes(email, 5)
      expect(await t.auth.api.lockout.isLocked(email)).toBe(true)
      expect(await t.auth.api.lockout.unlock(email)).toBe(true)
      expect(await t.auth.api.lockout.isLocked(email)).toBe(false)
      expect((await t.signIn(email)).status).toBe(200)
      expect(await t.auth.api.lockout.unlock(email)).toBe(false)
    })

    it('recordFailure counts like a wrong password at the HTTP level', async () => {
      const { email } = await t.signUp()
      for (let i = 0; i < 4; i++) expect(await t.auth.api.lockout.recordFailure(email)).toBe(false)
      expect(await t.auth.api.lockout.recordFailure(email)).toBe(true)
      expectLocked(await t.signIn(email))
    })

    it('isLocked is false for an email never seen', async () => {
      expect(await t.auth.api.lockout.isLocked('never@example.com')).toBe(false)
    })
  })

  describe('concurrency', () => {
    it('counts 20 simultaneous failures exactly, through the API', async () => {
      await withAuth(dialect, { lockoutThreshold: 100 }, async (wide) => {
        const results = await Promise.all(Array.from({ length: 20 }, () => wide.auth.api.lockout.recordFailure('race@example.com', '192.0.2.1')))
        expect(results.every((locked) => locked === false)).toBe(true)
        expect(await counter(wide, 'pw:email:race@example.com')).toBe(20)
        expect(await counter(wide, 'pw:ip:192.0.2.1')).toBe(20)
        expect(await wide.auth.api.lockout.isLocked('race@example.com')).toBe(false)
      })
    })

    it('counts 20 simultaneous wrong passwords exactly and locks once at a threshold of 20', async () => {
      await withAuth(dialect, { lockoutThreshold: 20 }, async (wide) => {
        const { email, user } = await wide.signUp()
        const responses = await Promise.all(Array.from({ length: 20 }, () => wide.signIn(email, WRONG)))
        expect(responses.map((response) => response.status)).toEqual(Array(20).fill(401))
        expect(await counter(wide, `pw:email:${email}`)).toBe(20)
        expect(await wide.auth.api.lockout.isLocked(email)).toBe(true)
        const events = await wide.auth.api.audit.list(user.id)
        expect(events.filter((event) => event.type === 'sign_in_failed')).toHaveLength(20)
        expect(events.filter((event) => event.type === 'account_locked')).toHaveLength(1)
        expect((await wide.signIn(email)).status).toBe(429)
      })
    })
  })
})
