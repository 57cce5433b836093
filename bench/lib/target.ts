import { totpCodeAt } from '../../src/features/totp/index.js'
import type { ServerProcess } from './child.js'
import type { Http, Outcome } from './load.js'

/** A seeded account and what the bench knows of it. */
export interface BenchUser {
  email: string
  password: string
  /** A Cookie header value carrying a live session. */
  cookie: string
  totpSecret?: Uint8Array
  /** The last TOTP time step this user spent: a code is never used twice (no replay). */
  lastStep?: number
}

export interface StartOptions {
  /** `sqlite:/tmp/...` or `postgres://...` (already pointing at a fresh schema). */
  databaseUrl: string
  port: number
  secret: string
  /** Where the server writes a CPU profile of each measured window, if it can. */
  profileDir?: string
  /** Server processes; targets without a cluster mode ignore it. */
  workers?: number
}

/** One server implementation, driven through its own HTTP API. */
export interface Target {
  name: string
  version: string
  /** True when the server answers the bench's profiling messages (see --profile). */
  profiles: boolean
  start(options: StartOptions): Promise<ServerProcess>
  /** Creates an account and returns it with a session cookie; throws when the server refuses. */
  signUp(http: Http, email: string, password: string): Promise<BenchUser>
  /** The session check every protected request of an app makes. */
  checkSession(http: Http, user: BenchUser): Promise<Outcome>
  /** Password sign-in of a user without a second factor; ok only with a session in the answer. */
  signIn(http: Http, user: BenchUser): Promise<Outcome>
  /** Account creation, measured (a fresh email each time). */
  signUpOutcome(http: Http, email: string, password: string): Promise<Outcome>
  /** Turns TOTP on for a seeded user, confirming it with a code as an app would. */
  enrolTotp(http: Http, user: BenchUser): Promise<void>
  /**
   * Password, then the TOTP code: ok only when a full (second-factor) session comes back. The code
   * is asked for once the challenge is there, so it is as fresh as an app's would be.
   */
  mfaSignIn(http: Http, user: BenchUser, code: () => string | null): Promise<Outcome>
}

export const TOTP_PERIOD_SECONDS = 30

export function currentStep(): number {
  return Math.floor(Date.now() / 1000 / TOTP_PERIOD_SECONDS)
}

// The current step or the next: servers accept the previous one too, but a code computed for it
// would expire if the step rolls over before the server checks it.
function unspentStep(user: BenchUser): number | null {
  const now = currentStep()
  return [now, now + 1].find((step) => step > (user.lastStep ?? Number.NEGATIVE_INFINITY)) ?? null
}

/** True when the user has a TOTP step left that a server would still accept. */
export function hasFreshCode(user: BenchUser): boolean {
  return user.totpSecret !== undefined && unspentStep(user) !== null
}

/** The code of the earliest step this user has not spent, which is then spent: a code is never reused. */
export function freshCode(user: BenchUser): string | null {
  const step = user.totpSecret ? unspentStep(user) : null
  if (step === null || !user.totpSecret) return null
  user.lastStep = step
  return totpCodeAt(user.totpSecret, step * TOTP_PERIOD_SECONDS)
}

export const BENCH_PASSWORD = 'bench-Passw0rd-correct-horse-staple'

/** Fails the outcome with the status as its reason unless `expected`. */
export function outcomeOf(kind: string, status: number, expected: number, extraCheck = true): Outcome {
  if (status === expected && extraCheck) return { kind, ok: true }
  return { kind, ok: false, reason: status === expected ? `${status} (unexpected body)` : String(status) }
}
