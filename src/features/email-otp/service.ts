import type { Clock } from '../../clock.js'
import type { Keyring } from '../../crypto/keys.js'
import type { Random } from '../../crypto/random.js'
import { safeEqual } from '../../crypto/token.js'
import { PortcullisError } from '../../errors.js'
import { emailCodeMessage } from '../../mail/messages.js'
import type { Outbox } from '../../mail/outbox.js'
import type { RequestContext } from '../../request-context.js'
import type { OneTimeTokenRow } from '../../store/database.js'
import { consumeOnce, countWrongGuess, findNewestLiveToken, replaceToken, type TokenPurpose } from '../../store/one-time-tokens.js'
import type { Store } from '../../store/store.js'
import { findUserByEmail, findUserById, markEmailVerified, normalizeEmail } from '../accounts/index.js'
import type { LockoutService } from '../lockout/index.js'
import { codeOf, type Factor, type FactorResult } from '../mfa/index.js'

export interface EmailOtpDeps {
  store: Store
  clock: Clock
  random: Random
  keyring: Keyring
  outbox: Outbox
  lockout: LockoutService
  options: { otpTtlSeconds: number; totpIssuer: string; requireVerifiedEmailForOtp: boolean }
}

// API.md: at most 3 sends per email per 10 minutes; 5 wrong tries per email per 10 minutes, across codes.
export const OTP_SENDS_PER_WINDOW = 3
export const OTP_WRONG_PER_WINDOW = 5
const WINDOW_SECONDS = 600
const ADDRESS_SENDS_PER_WINDOW = 30

/** Six-digit codes by email: passwordless sign-in, and a second factor bound to one challenge. */
export function createEmailOtpService(deps: EmailOtpDeps) {
  const now = () => deps.clock.now().getTime()
  const hashCode = (purpose: TokenPurpose, email: string, code: string) => deps.keyring.hmac('email-otp', `${purpose}:${email}:${code}`)

  async function assertSendAllowed(email: string, context: RequestContext): Promise<void> {
    await deps.lockout.consume(`otp-send:email:${email}`, OTP_SENDS_PER_WINDOW, WINDOW_SECONDS)
    if (context.ip) await deps.lockout.consume(`otp-send:ip:${context.ip}`, ADDRESS_SENDS_PER_WINDOW, WINDOW_SECONDS)
  }

  async function mint(purpose: TokenPurpose, email: string, userId: string, challengeId: string | null): Promise<string> {
    const code = deps.random.digits(6)
    const row: OneTimeTokenRow = {
      id: deps.random.id(),
      purpose,
      user_id: userId,
      email,
      token_hash: hashCode(purpose, email, code),
      challenge_id: challengeId,
      data: null,
      attempts: 0,
      created_at: now(),
      expires_at: now() + deps.options.otpTtlSeconds * 1000,
      used_at: null,
    }
    await replaceToken(deps.store, row)
    return code
  }

  /**
   * Emails a sign-in code; unknown emails get the same answer and no mail.
   * @throws too_many_requests past the send limit (for known and unknown emails alike)
   */
  async function send(rawEmail: string, context: RequestContext): Promise<void> {
    deps.outbox.assertCapacity()
    const email = normalizeEmail(rawEmail)
    await assertSendAllowed(email, context)
    const user = await findUserByEmail(deps.store, email)
    if (!user || (deps.options.requireVerifiedEmailForOtp && user.email_verified_at === null)) return
    const code = await mint('email_otp', email, user.id, null)
    deps.outbox.send(emailCodeMessage(deps.options.totpIssuer, email, code, deps.options.otpTtlSeconds, false))
  }

  /** Emails a second-factor code bound to one challenge. @throws too_many_requests */
  async function sendForChallenge(userId: string, challengeId: string, context: RequestContext): Promise<void> {
    deps.outbox.assertCapacity()
    const user = await findUserById(deps.store, userId)
    if (!user) return
    await assertSendAllowed(user.email, context)
    const code = await mint('mfa_email_otp', user.email, user.id, challengeId)
    deps.outbox.send(emailCodeMessage(deps.options.totpIssuer, user.email, code, deps.options.otpTtlSeconds, true))
  }

  /**
   * Emails a code to a signed-in user's verified address, to confirm the mailbox from a session.
   * @throws invalid_request (no verified address), too_many_requests
   */
  async function sendToUser(userId: string, context: RequestContext): Promise<void> {
    const user = await findUserById(deps.store, userId)
    if (!user?.email_verified_at) {
      throw new PortcullisError('invalid_request', 'Verify the email address before asking for a code by email', {
        details: [{ field: 'email', message: 'not verified' }],
      })
    }
    await assertSendAllowed(user.email, context)
    const code = await mint('signed_in_email_otp', user.email, user.id, null)
    deps.outbox.send(emailCodeMessage(deps.options.totpIssuer, user.email, code, deps.options.otpTtlSeconds, true))
  }

  /**
   * Checks a code sent by sendToUser; a try comes out of the user's code budget first, as for
   * every second-factor code, and a right code gives it back.
   * @throws invalid_code, too_many_requests
   */
  async function verifyForUser(userId: string, code: string): Promise<void> {
    const user = await findUserById(deps.store, userId)
    if (!user) throw new PortcullisError('invalid_code', 'The code is wrong, expired or already used')
    await deps.lockout.takeCodeTry(userId)
    if (!(await check('signed_in_email_otp', user.email, code))) throw new PortcullisError('invalid_code', 'The code is wrong, expired or already used')
    await deps.lockout.returnCodeTry(userId)
  }

  /** Checks a code against the newest live one and spends it on success; wrong guesses count toward its limit. */
  async function check(purpose: TokenPurpose, email: string, code: string, challengeId?: string): Promise<OneTimeTokenRow | null> {
    const row = await findNewestLiveToken(deps.store, purpose, email, now(), challengeId)
    const typed = code.replace(/\s+/g, '')
    const candidate = /^\d{6}$/.test(typed) ? hashCode(purpose, email, typed) : ''
    if (!row || !safeEqual(candidate, row.token_hash)) {
      if (row) await countWrongGuess(deps.store, row.id, OTP_WRONG_PER_WINDOW, now())
      return null
    }
    return (await consumeOnce(deps.store.db, purpose, row.token_hash, now())) ?? null
  }

  /**
   * Passwordless sign-in: the user whose code this is.
   * @throws invalid_code, too_many_requests (5 tries per email per 10 minutes, however many codes were sent)
   */
  async function verify(rawEmail: string, code: string): Promise<{ userId: string }> {
    const email = normalizeEmail(rawEmail)
    // A try is counted, in one atomic write, before its code is compared: counting only after a
    // wrong answer let every request of a concurrent burst be compared. A right code spends a try
    // too (at most three do per window: one per sent code).
    await deps.lockout.consume(`otp-tries:email:${email}`, OTP_WRONG_PER_WINDOW, WINDOW_SECONDS)
    const user = await findUserByEmail(deps.store, email)
    if (user) await deps.lockout.takeCodeTry(user.id)
    const row = await check('email_otp', email, code)
    if (!row?.user_id) throw new PortcullisError('invalid_code', 'The code is wrong, expired or already used')
    await deps.lockout.returnCodeTry(row.user_id)
    // The code reached the mailbox and came back: the address is proven.
    await markEmailVerified(deps.store, row.user_id, now())
    return { userId: row.user_id }
  }

  const factor: Factor = {
    method: 'email_otp',
    isEnrolled: async () => true,
    async verify(userId, input, challengeId): Promise<FactorResult> {
      const code = codeOf(input)
      const user = await findUserById(deps.store, userId)
      if (!user || challengeId === undefined || code === null) return { ok: false }
      return { ok: (await check('mfa_email_otp', user.email, code, challengeId)) !== null }
    },
  }

  return { send, sendForChallenge, sendToUser, verifyForUser, verify, factor }
}

export type EmailOtpService = ReturnType<typeof createEmailOtpService>
