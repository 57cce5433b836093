import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { decodeSecret } from '../../src/features/totp/index.js'
import { REPO_ROOT, spawnServer } from './child.js'
import { cookiesOf, type Http } from './load.js'
import { type BenchUser, freshCode, outcomeOf, type StartOptions, type Target } from './target.js'

const API = '/api/auth'
const PEER_DIR = `${REPO_ROOT}bench/peers/better-auth`
const SESSION_COOKIE = 'better-auth.session_token'
const TWO_FACTOR_COOKIE = 'better-auth.two_factor'

/** Installs the peer from its own lockfile on first use, so the project's install stays lean. */
export function ensurePeerInstalled(log: (line: string) => void): void {
  if (existsSync(`${PEER_DIR}/node_modules/better-auth/package.json`)) return
  log('installing bench/peers/better-auth (npm ci, first use only)…')
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefix', PEER_DIR], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 })
}

/** better-auth with its twoFactor plugin, served from bench/peers/better-auth/server.mjs. */
export function betterAuthTarget(): Target {
  let origin = ''
  const version = existsSync(`${PEER_DIR}/node_modules/better-auth/package.json`)
    ? (JSON.parse(readFileSync(`${PEER_DIR}/node_modules/better-auth/package.json`, 'utf8')) as { version: string }).version
    : 'not installed'

  function sessionCookieOf(response: Parameters<typeof cookiesOf>[0]): string | null {
    const value = cookiesOf(response)[SESSION_COOKIE]
    return value ? `${SESSION_COOKIE}=${value}` : null
  }

  async function signUpRaw(http: Http, email: string, password: string) {
    return http.request({ method: 'POST', path: `${API}/sign-up/email`, headers: { origin }, json: { email, password, name: 'Bench' } })
  }

  async function signInRaw(http: Http, user: BenchUser) {
    return http.request({ method: 'POST', path: `${API}/sign-in/email`, headers: { origin }, json: { email: user.email, password: user.password } })
  }

  return {
    name: 'better-auth',
    version,
    profiles: false,
    async start({ databaseUrl, port, secret }: StartOptions) {
      origin = `http://127.0.0.1:${port}`
      return spawnServer({
        name: 'better-auth',
        script: 'bench/peers/better-auth/server.mjs',
        env: { NODE_ENV: 'production', DATABASE_URL: databaseUrl, PORT: String(port), BETTER_AUTH_SECRET: secret, BETTER_AUTH_TELEMETRY: '0' },
      })
    },
    async signUp(http, email, password) {
      const response = await signUpRaw(http, email, password)
      const cookie = sessionCookieOf(response)
      if (response.status !== 200 || !cookie) throw new Error(`sign-up ${response.status}: ${response.text}`)
      return { email, password, cookie }
    },
    async checkSession(http, user) {
      const response = await http.request({ method: 'GET', path: `${API}/get-session`, headers: { cookie: user.cookie } })
      // better-auth answers 200 with `null` when there is no session.
      return outcomeOf('session', response.status, 200, response.text.startsWith('{'))
    },
    async signIn(http, user) {
      const response = await signInRaw(http, user)
      return outcomeOf('sign-in', response.status, 200, response.text.includes('"token"'))
    },
    async signUpOutcome(http, email, password) {
      const response = await signUpRaw(http, email, password)
      return outcomeOf('sign-up', response.status, 200, sessionCookieOf(response) !== null)
    },
    async enrolTotp(http, user) {
      const enabled = await http.request({
        method: 'POST',
        path: `${API}/two-factor/enable`,
        headers: { origin, cookie: user.cookie },
        json: { password: user.password },
      })
      if (enabled.status !== 200) throw new Error(`two-factor/enable ${enabled.status}: ${enabled.text}`)
      const { totpURI } = JSON.parse(enabled.text) as { totpURI: string }
      user.totpSecret = decodeSecret(new URL(totpURI).searchParams.get('secret') ?? '')
      const verified = await http.request({
        method: 'POST',
        path: `${API}/two-factor/verify-totp`,
        headers: { origin, cookie: user.cookie },
        json: { code: freshCode(user) },
      })
      if (verified.status !== 200) throw new Error(`two-factor/verify-totp ${verified.status}: ${verified.text}`)
      // Turning 2FA on replaces the session.
      user.cookie = sessionCookieOf(verified) ?? user.cookie
    },
    async mfaSignIn(http, user, code) {
      const first = await signInRaw(http, user)
      const pending = cookiesOf(first)[TWO_FACTOR_COOKIE]
      if (first.status !== 200 || !pending) return outcomeOf('mfa-sign-in', first.status, 200, false)
      const value = code()
      if (!value) return { kind: 'mfa-sign-in', ok: false, reason: 'no fresh TOTP step' }
      const second = await http.request({
        method: 'POST',
        path: `${API}/two-factor/verify-totp`,
        headers: { origin, cookie: `${TWO_FACTOR_COOKIE}=${pending}` },
        json: { code: value },
      })
      return outcomeOf('mfa-sign-in', second.status, 200, sessionCookieOf(second) !== null)
    },
  }
}
