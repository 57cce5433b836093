import type { Clock } from '../../clock.js'
import { hashPassword, needsRehash, reservePasswordHashing, verifyDummyPassword, verifyPassword, withPasswordHashing } from '../../crypto/password.js'
import type { Random } from '../../crypto/random.js'
import { PortcullisError } from '../../errors.js'
import type { Outbox } from '../../mail/outbox.js'
import type { RequestContext } from '../../request-context.js'
import type { UserRow } from '../../store/database.js'
import type { Store } from '../../store/store.js'
import type { AuditService } from '../audit/index.js'
import type { LockoutService } from '../lockout/index.js'
import { type MfaService, type SignInOutcome, STEP_UP_WINDOW_MS } from '../mfa/index.js'
import type { Session, SessionService } from '../sessions/index.js'
import type { EmailLinkService } from './email-links.js'
import { checkPassword, describePolicy, normalizePassword, type PasswordPolicyOptions } from './password-policy.js'
import type { SignUpService } from './signup.js'
import * as queries from './store.js'
import { normalizeEmail, toUser, type User } from './types.js'

export { toUser }

export interface AccountDeps {
  store: Store
  clock: Clock
  random: Random
  audit: AuditService
  lockout: LockoutService
  sessions: SessionService
  mfa: MfaService
  emailLinks: EmailLinkService
  outbox: Pick<Outbox, 'assertCapacity'>
  signUps: SignUpService
  /** Ends what the account holds outside Portcullis's own sessions (OpenID grants) when it is disabled or deleted. */
  endSignOnGrants?: (userId: string, context: RequestContext, reason: string) => Promise<unknown>
  options: PasswordPolicyOptions & { verifyEmailOnSignUp: boolean }
}

// An unknown email (or an account without a password) is checked against a dummy hash, so it
// costs the time of a real check and no one can tell the two apart.
async function passwordMatches(user: UserRow | undefined, password: string): Promise<boolean> {
  if (user?.password_hash) return verifyPassword(user.password_hash, password)
  await verifyDummyPassword(password)
  return false
}

export function createAccountService(deps: AccountDeps) {
  /** @throws weak_password with every failed rule in details. */
  function assertAcceptable(password: string, email: string, name?: string | null): void {
    const failed = checkPassword(deps.options, password, { email, name })
    if (failed.length > 0) {
      throw new PortcullisError('weak_password', 'The password does not meet the policy', { details: failed.map((rule) => ({ rule })) })
    }
  }

  async function getUser(userId: string): Promise<User> {
    const row = await queries.findUserById(deps.store, userId)
    if (!row) throw new PortcullisError('not_found', 'No such user')
    return toUser(row, await deps.mfa.isEnabled(userId))
  }

  /**
   * Checks an email and password; an unknown email costs the same time and gets the same answer.
   * @throws invalid_credentials, too_many_requests (locked email or address)
   */
  async function authenticate(rawEmail: string, password: string, context: RequestContext): Promise<UserRow> {
    const email = normalizeEmail(rawEmail)
    const taken = await deps.lockout.takePasswordTry(email, context.ip)
    const normalized = normalizePassword(password)
    let user: UserRow | undefined
    let valid: boolean
    try {
      user = await queries.findUserByEmail(deps.store, email)
      valid = await passwordMatches(user, normalized)
    } catch (error) {
      // Nothing was compared (the database or the hashing pool failed): the try is not a failure.
      await deps.lockout.passwordTryAbandoned(taken).catch(() => {})
      throw error
    }
    if (taken.lockEnded && user) await deps.audit.record('account_unlocked', user.id, context, { reason: 'lock_expired' })
    if (!user || !valid) {
      const lockedUntil = await deps.lockout.passwordTryFailed(taken)
      if (user) {
        await deps.audit.record('sign_in_failed', user.id, context, { method: 'password', reason: 'wrong_password' })
        if (lockedUntil) await deps.audit.record('account_locked', user.id, context, { reason: 'password_failures', until: lockedUntil.toISOString() })
      }
      throw new PortcullisError('invalid_credentials', 'Email or password is incorrect')
    }
    await deps.lockout.passwordTrySucceeded(taken)
    if (user.disabled_at !== null) throw new PortcullisError('account_disabled', 'This account has been disabled by an administrator')
    if (user.password_hash && needsRehash(user.password_hash)) {
      await queries.updatePasswordHash(deps.store, user.id, await hashPassword(normalized), deps.clock.now().getTime())
    }
    return user
  }

  /** Password sign-in: a session, or an MFA challenge when the user has a second factor and this is no trusted device. */
  async function signIn(
    email: string,
    password: string,
    context: RequestContext,
    trustedDeviceToken: string | null = null,
  ): Promise<{ user: User; outcome: SignInOutcome }> {
    // Shed before anything is counted: a full hashing queue answers 503 without taking a try.
    const hashing = reservePasswordHashing()
    try {
      const row = await authenticate(email, password, context)
      const outcome = await deps.mfa.afterFirstFactor(row.id, 'password', context, trustedDeviceToken)
      return { user: toUser(row, outcome.kind === 'challenge' || (await deps.mfa.isEnabled(row.id))), outcome }
    } finally {
      hashing.release()
    }
  }

  /**
   * Changes the password, ends every other session and forgets every trusted device. A user
   * with a second factor also steps up (a code, or MFA completed in the last ten minutes).
   * @throws invalid_credentials (wrong current password), weak_password, step_up_required, invalid_code, too_many_requests
   */
  async function changePassword(
    session: Session,
    input: { currentPassword: string; newPassword: string; code?: string | undefined },
    context: RequestContext,
  ): Promise<void> {
    const hashing = reservePasswordHashing()
    try {
      await changePasswordAdmitted(session, input, context)
    } finally {
      hashing.release()
    }
  }

  async function changePasswordAdmitted(
    session: Session,
    input: { currentPassword: string; newPassword: string; code?: string | undefined },
    context: RequestContext,
  ): Promise<void> {
    const row = await queries.findUserById(deps.store, session.userId)
    if (!row) throw new PortcullisError('unauthorized', 'Not signed in')
    await authenticate(row.email, input.currentPassword, context)
    assertAcceptable(input.newPassword, row.email, row.name)
    if (await deps.mfa.isEnabled(row.id)) await deps.mfa.assertStepUp(session, input.code, context)
    await queries.updatePasswordHash(deps.store, row.id, await hashPassword(normalizePassword(input.newPassword)), deps.clock.now().getTime())
    await deps.sessions.revokeOthers(row.id, session.id)
    await deps.mfa.trustedDevices.revokeAll(row.id, context, 'password_changed')
    await deps.audit.record('password_changed', row.id, context)
  }

  /**
   * The user deletes their own account: the password (or, without one, a sign-in in the last ten
   * minutes) and, with a second factor, a step-up.
   * @throws invalid_request (no password given), invalid_credentials, step_up_required, invalid_code, too_many_requests
   */
  async function deleteOwnAccount(
    session: Session,
    input: { password?: string | undefined; code?: string | undefined },
    context: RequestContext,
  ): Promise<void> {
    if (input.password) return withPasswordHashing(() => deleteOwnAccountAdmitted(session, input, context))
    return deleteOwnAccountAdmitted(session, input, context)
  }

  async function deleteOwnAccountAdmitted(
    session: Session,
    input: { password?: string | undefined; code?: string | undefined },
    context: RequestContext,
  ): Promise<void> {
    const row = await queries.findUserById(deps.store, session.userId)
    if (!row) throw new PortcullisError('unauthorized', 'Not signed in')
    if (row.password_hash) {
      if (!input.password)
        throw new PortcullisError('invalid_request', 'The password is required', { details: [{ field: 'password', message: 'is required' }] })
      await authenticate(row.email, input.password, context)
    } else if (deps.clock.now().getTime() - session.createdAt.getTime() >= STEP_UP_WINDOW_MS) {
      throw new PortcullisError('step_up_required', 'Sign in again to delete the account', { details: [{ method: 'sign_in' }] })
    }
    if (await deps.mfa.isEnabled(row.id)) await deps.mfa.assertStepUp(session, input.code, context)
    await removeAccount(row.id, context, 'user')
  }

  /** Deletes an account and every row that hangs on it; audit entries stay. @throws not_found */
  async function removeAccount(userId: string, context: RequestContext, actor: string): Promise<void> {
    const row = await queries.findUserById(deps.store, userId)
    if (!row || !(await queries.deleteUser(deps.store, row))) throw new PortcullisError('not_found', 'No such user')
    await deps.audit.record('account_deleted', userId, context, { actor })
    await deps.endSignOnGrants?.(userId, context, 'account_deleted')
  }

  /** Disables an account and ends its sessions; sign-in then answers account_disabled after a right factor. @throws not_found */
  async function disable(userId: string, context: RequestContext, actor: string): Promise<void> {
    const row = await queries.findUserById(deps.store, userId)
    if (!row) throw new PortcullisError('not_found', 'No such user')
    if (await queries.setDisabled(deps.store, userId, deps.clock.now().getTime(), deps.clock.now().getTime())) {
      await deps.audit.record('account_disabled', userId, context, { actor })
    }
    await deps.sessions.revokeAll(userId)
    await deps.endSignOnGrants?.(userId, context, 'account_disabled')
  }

  /** @throws not_found */
  async function enable(userId: string, context: RequestContext, actor: string): Promise<void> {
    if (!(await queries.findUserById(deps.store, userId))) throw new PortcullisError('not_found', 'No such user')
    if (await queries.setDisabled(deps.store, userId, null, deps.clock.now().getTime())) await deps.audit.record('account_enabled', userId, context, { actor })
  }

  async function findByEmail(email: string): Promise<UserRow | undefined> {
    return queries.findUserByEmail(deps.store, normalizeEmail(email))
  }

  return {
    findById: (userId: string) => queries.findUserById(deps.store, userId),
    signUp: deps.signUps.signUp,
    completeSignUp: deps.signUps.completeSignUp,
    createByAdmin: deps.signUps.createByAdmin,
    signUpMode: deps.signUps.mode,
    deleteOwnAccount,
    removeAccount,
    disable,
    enable,
    signIn,
    authenticate,
    changePassword,
    getUser,
    findByEmail,
    policy: () => describePolicy(deps.options),
    /** Lists the policy rules a password breaks (empty when acceptable). */
    validatePassword: (password: string, context: { email?: string; name?: string | null } = {}) => checkPassword(deps.options, password, context),
  }
}

export type AccountService = ReturnType<typeof createAccountService>
