import type { Clock } from '../../clock.js'
import { PortcullisError } from '../../errors.js'
import type { RequestContext } from '../../request-context.js'
import type { Executor, Store } from '../../store/store.js'
import type { AuditService } from '../audit/index.js'
import type { EmailOtpService } from '../email-otp/index.js'
import type { RecoveryCodeService } from '../recovery-codes/index.js'
import type { Session, SessionService } from '../sessions/index.js'
import type { TotpService } from '../totp/index.js'
import type { PasskeySummary } from '../webauthn/index.js'
import type { ChallengeService } from './challenge.js'
import { type FactorInput, factorInputOf } from './factor.js'
import { cancelPendingRecovery } from './recovery.js'
import { STEP_UP_WINDOW_MS, type StepUp } from './step-up.js'
import { isUserDisabled } from './store.js'
import type { TrustedDeviceService } from './trusted-devices.js'
import type { FirstFactor, MfaMethod, SignInOutcome } from './types.js'

export interface MfaDeps {
  store: Store
  clock: Clock
  emailOtp: EmailOtpService
  audit: AuditService
  sessions: SessionService
  totp: TotpService
  recoveryCodes: RecoveryCodeService
  challenges: ChallengeService
  trustedDevices: TrustedDeviceService
  stepUp: StepUp
  passkeys: {
    isEnrolled(userId: string): Promise<boolean>
    list(userId: string): Promise<PasskeySummary[]>
    remove(userId: string, id: string): Promise<boolean>
    removeAll(userId: string): Promise<number>
  }
  options: { mfaPolicy: 'optional' | 'required' }
}

export interface MfaOverview {
  enabled: boolean
  factors: Array<{ id: string; type: MfaMethod; createdAt: string; lastUsedAt: string | null }>
  recoveryCodesRemaining: number
  trustedDevices: number
}

export function createMfaService(deps: MfaDeps) {
  /**
   * Called only once a factor has proved right, so a disabled account tells a stranger nothing.
   * @throws account_disabled
   */
  async function assertActive(userId: string): Promise<void> {
    if (await isUserDisabled(deps.store, userId)) throw new PortcullisError('account_disabled', 'This account has been disabled by an administrator')
  }

  /** A second factor that makes MFA "on": an authenticator app or a passkey. */
  const isEnabled = async (userId: string) => (await deps.totp.isEnrolled(userId)) || (await deps.passkeys.isEnrolled(userId))

  async function signedIn(userId: string, firstFactor: FirstFactor, context: RequestContext, trustedDevice: boolean): Promise<SignInOutcome> {
    const aal = trustedDevice ? 2 : 1
    const methods = trustedDevice ? [firstFactor, 'trusted_device'] : [firstFactor]
    const issued = await deps.sessions.issue(userId, { aal, mfaAt: null, trustedDevice, methods }, context)
    await deps.audit.record('sign_in_succeeded', userId, context, { method: firstFactor, aal, trustedDevice })
    return { kind: 'session', userId, issued }
  }

  /**
   * The sign-in state machine after a correct first factor (DESIGN.md): a user with a second
   * factor gets a challenge — unless this device was trusted — and everyone else a session.
   */
  async function afterFirstFactor(
    userId: string,
    firstFactor: FirstFactor,
    context: RequestContext,
    trustedDeviceToken: string | null = null,
    redirectTo: string | null = null,
  ): Promise<SignInOutcome> {
    await assertActive(userId)
    if (!(await isEnabled(userId))) return signedIn(userId, firstFactor, context, false)
    if (firstFactor === 'password' && (await deps.trustedDevices.recognizes(userId, trustedDeviceToken))) {
      return signedIn(userId, firstFactor, context, true)
    }
    return { kind: 'challenge', userId, ...(await deps.challenges.issue(userId, firstFactor, context, redirectTo)) }
  }

  /**
   * Completes a challenge with a second factor: a new aal 2 session, and a trusted-device token when asked.
   * @throws challenge_invalid, invalid_code, too_many_requests, invalid_request
   */
  async function completeChallenge(challenge: string, method: MfaMethod, input: FactorInput, trustDevice: boolean, context: RequestContext) {
    const { userId, firstFactor, redirectTo } = await deps.challenges.verify(challenge, method, input, context)
    return finishChallenge(userId, firstFactor, method, redirectTo, trustDevice, context)
  }

  async function finishChallenge(
    userId: string,
    firstFactor: FirstFactor,
    method: MfaMethod,
    redirectTo: string | null,
    trustDevice: boolean,
    context: RequestContext,
  ) {
    await assertActive(userId)
    const mfaAt = deps.clock.now()
    await cancelPendingRecovery(deps.store, deps.audit, userId, mfaAt.getTime(), context)
    const issued = await deps.sessions.issue(userId, { aal: 2, mfaAt, trustedDevice: false, methods: [firstFactor, method] }, context)
    await deps.audit.record('sign_in_succeeded', userId, context, { method: firstFactor, secondFactor: method, aal: 2 })
    const device = trustDevice ? await deps.trustedDevices.trust(userId, context) : null
    return { outcome: { kind: 'session', userId, issued } as SignInOutcome, device, redirectTo }
  }

  /**
   * Completes a challenge with a code whose method the client does not name (see
   * challenges.verifyAnyCode); otherwise as completeChallenge.
   * @throws challenge_invalid, invalid_code, too_many_requests
   */
  async function completeChallengeWithCode(challenge: string, code: string, trustDevice: boolean, context: RequestContext) {
    const { userId, firstFactor, method, redirectTo } = await deps.challenges.verifyAnyCode(challenge, code, context)
    return finishChallenge(userId, firstFactor, method, redirectTo, trustDevice, context)
  }

  /**
   * completeChallenge for a client that also names the user it signs in: a challenge of another
   * user is refused before any code is compared.
   * @throws challenge_invalid, invalid_code, too_many_requests, invalid_request
   */
  async function completeUserChallenge(userId: string, challenge: string, method: MfaMethod, code: string, context: RequestContext) {
    const row = await deps.challenges.loadPending(challenge)
    if (row.user_id !== userId) throw new PortcullisError('challenge_invalid', "The sign-in challenge is not this user's; sign in again")
    return completeChallenge(challenge, method, factorInputOf(method, code), false, context)
  }

  /**
   * Emails a code that completes this challenge; only when its first factor was not email.
   * @throws challenge_invalid, invalid_request, too_many_requests
   */
  async function sendChallengeEmailCode(challenge: string, context: RequestContext): Promise<void> {
    const row = await deps.challenges.loadPending(challenge)
    const methods = await deps.challenges.methodsFor(row.user_id, row.first_factor as FirstFactor)
    if (!methods.includes('email_otp')) throw new PortcullisError('invalid_request', 'This challenge cannot be completed by email')
    await deps.emailOtp.sendForChallenge(row.user_id, row.id, context)
  }

  /**
   * Activates a TOTP enrolment; the user's first factor also gets fresh recovery codes, shown once.
   * @throws invalid_code, conflict
   */
  async function confirmTotp(userId: string, enrollmentId: string, code: string, context: RequestContext): Promise<{ recoveryCodes?: string[] }> {
    const fresh = await codesForNewFactor(userId)
    await deps.totp.confirm(userId, enrollmentId, code, fresh?.write)
    await deps.audit.record('factor_enrolled', userId, context, { type: 'totp' })
    return announceCodes(userId, fresh, context)
  }

  // The first factor gets fresh recovery codes, and so does a user whose earlier factor came
  // without any; they come into force in the same transaction as the factor, so a crash can never
  // leave an active factor without them.
  async function codesForNewFactor(userId: string) {
    const keepCodes = (await isEnabled(userId)) && (await deps.recoveryCodes.remaining(userId)) > 0
    return keepCodes ? undefined : deps.recoveryCodes.prepare(userId)
  }

  async function announceCodes(userId: string, fresh: { codes: string[] } | undefined, context: RequestContext): Promise<{ recoveryCodes?: string[] }> {
    if (!fresh) return {}
    await deps.audit.record('recovery_codes_generated', userId, context, { count: fresh.codes.length })
    return { recoveryCodes: fresh.codes }
  }

  /**
   * Activates the user's pending TOTP enrolment (there is at most one), for clients that do not
   * keep its id; `secret`, when given, must be that enrolment's.
   * @throws invalid_code (wrong code, no pending enrolment, another secret), conflict
   */
  async function confirmPendingTotp(userId: string, code: string, context: RequestContext, secret?: string) {
    const enrollmentId = await deps.totp.pendingEnrollmentId(userId, secret)
    if (!enrollmentId) throw new PortcullisError('invalid_code', 'There is no pending authenticator setup with this secret; start again')
    return confirmTotp(userId, enrollmentId, code, context)
  }

  /** Drops a TOTP setup that was never confirmed; an active factor is left alone. False when there was none. */
  async function cancelTotpSetup(userId: string): Promise<boolean> {
    return (await deps.totp.removePending(userId)) > 0
  }

  /**
   * Adds a passkey through `register`, which writes it together with `also` (the first factor's
   * recovery codes, shown once, as for TOTP).
   */
  async function addPasskey<T>(userId: string, context: RequestContext, register: (also?: (db: Executor) => Promise<void>) => Promise<T>) {
    const fresh = await codesForNewFactor(userId)
    const credential = await register(fresh?.write)
    return { credential, ...(await announceCodes(userId, fresh, context)) }
  }

  /**
   * Turns TOTP off after a step-up; with no second factor left, recovery codes and trusted devices go too.
   * @throws not_found (no active TOTP), step_up_required, invalid_code, too_many_requests
   */
  async function disableTotp(session: Session, code: string | undefined, context: RequestContext): Promise<void> {
    if (!(await deps.totp.isEnrolled(session.userId))) throw new PortcullisError('not_found', 'No authenticator app is active')
    await deps.stepUp.assertStepUp(session, code, context)
    await deps.totp.remove(session.userId)
    await deps.audit.record('factor_disabled', session.userId, context, { type: 'totp' })
    await afterFactorRemoved(session.userId, context)
  }

  /**
   * A passkey is a way to sign in on its own, so adding one needs recent proof of the account: a
   * second factor in the last 10 minutes when MFA is on, else a sign-in in the last 10 minutes.
   * An old session — a stolen cookie, or the sign-up session of someone who has since turned on
   * TOTP — cannot plant a passkey.
   * @throws step_up_required
   */
  async function assertCanAddPasskey(session: Session): Promise<void> {
    const recent = (await isEnabled(session.userId))
      ? deps.stepUp.hasFreshMfa(session)
      : deps.clock.now().getTime() - session.createdAt.getTime() < STEP_UP_WINDOW_MS
    if (!recent) {
      throw new PortcullisError('step_up_required', 'Sign in again to add a passkey: it needs a sign-in from the last 10 minutes', {
        details: [{ method: 'sign_in' }],
      })
    }
  }

  /**
   * A passwordless sign-in with a user-verified passkey (two factors in one): an aal 2 session,
   * and, as after any completed second factor, a pending self-service recovery is cancelled.
   */
  async function completePasskeySignIn(userId: string, context: RequestContext): Promise<SignInOutcome> {
    await assertActive(userId)
    const mfaAt = deps.clock.now()
    await cancelPendingRecovery(deps.store, deps.audit, userId, mfaAt.getTime(), context)
    const issued = await deps.sessions.issue(userId, { aal: 2, mfaAt, trustedDevice: false, methods: ['webauthn'] }, context)
    await deps.audit.record('sign_in_succeeded', userId, context, { method: 'webauthn', aal: 2 })
    return { kind: 'session', userId, issued }
  }

  /**
   * A pending challenge this method may complete, for a ceremony that must be bound to it.
   * @throws challenge_invalid, invalid_request (the challenge does not offer the method)
   */
  async function pendingChallenge(token: string, method: MfaMethod): Promise<{ challengeId: string; userId: string }> {
    const row = await deps.challenges.loadPending(token)
    if (!(await deps.challenges.methodsFor(row.user_id, row.first_factor as FirstFactor)).includes(method)) {
      throw new PortcullisError('invalid_request', `This challenge cannot be completed with ${method}`, {
        details: [{ field: 'challenge', message: 'not offered' }],
      })
    }
    return { challengeId: row.id, userId: row.user_id }
  }

  /**
   * Deletes a passkey after a step-up; with no second factor left, recovery codes and trusted devices go too.
   * @throws not_found (not this user's passkey), step_up_required, invalid_code, too_many_requests
   */
  async function removePasskey(session: Session, id: string, code: string | undefined, context: RequestContext): Promise<void> {
    if (!(await deps.passkeys.list(session.userId)).some((passkey) => passkey.id === id)) throw new PortcullisError('not_found', 'No such passkey')
    await deps.stepUp.assertStepUp(session, code, context)
    if (!(await deps.passkeys.remove(session.userId, id))) throw new PortcullisError('not_found', 'No such passkey')
    await deps.audit.record('passkey_removed', session.userId, context, { type: 'webauthn', credentialId: id })
    await afterFactorRemoved(session.userId, context)
  }

  async function afterFactorRemoved(userId: string, context: RequestContext): Promise<void> {
    if (await isEnabled(userId)) return
    await deps.recoveryCodes.remove(userId)
    await deps.trustedDevices.revokeAll(userId, context, 'mfa_disabled')
  }

  /**
   * A new set of recovery codes, voiding the old; needs a step-up.
   * @throws conflict (no second factor to recover), step_up_required, invalid_code, too_many_requests
   */
  async function regenerateRecoveryCodes(session: Session, code: string | undefined, context: RequestContext): Promise<string[]> {
    if (!(await isEnabled(session.userId))) throw new PortcullisError('conflict', 'Turn on a second factor before making recovery codes')
    await deps.stepUp.assertStepUp(session, code, context)
    const codes = await deps.recoveryCodes.generate(session.userId)
    await deps.audit.record('recovery_codes_generated', session.userId, context, { count: codes.length })
    return codes
  }

  async function overview(userId: string): Promise<MfaOverview> {
    const totp = await deps.totp.describe(userId)
    const passkeys = await deps.passkeys.list(userId)
    return {
      enabled: totp !== null || passkeys.length > 0,
      factors: [
        ...(totp ? [{ ...totp, type: 'totp' as const }] : []),
        ...passkeys.map((passkey) => ({ id: passkey.id, type: 'webauthn' as const, createdAt: passkey.createdAt, lastUsedAt: passkey.lastUsedAt })),
      ],
      recoveryCodesRemaining: await deps.recoveryCodes.remaining(userId),
      trustedDevices: (await deps.trustedDevices.list(userId)).length,
    }
  }

  /** Removes every factor, recovery code and trusted device and ends every session; the caller audits why. */
  async function removeFactors(userId: string, context: RequestContext, reason: string): Promise<void> {
    await deps.totp.remove(userId)
    await deps.passkeys.removeAll(userId)
    await deps.recoveryCodes.remove(userId)
    await deps.trustedDevices.revokeAll(userId, context, reason)
    await deps.sessions.revokeAll(userId)
  }

  /** The admin reset: removeFactors, recorded (and told to the user) as done by an operator. */
  /**
   * A challenge that takes a one-factor session to a new aal 2 session (an OpenID client asked for
   * aal2): the session's own first factor stands as the challenge's, so a mailed first factor is
   * not offered again as the second.
   */
  async function stepUpChallenge(session: Session, context: RequestContext) {
    const [first] = await deps.sessions.methodsOf(session.id)
    const firstFactor: FirstFactor = first === 'email_otp' || first === 'magic_link' ? first : 'password'
    return deps.challenges.issue(session.userId, firstFactor, context)
  }

  async function resetUser(userId: string, context: RequestContext, actor: string): Promise<void> {
    await removeFactors(userId, context, 'admin_reset')
    await deps.audit.record('admin_mfa_reset', userId, context, { actor })
  }

  return {
    isEnabled,
    /** True when policy demands a factor this user has not enrolled yet. */
    mustEnroll: async (userId: string) => deps.options.mfaPolicy === 'required' && !(await isEnabled(userId)),
    required: isEnabled,
    afterFirstFactor,
    completeChallenge,
    completeChallengeWithCode,
    completeUserChallenge,
    confirmPendingTotp,
    cancelTotpSetup,
    challengeStatus: deps.challenges.status,
    sendChallengeEmailCode,
    issueChallenge: (userId: string, context: RequestContext) => deps.challenges.issue(userId, 'password', context),
    stepUpChallenge,
    confirmTotp,
    addPasskey,
    disableTotp,
    removePasskey,
    assertCanAddPasskey,
    completePasskeySignIn,
    pendingChallenge,
    regenerateRecoveryCodes,
    overview,
    removeFactors,
    resetUser,
    assertStepUp: deps.stepUp.assertStepUp,
    stepUp: deps.stepUp.stepUp,
    hasFreshMfa: deps.stepUp.hasFreshMfa,
    trustedDevices: deps.trustedDevices,
  }
}

export type MfaService = ReturnType<typeof createMfaService>
