import { decodeSecret, totpCodeAt } from '../../src/features/totp/index.js'
import { type ServerProcess, startServer } from './server-process.js'
import { type SmtpPeer, startSmtpPeer } from './smtp-peer.js'

export const PASSWORD = 'correct horse battery staple'
export const SECRET = 'compat-profiles-test-secret-'.padEnd(48, 'x')

/** A real `portcullis serve` with a real SMTP peer, started with the given environment. */
export interface CompatServer {
  server: ServerProcess
  smtp: SmtpPeer
  url: string
  /** The public URL the server believes it has: the CSRF origin and the base of mailed links. */
  origin: string
  stop(): Promise<void>
}

export async function startCompatServer(env: Record<string, string>): Promise<CompatServer> {
  const smtp = await startSmtpPeer()
  const origin = 'http://localhost:3000'
  const server = await startServer({ PORTCULLIS_SECRET: SECRET, SMTP_URL: smtp.url, PUBLIC_URL: origin, MFA_LOCKOUT_THRESHOLD: '2', ...env })
  return {
    server,
    smtp,
    url: server.url,
    origin,
    async stop() {
      await server.stop()
      await smtp.close()
    },
  }
}

export interface Answer {
  status: number
  headers: Headers
  text: string
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field against the documents
  body: any
}

/**
 * An HTTP client with a cookie jar, as `curl -b cookies.txt -c cookies.txt` or a browser's
 * `credentials: "include"` keeps one.
 */
export class Client {
  readonly jar = new Map<string, string>()
  constructor(readonly base: string) {}

  cookie(name: string): string | undefined {
    return this.jar.get(name)
  }

  async send(method: string, path: string, init: { headers?: Record<string, string>; body?: string | URLSearchParams } = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...init.headers }
    if (this.jar.size > 0) headers.cookie = [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ')
    const response = await fetch(`${this.base}${path}`, { method, headers, redirect: 'manual', ...(init.body === undefined ? {} : { body: init.body }) })
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';')
      const at = pair.indexOf('=')
      const name = pair.slice(0, at).trim()
      const value = pair.slice(at + 1).trim()
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute)) || value === ''
      if (expired) this.jar.delete(name)
      else this.jar.set(name, value)
    }
    const text = await response.text()
    let body: unknown = null
    if ((response.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text)
    return { status: response.status, headers: response.headers, text, body }
  }

  /** `fetch(path, { method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(json) })`. */
  json(method: string, path: string, json?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    return this.send(method, path, {
      headers: { 'content-type': 'application/json', ...headers },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    })
  }

  /** `curl -d "a=b"`, or `body: new URLSearchParams(...)`: a form post. */
  form(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
    return this.send('POST', path, {
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    })
  }
}

/**
 * An authenticator app for a base32 secret, on the real clock. The server never takes a step
 * twice, and accepts the next step early, so each call hands out the step after the last one.
 */
export function authenticator(base32: string) {
  const secret = decodeSecret(base32)
  let last = -Infinity
  return {
    async next(): Promise<string> {
      // Within a second of a step's end the server may already be in the next step; wait it out.
      while (Date.now() % 30_000 > 29_000) await new Promise((resolve) => setTimeout(resolve, 100))
      const now = Math.floor(Date.now() / 1000)
      const step = Math.max(last + 1, Math.floor(now / 30) - 1)
      if (step > Math.floor(now / 30) + 1) throw new Error('no fresh TOTP step left in the accepted window; use another user')
      last = step
      return totpCodeAt(secret, step * 30)
    },
    /** Six digits that none of the accepted steps around now produces. */
    wrong(): string {
      const now = Math.floor(Date.now() / 1000)
      const near = new Set([-2, -1, 0, 1, 2].map((offset) => totpCodeAt(secret, now + offset * 30)))
      let candidate = 111111
      while (near.has(String(candidate))) candidate++
      return String(candidate)
    },
  }
}

/** Signs a user up through the native API in the token flow; returns the bearer token. */
export async function nativeSignUp(server: CompatServer, basePath: string, email: string): Promise<{ token: string; userId: string }> {
  const client = new Client(server.url)
  const answer = await client.json('POST', `${basePath}/signup`, { email, password: PASSWORD }, { 'x-auth-flow': 'token' })
  if (answer.status !== 201) throw new Error(`sign-up failed: ${answer.status} ${answer.text}`)
  return { token: answer.body.token, userId: answer.body.user.id }
}

/** The six-digit code in a mail's text. */
export function codeInMail(text: string): string {
  const code = /Your code: (\d{6})\b/.exec(text)?.[1]
  if (!code) throw new Error(`no code in mail:\n${text}`)
  return code
}
