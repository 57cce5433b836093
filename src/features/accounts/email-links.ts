import type { Clock } from '../../clock.js'
import { hashPassword, withPasswordHashing } from '../../crypto/password.js'
import type { Random } from '../../crypto/random.js'
import { hashToken } from '../../crypto/token.js'
import { PortcullisError } from '../../errors.js'
import { mailedLink } from '../../mail/links.js'
import { passwordResetMessage, verifyEmailMessage } from '../../mail/messages.js'
import type { Outbox } from '../../mail/outbox.js'
import type { RequestContext } from '../../request-context.js'
import type { UserRow } from '../../store/database.js'
import { consumeOnce, findLiveToken, replaceToken, type TokenPurpose } from '../../store/one-time-tokens.js'
import type { Store } from '../../store/store.js'
import type { AuditService } from '../audit/index.js'
import type { LockoutService } from '../lockout/index.js'
import type { MfaService } from '../mfa/index.js'
import type { SessionService } from '../sessions/index.js'
import { checkPassword, normalizePassword, type PasswordPolicyOptions } from './password-policy.js'
import * as queries from './store.js'
import { normalizeEmail } from './types.js'

export interface EmailLinkDeps {
  store: Store
  clock: Clock
  random: Random
  outbox: Outbox
  audit: AuditService
  lockout: LockoutService
  sessions: SessionService
  mfa: MfaService
  options: PasswordPolicyOptions & { publicUrl: string; totpIssuer: string }
}

export const RESET_TTL_SECONDS = 30 * 60
export const VERIFY_TTL_SECONDS = 24 * 3600
const RESETS_PER_WINDOW = 3
const WINDOW_SECONDS = 600

/** Emailed links that prove a mailbox: address verification and password reset. */
export function createEmailLinkService(deps: EmailLinkDeps) {
  const now = () => deps.clock.now().getTime()
  const pageUrl = (path: string, token: string) => mailedLink(deps.options.publicUrl, path, token)

  async function mint(purpose: TokenPurpose, user: UserRow, ttlSeconds: number): Promise<string> {
    const token = deps.random.token()
    await replaceToken(deps.store, {
      id: deps.random.id(),
      purpose,
      user_id: user.id,
      email: user.email,
      token_hash: hashToken(token),
      challenge_id: null,
      data: null,
      attempts: 0,
      created_at: now(),
      expires_at: now() + ttlSeconds * 1000,
      used_at: null,
    })
    return token
  }

  /** Spends a live token once. @throws invalid_code */
  async function spend(purpose: TokenPurpose, token: string) {
    const row = await consumeOnce(deps.store.db, purpose, hashToken(token), now())
    if (!row?.user_id) {
      throw new PortcullisError('invalid_code', 'The link is invalid, expired or already used')
    }
    return row as typeof row & { user_id: string }
  }

  /** Mails a verification link unless the address is already verified. */
  async function sendVerification(userId: string): Promise<void> {
    const user = await queries.findUserById(deps.store, userId)
    if (!user || user.email_verified_at !== null) return
    const token = await mint('email_verify', user, VERIFY_TTL_SECONDS)
    deps.outbox.send(verifyEmailMessage(deps.options.totpIssuer, user.email, pageUrl('/email/verify', token), VERIFY_TTL_SECONDS))
  }

  /** @throws invalid_code */
  async function verifyEmail(token: string): Promise<void> {
    const row = await spend('email_verify', token)
    await queries.markEmailVerified(deps.store, row.user_id, now())
  }

  /** Mails a reset link to a known address; answers alike for unknown ones and past the rate limit. */
  async function forgotPassword(rawEmail: string): Promise<void> {
    deps.outbox.assertCapacity()
    const email = normalizeEmail(rawEmail)
    try {
      await deps.lockout.consume(`reset:email:${email}`, RESETS_PER_WINDOW, WINDOW_SECONDS)
    } catch {
      return
    }
    const user = await queries.findUserByEmail(deps.store, email)
    if (!user) return
    const token = await mint('password_reset', user, RESET_TTL_SECONDS)
    deps.outbox.send(passwordResetMessage(deps.options.totpIssuer, email, pageUrl('/password/reset', token), RESET_TTL_SECONDS))
  }

  /**
   * Sets a new password from an emailed link, ends every session and forgets every trusted
   * device. No session is made: the next sign-in still needs the second factor.
   * @throws invalid_code, weak_password (the link stays usable)
   */
  async function resetPassword(token: string, newPassword: string, context: RequestContext): Promise<void> {
    return withPasswordHashing(() => resetPasswordAdmitted(token, newPassword, context))
  }

  async function resetPasswordAdmitted(token: string, newPassword: string, context: RequestContext): Promise<void> {
    const live = await findLiveToken(deps.store, 'password_reset', hashToken(token), now())
    const user = live?.user_id ? await queries.findUserById(deps.store, live.user_id) : undefined
    if (!user) throw new PortcullisError('invalid_code', 'The link is invalid, expired or already used')
    const failed = checkPassword(deps.options, newPassword, { email: user.email, name: user.name })
    if (failed.length > 0) throw new PortcullisError('weak_password', 'The password does not meet the policy', { details: failed.map((rule) => ({ rule })) })
    await spend('password_reset', token)
    await queries.updatePasswordHash(deps.store, user.id, await hashPassword(normalizePassword(newPassword)), now())
    await queries.markEmailVerified(deps.store, user.id, now())
    await deps.sessions.revokeAll(user.id)
    await deps.mfa.trustedDevices.revokeAll(user.id, context, 'password_reset')
    await deps.lockout.resetPasswordFailures(user.email)
    await deps.audit.record('password_reset', user.id, context)
  }

  return { sendVerification, verifyEmail, forgotPassword, resetPassword }
}

export type EmailLinkService = ReturnType<typeof createEmailLinkService>
