import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ERROR_STATUS } from '../../src/errors.js'
import { dialects } from '../support/dialects.js'
import { BASE, createTestAuth, ORIGIN, STRONG_PASSWORD, type TestAuth, type TestResponse } from '../support/test-auth.js'

const KIB = 1024

/** Every error body is exactly {error: {code, message, details?}}, with a status that matches its code. */
function expectErrorShape(response: TestResponse): void {
  expect(Object.keys(response.body)).toEqual(['error'])
  const keys = Object.keys(response.body.error).sort()
  expect(keys.length === 2 ? keys : keys.filter((key) => key !== 'details')).toEqual(['code', 'message'])
  expect(typeof response.body.error.message).toBe('string')
  if ('details' in response.body.error) expect(Array.isArray(response.body.error.details)).toBe(true)
  expect(ERROR_STATUS[response.body.error.code as keyof typeof ERROR_STATUS]).toBe(response.status)
  expect(JSON.stringify(response.body)).not.toMatch(/\bat .+\.(ts|js):\d+|SQLITE|syntax error|relation "|select |insert into/i)
}

function expectInvalid(response: TestResponse, field?: string): void {
  expect(response.status).toBe(400)
  expect(response.body.error.code).toBe('invalid_request')
  expectErrorShape(response)
  if (field !== undefined) expect(response.body.error.details.map((detail: { field: string }) => detail.field)).toContain(field)
}

describe.each(dialects)('$name: bad input', (dialect) => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(dialect)
  })
  afterEach(async () => {
    await t.close()
  })

  const userCount = async () => (await t.store.db.selectFrom('users').select('id').execute()).length
  const raw = (path: string, init: RequestInit) => t.auth.handler(new Request(`${BASE}${path}`, init), { clientAddress: '127.0.0.1' })

  describe('malformed bodies', () => {
    it('answers broken JSON with 400 invalid_request', async () => {
      for (const body of ['{"email":', '{email: "a@example.com"}', "{'a':1}", '{"a":1}}', 'undefined']) {
        expectInvalid(await t.request('POST', '/signup', { body }))
        expectInvalid(await t.request('POST', '/login', { body }))
      }
      expect(await userCount()).toBe(0)
    })

    it('answers bytes that are not UTF-8 JSON with 400', async () => {
      const response = await raw('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) })
      expect(response.status).toBe(400)
      expect((await response.json()).error.code).toBe('invalid_request')
    })

    it('refuses a body that is not an object', async () => {
      for (const body of ['[]', '[{"email":"a@example.com"}]', 'null', '"text"', '42', 'true']) {
        expectInvalid(await t.request('POST', '/signup', { body }))
      }
      expect(await userCount()).toBe(0)
    })

    it('names the field of a wrong type in details', async () => {
      expectInvalid(await t.request('POST', '/signup', { body: { email: 42, password: STRONG_PASSWORD } }), 'email')
      expectInvalid(await t.request('POST', '/signup', { body: { email: null, password: STRONG_PASSWORD } }), 'email')
      expectInvalid(await t.request('POST', '/signup', { body: { email: 'a@example.com', password: ['x'] } }), 'password')
      expectInvalid(await t.request('POST', '/signup', { body: { email: 'a@example.com', password: STRONG_PASSWORD, name: { first: 'A' } } }), 'name')
      expectInvalid(await t.request('POST', '/login', { body: { email: ['a@example.com'], password: STRONG_PASSWORD } }), 'email')
      expectInvalid(await t.request('POST', '/login', { body: { email: 'a@example.com' } }), 'password')
      expect(await userCount()).toBe(0)
    })

    it('refuses a malformed multipart body with 400, not 500', async () => {
      const response = await raw('/signup', { method: 'POST', headers: { 'content-type': 'multipart/form-data' }, body: 'garbage' })
      expect(response.status).toBe(400)
      expect((await response.json()).error.code).toBe('invalid_request')
    })

    it('handles deeply nested JSON in an ignored field', async () => {
      const depth = 30_000
      const body = `{"email":"deep@example.com","password":"${STRONG_PASSWORD}","extra":${'['.repeat(depth)}${']'.repeat(depth)}}`
      expect(body.length).toBeLessThan(64 * KIB)
      const response = await t.request('POST', '/signup', { body })
      expect(response.status).toBe(201)
    })
  })

  describe('body size', () => {
    const big = JSON.stringify({ email: 'big@example.com', password: 'x'.repeat(200 * KIB) })

    it('answers a 200 KiB body with a Content-Length with 413 payload_too_large', async () => {
      const response = await t.request('POST', '/signup', { body: big, headers: { 'content-length': String(Buffer.byteLength(big)) } })
      expect(response.status).toBe(413)
      expect(response.body.error.code).toBe('payload_too_large')
      expectErrorShape(response)
      expect(response.headers.get('cache-control')).toBe('no-store')
    })

    it('answers a 200 KiB body without a Content-Length with 413', async () => {
      const stream = new ReadableStream({
        start(controller) {
          for (let i = 0; i < 200; i++) controller.enqueue(new Uint8Array(KIB).fill(0x20))
          controller.close()
        },
      })
      const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit
      const response = await raw('/signup', init)
      expect(response.headers.get('content-length')).toBeNull()
      expect(response.status).toBe(413)
      expect((await response.json()).error.code).toBe('payload_too_large')
      expect(await userCount()).toBe(0)
    })

    it('answers a 200 KiB form body with 413', async () => {
      const response = await t.request('POST', '/signup', { form: { email: 'big@example.com', password: 'x'.repeat(200 * KIB) } })
      expect(response.status).toBe(413)
    })

    it('reads a body just under 64 KiB and judges its fields', async () => {
      const body = JSON.stringify({ email: 'a@example.com', password: STRONG_PASSWORD, padding: 'x'.repeat(60 * KIB) })
      expect((await t.request('POST', '/signup', { body })).status).toBe(201)
    })
  })

  describe('odd text in fields', () => {
    const oddEmails: Array<[string, string]> = [
      ['a NUL character', 'nul\u0000@example.com'],
      ['a lone high surrogate', 'lone\uD800@example.com'],
      ['a lone low surrogate', 'lone\uDC00@example.com'],
      ['a right-to-left override', 'evil\u202Emoc.elpmaxe@example.com'],
      ['10,000 characters', `${'a'.repeat(10_000)}@example.com`],
      ['an SQL payload', "' OR '1'='1' --@example.com"],
      ['an SQL statement', "x@example.com'; DROP TABLE users; --"],
      ['an HTML payload', '<script>alert(1)</script>@example.com'],
      ['a zero-width space', 'zero\u200Bwidth@example.com'],
    ]

    it.each(oddEmails)('refuses an email with %s at sign-up, writing nothing', async (_, email) => {
      const response = await t.request('POST', '/signup', { body: { email, password: STRONG_PASSWORD } })
      expectInvalid(response, 'email')
      expect(await userCount()).toBe(0)
    })

    it.each(oddEmails)('answers an email with %s at sign-in with a 4xx', async (_, email) => {
      const response = await t.request('POST', '/login', { body: { email, password: STRONG_PASSWORD } })
      expect([400, 401]).toContain(response.status)
      expectErrorShape(response)
    })

    it('refuses NUL and lone surrogates in a password, naming the field', async () => {
      for (const password of [`${STRONG_PASSWORD}\u0000`, `${STRONG_PASSWORD}\uD800`, `\uDFFF${STRONG_PASSWORD}`]) {
        expectInvalid(await t.request('POST', '/signup', { body: { email: 'a@example.com', password } }), 'password')
      }
      expect(await userCount()).toBe(0)
    })

    it('never lets one lone surrogate stand in for another in a password', async () => {
      const { email } = await t.signUp()
      for (const password of [`${STRONG_PASSWORD}\uD800`, `${STRONG_PASSWORD}\uD801`]) {
        expectInvalid(await t.request('POST', '/login', { body: { email, password } }), 'password')
      }
    })

    it('stores SQL and HTML in a name verbatim and answers it as JSON', async () => {
      const names = ["Robert'); DROP TABLE users;--", '<img src=x onerror=alert(1)>', 'Zoë \u202Egnp.exe']
      for (const [i, name] of names.entries()) {
        const response = await t.request('POST', '/signup', { body: { email: `n${i}@example.com`, password: STRONG_PASSWORD, name } })
        expect(response.status).toBe(201)
        expect(response.body.user.name).toBe(name)
        expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      }
      expect(await userCount()).toBe(3)
    })

    it('answers SQL in a password like any wrong password', async () => {
      const { email } = await t.signUp()
      const response = await t.request('POST', '/login', { body: { email, password: "' OR '1'='1" } })
      expect(response.status).toBe(401)
      expect(response.body.error.code).toBe('invalid_credentials')
    })

    it('refuses a 10,000-character name or password without hashing it', async () => {
      expectInvalid(await t.request('POST', '/signup', { body: { email: 'a@example.com', password: STRONG_PASSWORD, name: 'n'.repeat(10_000) } }), 'name')
      expectInvalid(await t.request('POST', '/signup', { body: { email: 'a@example.com', password: 'p'.repeat(10_000) } }), 'password')
      expect(await userCount()).toBe(0)
    })
  })

  describe('accepted forms', () => {
    it('accepts a form-encoded sign-up and sign-in', async () => {
      const signUp = await t.request('POST', '/signup', { form: { email: 'form@example.com', password: STRONG_PASSWORD, name: 'Form User' } })
      expect(signUp.status).toBe(201)
      expect(signUp.body.user).toMatchObject({ email: 'form@example.com', name: 'Form User' })
      expect(signUp.cookies.portcullis_session).toBeTruthy()
      const signIn = await t.request('POST', '/login', { form: { email: 'form@example.com', password: STRONG_PASSWORD } })
      expect(signIn.status).toBe(200)
    })

    it('names the missing field of a form body', async () => {
      expectInvalid(await t.request('POST', '/signup', { form: { email: 'form@example.com' } }), 'password')
    })

    it('ignores unknown fields, including ones named like internals', async () => {
      const fields = { email: 'extra@example.com', password: STRONG_PASSWORD, id: 'chosen-id', emailVerified: true, mfaEnabled: true, password_hash: 'x' }
      const body = `${JSON.stringify(fields).slice(0, -1)},"__proto__":{"admin":true}}`
      const response = await t.request('POST', '/signup', { body })
      expect(response.status).toBe(201)
      expect(response.body.user.id).not.toBe('chosen-id')
      expect(response.body.user).toMatchObject({ emailVerified: false, mfaEnabled: false })
      expect(Object.keys(response.body.user)).not.toContain('admin')
    })
  })

  describe('response hygiene', () => {
    it('answers an unknown route with 404 not_found', async () => {
      for (const [method, path] of [
        ['GET', '/nope'],
        ['POST', '/signup/extra'],
        ['GET', '/login'],
        ['PUT', '/session'],
      ] as const) {
        const response = await t.request(method, path, { headers: { origin: ORIGIN } })
        expect(response.status).toBe(404)
        expect(response.body.error.code).toBe('not_found')
        expectErrorShape(response)
      }
    })

    it('sends Cache-Control: no-store on every response, success or error', async () => {
      const { token, email } = await t.signUp()
      const responses = [
        await t.request('GET', '/session', { token }),
        await t.request('GET', '/sessions', { token }),
        await t.request('GET', '/password/policy'),
        await t.request('GET', '/csrf'),
        await t.signIn(email),
        await t.signIn(email, 'wrong password entirely'),
        await t.request('GET', '/session'),
        await t.request('POST', '/signup', { body: '{' }),
        await t.request('POST', '/logout', { cookie: 'portcullis_session=x' }),
        await t.request('GET', '/nope'),
        await t.request('POST', '/logout', { token }),
      ]
      for (const response of responses) expect(response.headers.get('cache-control')).toBe('no-store')
      const outside = await t.auth.handler(new Request('http://localhost:3000/elsewhere'))
      expect(outside.status).toBe(404)
      expect(outside.headers.get('cache-control')).toBe('no-store')
    })

    it('gives every error the one shape', async () => {
      const { email } = await t.signUp()
      const errors = [
        await t.request('POST', '/signup', { body: '{' }),
        await t.request('POST', '/signup', { body: { email: 1 } }),
        await t.request('POST', '/signup', { body: { email, password: STRONG_PASSWORD } }),
        await t.request('POST', '/signup', { body: { email: 'weak@example.com', password: 'Zq8#Lw2!' } }),
        await t.signIn(email, 'wrong password entirely'),
        await t.request('GET', '/session'),
        await t.request('POST', '/logout', { cookie: 'portcullis_session=x' }),
        await t.request('GET', '/nope'),
      ]
      expect(errors.map((response) => response.status)).toEqual([400, 400, 409, 422, 401, 401, 403, 404])
      for (const response of errors) expectErrorShape(response)
      expect(errors[3]?.body.error.details).toEqual([{ rule: 'min_length' }])
    })
  })

  describe('arbitrary JSON', () => {
    it('never answers /signup or /login with a 5xx', async () => {
      const field = fc.oneof(fc.jsonValue({ stringUnit: 'binary', maxDepth: 3 }), fc.emailAddress(), fc.string({ unit: 'binary', maxLength: 300 }))
      const bodies = fc.oneof(
        fc.jsonValue({ stringUnit: 'binary', maxDepth: 4 }),
        fc.record({ email: field, password: field, name: fc.option(field, { nil: undefined }) }, { requiredKeys: [] }),
      )
      await fc.assert(
        fc.asyncProperty(bodies, fc.constantFrom('/signup', '/login'), async (body, path) => {
          const before = await userCount()
          const response = await t.request('POST', path, { body: JSON.stringify(body) ?? 'null', headers: { 'x-auth-flow': 'token' } })
          expect(response.status).toBeLessThan(500)
          expect(response.headers.get('cache-control')).toBe('no-store')
          if (response.status >= 400) {
            expectErrorShape(response)
            expect(await userCount()).toBe(before)
          }
        }),
        { numRuns: 150 },
      )
    })
  })
})
