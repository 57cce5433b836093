import { pino } from 'pino'
import type { AuthOptions } from '../../src/config/options.js'
import { type Auth, createAuth } from '../../src/create-auth.js'
import { openStore, type Store } from '../../src/store/store.js'
import { createFixedClock, createMemoryMailer, type FixedClock, type MemoryMailer } from '../../src/testing.js'
import type { DialectCase } from './dialects.js'

export const BASE = 'http://localhost:3000/api/auth'
export const ORIGIN = 'http://localhost:3000'
export const STRONG_PASSWORD = 'correct horse battery staple'

export interface RequestInit {
  body?: unknown
  form?: Record<string, string>
  headers?: Record<string, string>
  /** A session token sent as a bearer header. */
  token?: string
  /** A cookie header value, e.g. from `sessionCookie(response)`. */
  cookie?: string
  ip?: string
}

export interface TestResponse {
  status: number
  headers: Headers
  body: any
  /** Set-Cookie values as name=value pairs, ready to send back. */
  cookies: Record<string, string>
}

export interface TestAuth {
  auth: Auth
  clock: FixedClock
  mailbox: MemoryMailer
  /** A second connection to the same database, for asserting on state the API does not show. */
  store: Store
  request(method: string, path: string, init?: RequestInit): Promise<TestResponse>
  /** Signs a new user up in the token flow; returns the user and the session token. */
  signUp(email?: string, password?: string): Promise<{ user: any; token: string; email: string; password: string }>
  /** Password sign-in in the token flow; returns the raw response. */
  signIn(email: string, password?: string, headers?: Record<string, string>): Promise<TestResponse>
  close(): Promise<void>
}

let counter = 0

/**
 * A fresh Portcullis on a fresh database of the given dialect, with a fixed clock and an in-memory
 * mailbox — or real SMTP delivery when `options.smtpUrl` is given (the mailbox then stays empty).
 */
export async function createTestAuth(dialect: DialectCase, options: AuthOptions = {}): Promise<TestAuth> {
  const database = await dialect.create()
  const clock = createFixedClock(new Date())
  const mailbox = createMemoryMailer()
  // With `smtpUrl` the real SMTP mailer delivers (e.g. to test/support/smtp-peer.ts); otherwise the mailbox collects.
  const mailer = options.smtpUrl ? {} : { mailer: mailbox }
  // Tests sign many users up from one address; the sign-up limit has its own tests.
  const signupRateLimit = { limit: 10_000, windowSeconds: 3600 }
  const auth = createAuth({ databaseUrl: database.url, clock, ...mailer, logger: pino({ level: 'silent' }), signupRateLimit, ...options })
  await database.migrate(() => auth.migrate())
  const store = openStore(database.url)

  async function request(method: string, path: string, init: RequestInit = {}): Promise<TestResponse> {
    const headers: Record<string, string> = { ...init.headers }
    let body: string | undefined
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      body = new URLSearchParams(init.form).toString()
    } else if (init.body !== undefined) {
      headers['content-type'] ??= 'application/json'
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body)
    }
    if (init.token) headers.authorization = `Bearer ${init.token}`
    if (init.cookie) headers.cookie = init.cookie
    const response = await auth.handler(new Request(`${BASE}${path}`, { method, headers, body }), { clientAddress: init.ip ?? '127.0.0.1' })
    const text = await response.text()
    const cookies: Record<string, string> = {}
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const [name, ...value] = (pair ?? '').split('=')
      if (name) cookies[name] = value.join('=')
    }
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {}
    return { status: response.status, headers: response.headers, body: parsed, cookies }
  }

  async function signUp(email = `user${++counter}-${Date.now()}@example.com`, password = STRONG_PASSWORD) {
    const response = await request('POST', '/signup', { body: { email, password }, headers: { 'x-auth-flow': 'token' } })
    if (response.status !== 201) throw new Error(`sign-up failed: ${response.status} ${JSON.stringify(response.body)}`)
    return { user: response.body.user, token: response.body.token as string, email, password }
  }

  function signIn(email: string, password = STRONG_PASSWORD, headers: Record<string, string> = {}) {
    return request('POST', '/login', { body: { email, password }, headers: { 'x-auth-flow': 'token', ...headers } })
  }

  return {
    auth,
    clock,
    mailbox,
    store,
    request,
    signUp,
    signIn,
    async close() {
      await store.close()
      await auth.close()
      await database.drop()
    },
  }
}
