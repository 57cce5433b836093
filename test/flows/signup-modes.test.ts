import { performance } from 'node:perf_hooks'
import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { dialects } from '../support/dialects.js'
import { createTestAuth, STRONG_PASSWORD, type TestAuth } from '../support/test-auth.js'

const TOKEN_FLOW = { 'x-auth-flow': 'token' }
const ADMIN_TOKEN = 'admin-token-0123456789abcdef'

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

describe.each(dialects)('$name: sign-up modes', (dialect) => {
  let t: TestAuth
  afterEach(async () => {
    await t.close()
  })

  async function lastMailTo(email: string): Promise<string> {
    await t.auth.flushMail()
    return t.mailbox.messages.filter((message) => message.to === email).at(-1)?.text ?? ''
  }
  const linkToken = (text: string) => /\/signup\/complete\?token=([A-Za-z0-9_-]+)/.exec(text)?.[1]

  describe('open (the default)', () => {
    it('writes the user and its first session in one transaction: a failed session write leaves no user', async () => {
      t = await createTestAuth(dialect)
      if (dialect.name === 'sqlite') {
        await sql`CREATE TRIGGER no_sessions BEFORE INSERT ON sessions BEGIN SELECT RAISE(ABORT, 'refused'); END`.execute(t.store.db)
      } else {
        await sql`CREATE FUNCTION refuse_session() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql`.execute(t.store.db)
        await sql`CREATE TRIGGER no_sessions BEFORE INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION refuse_session()`.execute(t.store.db)
      }
      const response = await t.request('POST', '/signup', { body: { email: 'atomic@example.com', password: STRONG_PASSWORD } })
      expect(response.status).toBe(500)
      expect(response.body.error.code).toBe('internal_error')
      expect(await t.store.db.selectFrom('users').select('id').where('email', '=', 'atomic@example.com').execute()).toEqual([])
      await sql`DROP TRIGGER no_sessions${sql.raw(dialect.name === 'sqlite' ? '' : ' ON sessions')}`.execute(t.store.db)
      expect((await t.request('POST', '/signup', { body: { email: 'atomic@example.com', password: STRONG_PASSWORD } })).status).toBe(201)
    })

    it('limits sign-ups per client address, with Retry-After, and counts refused ones too', async () => {
      t = await createTestAuth(dialect, { signupRateLimit: { limit: 3, windowSeconds: 3600 } })
      const ip = '192.0.2.10'
      expect((await t.request('POST', '/signup', { body: { email: 'a@example.com', password: STRONG_PASSWORD }, ip })).status).toBe(201)
      expect((await t.request('POST', '/signup', { body: { email: 'a@example.com', password: STRONG_PASSWORD }, ip })).status).toBe(409)
      expect((await t.request('POST', '/signup', { body: { email: 'b@example.com', password: STRONG_PASSWORD }, ip })).status).toBe(201)
      const limited = await t.request('POST', '/signup', { body: { email: 'c@example.com', password: STRONG_PASSWORD }, ip })
      expect(limited.status).toBe(429)
      expect(limited.body.error.code).toBe('too_many_requests')
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(await t.auth.api.accounts.findByEmail('c@example.com')).toBeUndefined()
      expect((await t.request('POST', '/signup', { body: { email: 'c@example.com', password: STRONG_PASSWORD }, ip: '192.0.2.11' })).status).toBe(201)
      t.clock.advance(3600_000)
      expect((await t.request('POST', '/signup', { body: { email: 'd@example.com', password: STRONG_PASSWORD }, ip })).status).toBe(201)
    })
  })

  describe('closed', () => {
    it('answers 403 forbidden and leaves account creation to administrators', async () => {
      t = await createTestAuth(dialect, { signupMode: 'closed', adminToken: ADMIN_TOKEN })
      const refused = await t.request('POST', '/signup', { body: { email: 'closed@example.com', password: STRONG_PASSWORD } })
      expect(refused.status).toBe(403)
      expect(refused.body.error.code).toBe('forbidden')
      expect(await t.auth.api.accounts.findByEmail('closed@example.com')).toBeUndefined()
      const created = await t.request('POST', '/admin/users', { token: ADMIN_TOKEN, body: { email: 'closed@example.com' } })
      expect(created.status).toBe(201)
      const token = linkToken(await lastMailTo('closed@example.com'))
      const done = await t.request('POST', '/signup/complete', { body: { token, password: STRONG_PASSWORD }, headers: TOKEN_FLOW })
      expect(done.status).toBe(201)
    })
  })

  describe('verify_first', () => {
    const options = { signupMode: 'verify_first' as const }

    it('answers 202 with the same body for a new and a taken email, and mails each what fits', async () => {
      t = await createTestAuth(dialect, options)
      const admin = await t.auth.api.admin.create({ email: 'taken@example.com', password: STRONG_PASSWORD }, { ip: null, userAgent: null })
      const fresh = await t.request('POST', '/signup', { body: { email: 'fresh@example.com' } })
      const taken = await t.request('POST', '/signup', { body: { email: 'taken@example.com' } })
      expect([fresh.status, taken.status]).toEqual([202, 202])
      expect(fresh.body).toEqual(taken.body)
      expect([...fresh.headers.keys()].sort()).toEqual([...taken.headers.keys()].sort())
      expect(linkToken(await lastMailTo('fresh@example.com'))).toBeDefined()
      const notice = await lastMailTo('taken@example.com')
      expect(notice).toContain('already have one')
      expect(linkToken(notice)).toBeUndefined()
      expect(notice).toContain('/password/forgot')
      // Nothing changed for the existing account.
      expect((await t.signIn('taken@example.com', STRONG_PASSWORD)).status).toBe(200)
      expect((await t.auth.api.admin.show(admin.id)).disabled).toBe(false)
    })

    it('stores no password before the mailbox owner chooses one on the link’s page', async () => {
      t = await createTestAuth(dialect, options)
      const planted = 'the attacker knows this one'
      expect((await t.request('POST', '/signup', { body: { email: 'victim@example.com', password: planted } })).status).toBe(202)
      expect(await t.auth.api.accounts.findByEmail('victim@example.com')).toBeUndefined()
      const tokens = await t.store.db.selectFrom('one_time_tokens').selectAll().where('email', '=', 'victim@example.com').execute()
      expect(tokens).toHaveLength(1)
      expect(JSON.stringify(tokens)).not.toContain(planted)
      expect((await t.signIn('victim@example.com', planted)).status).toBe(401)

      const token = linkToken(await lastMailTo('victim@example.com'))
      const weak = await t.request('POST', '/signup/complete', { body: { token, password: 'short' } })
      expect(weak.status).toBe(422)
      const done = await t.request('POST', '/signup/complete', { body: { token, password: STRONG_PASSWORD, name: 'Vic' }, headers: TOKEN_FLOW })
      expect(done.status).toBe(201)
      expect(done.body.user).toMatchObject({ email: 'victim@example.com', emailVerified: true, name: 'Vic', mfaEnabled: false })
      const session = await t.request('GET', '/session', { token: done.body.token })
      expect(session.body.session.aal).toBe(1)
      expect((await t.signIn('victim@example.com', planted)).status).toBe(401)
      expect((await t.signIn('victim@example.com', STRONG_PASSWORD)).status).toBe(200)
      const reused = await t.request('POST', '/signup/complete', { body: { token, password: STRONG_PASSWORD } })
      expect(reused.status).toBe(400)
      expect(reused.body.error.code).toBe('invalid_code')
      const types = (await t.auth.api.audit.list(done.body.user.id)).map((event) => event.type)
      expect(types).toEqual(expect.arrayContaining(['account_created', 'sign_in_succeeded']))
    })

    it('lets exactly one of 20 concurrent completions of a link through', async () => {
      t = await createTestAuth(dialect, options)
      await t.request('POST', '/signup', { body: { email: 'race@example.com' } })
      const token = linkToken(await lastMailTo('race@example.com'))
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => t.request('POST', '/signup/complete', { body: { token, password: STRONG_PASSWORD }, headers: TOKEN_FLOW })),
      )
      expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1)
      expect(answers.filter((answer) => answer.status !== 201).every((answer) => answer.status === 400 || answer.status === 409)).toBe(true)
      expect(await t.store.db.selectFrom('sessions').select('id').execute()).toHaveLength(1)
    })

    it('mails one address at most three times an hour, answering 202 all the same', async () => {
      t = await createTestAuth(dialect, options)
      for (let attempt = 0; attempt < 5; attempt++) {
        const response = await t.request('POST', '/signup', { body: { email: 'often@example.com' }, ip: `192.0.2.${attempt + 1}` })
        expect(response.status).toBe(202)
      }
      await t.auth.flushMail()
      expect(t.mailbox.messages.filter((message) => message.to === 'often@example.com')).toHaveLength(3)
    })

    it('refuses an expired link', async () => {
      t = await createTestAuth(dialect, options)
      await t.request('POST', '/signup', { body: { email: 'late@example.com' } })
      const token = linkToken(await lastMailTo('late@example.com'))
      t.clock.advance(31 * 60_000)
      expect((await t.request('POST', '/signup/complete', { body: { token, password: STRONG_PASSWORD } })).status).toBe(400)
    })

    it('takes about the same time for a new and a taken email (medians within 2×)', async () => {
      t = await createTestAuth(dialect, options)
      await t.auth.api.admin.create({ email: 'timing-taken@example.com', password: STRONG_PASSWORD }, { ip: null, userAgent: null })
      const timings = { fresh: [] as number[], taken: [] as number[] }
      for (let round = 0; round < 30; round++) {
        for (const kind of round % 2 === 0 ? (['fresh', 'taken'] as const) : (['taken', 'fresh'] as const)) {
          const email = kind === 'fresh' ? `timing-${round}@example.com` : 'timing-taken@example.com'
          const started = performance.now()
          const response = await t.request('POST', '/signup', { body: { email } })
          timings[kind].push(performance.now() - started)
          expect(response.status).toBe(202)
        }
      }
      const [fresh, taken] = [median(timings.fresh.slice(5)), median(timings.taken.slice(5))]
      expect(Math.max(fresh, taken) / Math.min(fresh, taken)).toBeLessThan(2)
    })

    it('refuses a sign-up link once the mode is no longer verify_first', async () => {
      t = await createTestAuth(dialect, { signupMode: 'open' })
      const response = await t.request('POST', '/signup/complete', { body: { token: 'x'.repeat(43), password: STRONG_PASSWORD } })
      expect(response.status).toBe(400)
      expect(response.body.error.code).toBe('invalid_code')
    })
  })
})
