import type { Clock } from '../../clock.js'
import type { Keyring } from '../../crypto/keys.js'
import type { Random } from '../../crypto/random.js'
import { open, seal } from '../../crypto/secretbox.js'
import { safeEqual } from '../../crypto/token.js'
import { PortcullisError } from '../../errors.js'
import { isUniqueViolation } from '../../store/errors.js'
import type { Executor, Store } from '../../store/store.js'
import { codeOf, type Factor, type FactorResult } from '../mfa/index.js'
import { matchTotpStep, withoutSpaces } from './code-match.js'
import { encodeSecret, otpauthUri, qrCodeDataUri } from './enrollment-uri.js'
import * as queries from './store.js'

export interface TotpDeps {
  store: Store
  clock: Clock
  random: Random
  keyring: Keyring
  options: { totpIssuer: string }
}

export interface TotpEnrollment {
  enrollmentId: string
  secret: string
  otpauthUri: string
  qrCode: string
}

// RFC 4226 §4 asks for at least 128 bits and recommends 160: the length of an HMAC-SHA-1 key.
const SECRET_BYTES = 20
const PENDING_TTL_MS = 15 * 60_000

export function createTotpService(deps: TotpDeps) {
  const sealContext = (userId: string) => `totp:${userId}`
  const unixSeconds = () => Math.floor(deps.clock.now().getTime() / 1000)

  function openSecret(userId: string, sealed: string): Uint8Array {
    const secret = open(deps.keyring, 'totp-secret', sealed, sealContext(userId))
    if (!secret) throw new Error('A TOTP secret could not be decrypted: was PORTCULLIS_SECRET changed without keeping the old one?')
    return secret
  }

  /** Starts an enrolment: a new secret, pending until confirmed with a code from it. */
  async function enroll(userId: string, account: string, issuer = deps.options.totpIssuer): Promise<TotpEnrollment> {
    const secret = deps.random.bytes(SECRET_BYTES)
    const now = deps.clock.now().getTime()
    const enrollmentId = deps.random.id()
    await queries.insertPendingFactor(deps.store, {
      id: enrollmentId,
      user_id: userId,
      secret_sealed: seal(deps.keyring, 'totp-secret', secret, sealContext(userId)),
      status: 'pending',
      last_used_step: null,
      created_at: now,
      confirmed_at: null,
      last_used_at: null,
      expires_at: now + PENDING_TTL_MS,
    })
    const uri = otpauthUri(issuer, account, secret)
    return { enrollmentId, secret: encodeSecret(secret), otpauthUri: uri, qrCode: await qrCodeDataUri(uri) }
  }

  /** A pending enrolment shown again (QR code and secret), e.g. after a mistyped confirmation code; null once confirmed or expired. */
  async function showPending(userId: string, enrollmentId: string, account: string, issuer = deps.options.totpIssuer): Promise<TotpEnrollment | null> {
    const pending = await queries.findPendingFactor(deps.store, userId, enrollmentId, deps.clock.now().getTime())
    if (!pending) return null
    const secret = openSecret(userId, pending.secret_sealed)
    const uri = otpauthUri(issuer, account, secret)
    return { enrollmentId, secret: encodeSecret(secret), otpauthUri: uri, qrCode: await qrCodeDataUri(uri) }
  }

  /**
   * Activates a pending enrolment with a code from its secret; that code is spent. `alongside`
   * writes in the activation's transaction: both are stored, or neither.
   * @throws invalid_code (wrong code, or no such pending enrolment), conflict (a TOTP factor is already active)
   */
  async function confirm(userId: string, enrollmentId: string, code: string, alongside?: (db: Executor) => Promise<void>): Promise<void> {
    const now = deps.clock.now().getTime()
    const pending = await queries.findPendingFactor(deps.store, userId, enrollmentId, now)
    if (!pending) throw new PortcullisError('invalid_code', 'The enrolment is unknown or expired; start again')
    if (await queries.findActiveFactor(deps.store, userId)) throw new PortcullisError('conflict', 'An authenticator app is already active; disable it first')
    const match = matchTotpStep(openSecret(userId, pending.secret_sealed), withoutSpaces(code), unixSeconds())
    if (!match || !('step' in match)) {
      throw new PortcullisError('invalid_code', 'The code is not valid', match ? { details: [{ reason: 'clock_skew' }] } : {})
    }
    let activated: boolean
    try {
      activated = await queries.activateFactor(deps.store, pending.id, match.step, now, alongside)
    } catch (error) {
      // The partial unique index refused a second active factor confirmed at the same moment.
      if (isUniqueViolation(error)) throw new PortcullisError('conflict', 'An authenticator app is already active', { cause: error })
      throw error
    }
    if (!activated) throw new PortcullisError('invalid_code', 'The enrolment is unknown or expired; start again')
  }

  /** The id of the user's pending enrolment; with `secret` (base32), only when it is that enrolment's secret. */
  async function pendingEnrollmentId(userId: string, secret?: string): Promise<string | null> {
    const pending = await queries.findNewestPendingFactor(deps.store, userId, deps.clock.now().getTime())
    if (!pending) return null
    if (secret === undefined) return pending.id
    const expected = encodeSecret(openSecret(userId, pending.secret_sealed))
    return safeEqual(secret.replace(/\s+/g, '').toUpperCase(), expected) ? pending.id : null
  }

  /** Checks a code against the active factor; a code's step is accepted once and never again. */
  async function verify(userId: string, code: string): Promise<FactorResult> {
    const factor = await queries.findActiveFactor(deps.store, userId)
    if (!factor) return { ok: false }
    const match = matchTotpStep(openSecret(userId, factor.secret_sealed), withoutSpaces(code), unixSeconds())
    if (!match) return { ok: false }
    if (!('step' in match)) return { ok: false, reason: 'clock_skew' }
    // A replayed code loses this conditional write and counts as a wrong code.
    const fresh = await queries.advanceStep(deps.store, factor.id, match.step, deps.clock.now().getTime())
    return fresh ? { ok: true } : { ok: false }
  }

  async function isEnrolled(userId: string): Promise<boolean> {
    return (await queries.findActiveFactor(deps.store, userId)) !== undefined
  }

  async function describe(userId: string): Promise<{ id: string; createdAt: string; lastUsedAt: string | null } | null> {
    const factor = await queries.findActiveFactor(deps.store, userId)
    if (!factor) return null
    return {
      id: factor.id,
      createdAt: new Date(Number(factor.confirmed_at ?? factor.created_at)).toISOString(),
      lastUsedAt: factor.last_used_at === null ? null : new Date(Number(factor.last_used_at)).toISOString(),
    }
  }

  const factor: Factor = {
    method: 'totp',
    isEnrolled,
    verify: async (userId, input) => {
      const code = codeOf(input)
      return code === null ? { ok: false } : verify(userId, code)
    },
  }

  return {
    factor,
    enroll,
    showPending,
    confirm,
    verify,
    isEnrolled,
    describe,
    pendingEnrollmentId,
    /** Removes the user's unconfirmed enrolment, never an active factor; returns how many. */
    removePending: (userId: string) => queries.deletePendingFactors(deps.store, userId),
    /** Removes every TOTP factor of the user, pending ones included; returns how many. */
    remove: (userId: string) => queries.deleteFactors(deps.store, userId),
  }
}

export type TotpService = ReturnType<typeof createTotpService>
