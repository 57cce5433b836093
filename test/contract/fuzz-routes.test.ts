import fc from 'fast-check'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ERROR_STATUS } from '../../src/errors.js'
import type { Store } from '../../src/store/store.js'
import { dialects } from '../support/dialects.js'
import { createTestAuth, ORIGIN, type TestAuth } from '../support/test-auth.js'

// Every route the API app lists is fuzzed, so a route added later is fuzzed without a change here.
// Requests per route and dialect; CI keeps the default, a deeper local run sets the variable.
const RUNS = Number(process.env.PORTCULLIS_FUZZ_RUNS ?? 100)
const ADMIN_TOKEN = 'fuzz-admin-token-0123456789abcdef'

// Refusals may count a try (rate_limits) and audit a failure (audit_events) by design; no other
// table may gain or lose a row on a request that was refused.
const WRITTEN_BY_REFUSALS = new Set(['rate_limits', 'audit_events'])

const FIELDS = [
  'email',
  'password',
  'name',
  'code',
  'challenge',
  'method',
  'token',
  'enrollmentId',
  'currentPassword',
  'newPassword',
  'trustDevice',
  'response',
  'redirectTo',
  'ip',
  'stepUp',
  'secret',
  'query',
  'limit',
  'cursor',
  'id',
  'csrfToken',
]

const nasty = fc.constantFrom(
  '\u0000',
  'a\u0000b',
  '%00',
  '\uD800',
  'x\uDFFFy',
  '\u202E\u200B\uFEFF',
  '🔐'.repeat(50),
  'é'.normalize('NFD'),
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '',
  ' ',
  'a'.repeat(70_000),
  'b'.repeat(3000),
  '-1',
  '1e400',
  'NaN',
  'null',
  'totp',
  'webauthn',
  'sign_in',
)
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), nasty, fc.emailAddress())
const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(-1, 0, 2 ** 31, 2 ** 53, -(2 ** 63), Number.MAX_VALUE, 1e-300),
  fc.bigInt().map((n) => Number(n)),
)
const anything: fc.Arbitrary<unknown> = fc.oneof(text, number, fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 4 }))
const fieldsBody = fc.dictionary(fc.constantFrom(...FIELDS), anything, { maxKeys: 6 })

// Bodies as they reach the wire: a content type (or none, or several) and bytes.
const body = fc.oneof(
  fc.constant({ type: null, payload: null }),
  fieldsBody.map((value) => ({ type: 'application/json', payload: JSON.stringify(value) })),
  fc.jsonValue().map((value) => ({ type: 'application/json', payload: JSON.stringify(value) })),
  fc.dictionary(fc.constantFrom(...FIELDS), fc.oneof(text, fc.constant('on'))).map((value) => ({
    type: 'application/x-www-form-urlencoded',
    payload: new URLSearchParams(value as Record<string, string>).toString(),
  })),
  fc
    .tuple(fc.constantFrom('application/json', 'text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json, text/plain'), text)
    .map(([type, payload]) => ({ type, payload })),
  fc.constantFrom(
    { type: 'application/json', payload: '{"email": "a@example.com", "password": 1e400, "code": -0, "limit": 1e400}' },
    { type: 'application/json', payload: `${'['.repeat(20_000)}${']'.repeat(20_000)}` },
    { type: 'application/json', payload: '{"__proto__": {"admin": true}, "constructor": {"prototype": {}}}' },
    { type: 'application/json', payload: '{"email": "a@example.com", "email": "b@example.com"}' },
    { type: 'application/json', payload: '\uFEFF{}' },
    { type: 'multipart/form-data; boundary=----x', payload: '------x\r\nContent-Disposition: form-data; name="email"\r\n\r\na\u0000b\r\n------x--\r\n' },
    { type: 'application/x-www-form-urlencoded', payload: 'email=%00&password=%FF%FE&code=%' },
  ),
)

// Header values must be Latin-1 to be sent at all.
const headerText = fc.oneof(fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 }), fc.constant(''))
type Credential = 'none' | 'bearer' | 'cookie' | 'cookie-with-origin' | 'admin' | 'garbage-bearer' | 'garbage-cookie' | 'both-cookies'
const credential = fc.constantFrom<Credential>('none', 'bearer', 'cookie', 'cookie-with-origin', 'admin', 'garbage-bearer', 'garbage-cookie', 'both-cookies')

const pathValue = fc.oneof(text, fc.uuid(), fc.constantFrom('%00', '%', '%ZZ', '%2F', '..', 'a%00b', '%ED%A0%80'))
const query = fc.array(fc.tuple(fc.constantFrom(...FIELDS), fc.oneof(text, fc.constantFrom('%00', '-5', '1000000000000'))), { maxLength: 3 })

interface Fuzzed {
  params: string[]
  query: Array<[string, string]>
  body: { type: string | null; payload: string | null }
  credential: Credential
  garbage: string
  origin: 'none' | 'same' | 'other'
  flow: 'cookie' | 'token' | 'junk'
  forwardedFor: string | null
  ip: string
}

function request(): fc.Arbitrary<Fuzzed> {
  return fc.record({
    params: fc.array(pathValue, { minLength: 3, maxLength: 3 }),
    query,
    body,
    credential,
    garbage: headerText,
    origin: fc.constantFrom('none', 'same', 'other'),
    flow: fc.constantFrom('cookie', 'token', 'junk'),
    forwardedFor: fc.option(headerText),
    ip: fc.ipV4(),
  }) as fc.Arbitrary<Fuzzed>
}

// A segment as a client would send it: percent-encoded, or raw when it already looks encoded.
function encodeSegment(value: string): string {
  if (/^%|%[0-9A-F]{2}|^\.\.$/i.test(value)) return value
  return [...Buffer.from(value, 'utf8')]
    .map((byte) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).padStart(2, '0').toUpperCase()}`))
    .join('')
}

function toRequest(method: string, path: string, input: Fuzzed, session: string): Request {
  let index = 0
  const filled = path.replace(/:[A-Za-z]+/g, () => encodeSegment(input.params[index++] ?? ''))
  const search = input.query.length ? `?${input.query.map(([k, v]) => `${k}=${encodeSegment(v)}`).join('&')}` : ''
  const headers = new Headers()
  if (input.body.type) headers.set('content-type', input.body.type)
  if (input.flow === 'token') headers.set('x-auth-flow', 'token')
  if (input.flow === 'junk') headers.append('x-auth-flow', input.garbage)
  if (input.origin === 'same') headers.set('origin', ORIGIN)
  if (input.origin === 'other') headers.set('origin', 'https://evil.example')
  if (input.forwardedFor !== null) headers.set('x-forwarded-for', input.forwardedFor)
  switch (input.credential) {
    case 'bearer':
      headers.set('authorization', `Bearer ${session}`)
      break
    case 'cookie':
      headers.set('cookie', `portcullis_session=${session}`)
      break
    case 'cookie-with-origin':
      headers.set('cookie', `portcullis_session=${session}`)
      headers.set('origin', ORIGIN)
      break
    case 'admin':
      headers.set('authorization', `Bearer ${ADMIN_TOKEN}`)
      break
    case 'garbage-bearer':
      headers.append('authorization', `Bearer ${input.garbage}`)
      headers.append('authorization', input.garbage)
      break
    case 'garbage-cookie':
      headers.set('cookie', `portcullis_session=${input.garbage}; portcullis_session=%00; portcullis_trusted_device=${input.garbage}`)
      break
    case 'both-cookies':
      headers.set('cookie', `portcullis_session=${session}`)
      headers.set('authorization', `Bearer ${input.garbage}`)
      break
  }
  const hasBody = method !== 'GET' && method !== 'HEAD' && input.body.payload !== null
  return new Request(`${ORIGIN}${filled}${search}`, { method, headers, body: hasBody ? input.body.payload : null })
}

async function tableNames(store: Store): Promise<string[]> {
  const rows =
    store.dialect === 'postgres'
      ? (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(store.db)).rows
      : (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(store.db)).rows
  return rows.map((row) => row.name).filter((name) => !name.startsWith('kysely_') && !WRITTEN_BY_REFUSALS.has(name))
}

async function rowCounts(store: Store, tables: string[]): Promise<Record<string, number>> {
  const selects = tables.map((table) => sql`(select count(*) from ${sql.table(table)}) as ${sql.ref(table)}`)
  const { rows } = await sql<Record<string, number | string>>`select ${sql.join(selects)}`.execute(store.db)
  return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([table, count]) => [table, Number(count)]))
}

describe.each(dialects)('$name: every route, fuzzed', (dialect) => {
  let t: TestAuth
  let session: string
  let tables: string[]
  const sent = new Map<string, number>()
  beforeAll(async () => {
    t = await createTestAuth(dialect, { adminToken: ADMIN_TOKEN })
    session = (await t.signUp()).token
    tables = await tableNames(t.store)
  })
  afterAll(async () => {
    const lines = [...sent].map(([route, count]) => `  ${count.toString().padStart(4)}  ${route}`)
    const total = [...sent.values()].reduce((sum, count) => sum + count, 0)
    console.log(`${dialect.name}: ${total} fuzzed requests over ${sent.size} routes (${RUNS} per route)\n${lines.join('\n')}`)
    await t.close()
  })

  it('answers every request with a success or the contract error shape: never a 5xx, never a row written by a refusal', async () => {
    const routes = t.auth.routes()
    expect(routes.length).toBeGreaterThan(30)
    for (const { method, path } of routes) {
      const route = `${method} ${path}`
      await fc.assert(
        fc.asyncProperty(request(), async (input) => {
          const before = await rowCounts(t.store, tables)
          const response = await t.auth.handler(toRequest(method, path, input, session), { clientAddress: input.ip })
          sent.set(route, (sent.get(route) ?? 0) + 1)
          const text = await response.text()
          expect(response.status, `${route} answered ${response.status}: ${text.slice(0, 300)}`).toBeLessThan(500)
          if (response.status >= 400) {
            // The pages that mailed links open answer a person's form post with a page (API.md); everything else in the contract shape.
            if (response.headers.get('content-type')?.startsWith('text/html')) {
              expect(
                input.body.type === 'application/x-www-form-urlencoded' || input.body.type?.startsWith('multipart/form-data'),
                `${route}: an HTML error to a non-form request`,
              ).toBe(true)
            } else {
              const parsed = JSON.parse(text) as { error: { code: keyof typeof ERROR_STATUS; message: string } }
              expect(typeof parsed.error.message).toBe('string')
              expect(ERROR_STATUS[parsed.error.code], `${route}: ${text.slice(0, 200)}`).toBe(response.status)
            }
            expect(await rowCounts(t.store, tables), `${route} refused with ${response.status} but wrote`).toEqual(before)
          }
        }),
        { numRuns: RUNS, endOnFailure: true },
      )
    }
  }, 240_000)

  it('refuses a NUL in a path parameter before it reaches the store', async () => {
    for (const [method, path] of [
      ['POST', '/admin/users/%00/unlock'],
      ['GET', '/admin/users/%00/audit'],
      ['DELETE', '/sessions/%00'],
      ['GET', '/mfa/challenge/status?challenge=%00'],
    ] as const) {
      const response = await t.request(method, path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      expect(response.status, `${method} ${path}`).toBe(400)
      expect(response.body.error.code).toBe('invalid_request')
    }
  })
})
