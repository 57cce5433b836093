import { readFileSync } from 'node:fs'
import { decodeSecret } from '../../src/features/totp/index.js'
import { REPO_ROOT, spawnServer } from './child.js'
import type { Http } from './load.js'
import { freshCode, outcomeOf, type StartOptions, type Target } from './target.js'

const API = '/api/auth'

/** Portcullis, as `portcullis serve` runs it (src/server), configured through the environment. */
export function portcullisTarget(): Target {
  let origin = ''
  // A sign-in from a script: the token flow (no cookie, token in the body), with a browser-like Origin.
  const tokenFlow = () => ({ 'x-auth-flow': 'token', origin })
  const version = (JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as { version: string }).version

  async function signUpRaw(http: Http, email: string, password: string) {
    return http.request({ method: 'POST', path: `${API}/signup`, headers: tokenFlow(), json: { email, password } })
  }

  return {
    name: 'portcullis',
    version,
    profiles: true,
    async start({ databaseUrl, port, secret, profileDir, workers }: StartOptions) {
      origin = `http://127.0.0.1:${port}`
      return spawnServer({
        name: 'portcullis',
        script: 'bench/servers/portcullis.ts',
        env: {
          NODE_ENV: 'production',
          DATABASE_URL: databaseUrl,
          PORT: String(port),
          HOST: '127.0.0.1',
          PUBLIC_URL: origin,
          PORTCULLIS_SECRET: secret,
          // Every bench request comes from 127.0.0.1; only failures count towards a lock, and the
          // bench sends none, but the highest allowed threshold keeps a stray one from refusing the run.
          MFA_LOCKOUT_THRESHOLD: '1000',
          // The bench signs its whole user pool up from 127.0.0.1.
          SIGNUP_RATE_LIMIT: '1000000/1h',
          // Mail goes to the log without SMTP; the log level keeps it (and request noise) out of the run.
          LOG_LEVEL: 'warn',
          ...(profileDir ? { BENCH_PROFILE_DIR: profileDir } : {}),
          // To compare shedding with queueing everything: HASH_QUEUE_LIMIT=1000000 npm run bench -- --only overload
          ...(process.env.HASH_QUEUE_LIMIT ? { HASH_QUEUE_LIMIT: process.env.HASH_QUEUE_LIMIT } : {}),
          ...(workers && workers > 1 ? { BENCH_WORKERS: String(workers) } : {}),
        },
      })
    },
    async signUp(http, email, password) {
      const response = await signUpRaw(http, email, password)
      if (response.status !== 201) throw new Error(`signup ${response.status}: ${response.text}`)
      const { token } = JSON.parse(response.text) as { token: string }
      return { email, password, cookie: `portcullis_session=${token}` }
    },
    async checkSession(http, user) {
      const response = await http.request({ method: 'GET', path: `${API}/session`, headers: { cookie: user.cookie } })
      return outcomeOf('session', response.status, 200)
    },
    async signIn(http, user) {
      const response = await http.request({ method: 'POST', path: `${API}/login`, headers: tokenFlow(), json: { email: user.email, password: user.password } })
      return outcomeOf('sign-in', response.status, 200, response.text.includes('"token"'))
    },
    async signUpOutcome(http, email, password) {
      const response = await signUpRaw(http, email, password)
      return outcomeOf('sign-up', response.status, 201, response.text.includes('"token"'))
    },
    async enrolTotp(http, user) {
      const bearer = { authorization: `Bearer ${user.cookie.slice('portcullis_session='.length)}` }
      const enrolled = await http.request({ method: 'POST', path: `${API}/mfa/totp/enroll`, headers: bearer, json: {} })
      if (enrolled.status !== 200) throw new Error(`enroll ${enrolled.status}: ${enrolled.text}`)
      const { enrollmentId, secret } = JSON.parse(enrolled.text) as { enrollmentId: string; secret: string }
      user.totpSecret = decodeSecret(secret)
      const confirmed = await http.request({ method: 'POST', path: `${API}/mfa/totp/confirm`, headers: bearer, json: { enrollmentId, code: freshCode(user) } })
      if (confirmed.status !== 200) throw new Error(`confirm ${confirmed.status}: ${confirmed.text}`)
    },
    async mfaSignIn(http, user, code) {
      const first = await http.request({ method: 'POST', path: `${API}/login`, headers: tokenFlow(), json: { email: user.email, password: user.password } })
      if (first.status !== 200) return outcomeOf('mfa-sign-in', first.status, 200)
      const { challenge } = JSON.parse(first.text) as { challenge?: string }
      if (!challenge) return { kind: 'mfa-sign-in', ok: false, reason: 'no challenge' }
      const value = code()
      if (!value) return { kind: 'mfa-sign-in', ok: false, reason: 'no fresh TOTP step' }
      const second = await http.request({ method: 'POST', path: `${API}/mfa/verify`, headers: tokenFlow(), json: { challenge, method: 'totp', code: value } })
      return outcomeOf('mfa-sign-in', second.status, 200, second.text.includes('"token"'))
    },
  }
}
