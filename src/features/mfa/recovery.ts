import type { Clock } from '../../clock.js'
import { withPasswordHashing } from '../../crypto/password.js'
import type { Random } from '../../crypto/random.js'
import { hashToken } from '../../crypto/token.js'
import { PortcullisError } from '../../errors.js'
import { mailedLink } from '../../mail/links.js'
import { mfaRecoveryMessage } from '../../mail/messages.js'
import type { Outbox } from '../../mail/outbox.js'
import type { RequestContext } from '../../request-context.js'
import { consumeOnce, findLiveToken, insertToken, type TokenPurpose, voidUserTokens } from '../../store/one-time-tokens.js'
import type { Store } from '../../store/store.js'
import type { AccountService } from '../accounts/index.js'
import type { AuditService } from '../audit/index.js'
import type { LockoutService } from '../lockout/index.js'
import type { ChallengeService } from './challenge.js'
import type { MfaService } from './service.js'

export interface MfaRecoveryDeps {
  store: Store
  clock: Clock
  random: Random
  outbox: Outbox
  audit: AuditService
  lockout: LockoutService
  accounts: AccountService
  challenges: ChallengeService
  mfa: MfaService
  options: { recoveryDelaySeconds: number; publicUrl: string; basePath: string; totpIssuer: string }
}

const RECOVERY_PURPOSES: TokenPurpose[] = ['mfa_recovery', 'mfa_recovery_cancel']
// After the waiting period the link stays usable for a week, then the person must ask again.
const USABLE_FOR_MS = 7 * 86_400_000
const REQUESTS_PER_DAY = 3

/**
 * Self-service recovery of a lost second factor: asked for after a correct password, it waits
 * `MFA_RECOVERY_DELAY` (the owner is mailed a cancel link meanwhile), then a password sign-in
 * with the mailed link removes the factors. A mailbox thief alone never gets in at once.
 */
export function createMfaRecoveryService(deps: MfaRecoveryDeps) {
  const now = () => deps.clock.now().getTime()
  const link = (path: string, token: string) => mailedLink(deps.options.publicUrl, `${deps.options.basePath}${path}`, token)

  async function mint(purpose: TokenPurpose, userId: string, email: string, availableAt: number): Promise<string> {
    const token = deps.random.token()
    await insertToken(deps.store, {
      id: deps.random.id(),
      purpose,
      user_id: userId,
      email,
      token_hash: hashToken(token),
      challenge_id: null,
      data: JSON.stringify({ availableAt }),
      attempts: 0,
      created_at: now(),
      expires_at: availableAt + USABLE_FOR_MS,
      used_at: null,
    })
    return token
  }

  /** @throws challenge_invalid (the challenge must follow a correct password), too_many_requests */
  async function request(challenge: string, context: RequestContext): Promise<void> {
    deps.outbox.assertCapacity()
    const row = await deps.challenges.loadPending(challenge)
    if (row.first_factor !== 'password') throw new PortcullisError('challenge_invalid', 'Recovery needs a challenge from a password sign-in')
    const user = await deps.accounts.findById(row.user_id)
    if (!user) throw new PortcullisError('challenge_invalid', 'The sign-in challenge is no longer valid')
    await deps.lockout.consume(`mfa-recovery:user:${user.id}`, REQUESTS_PER_DAY, 86_400)
    await voidUserTokens(deps.store, user.id, RECOVERY_PURPOSES, now())
    const availableAt = now() + deps.options.recoveryDelaySeconds * 1000
    const completeToken = await mint('mfa_recovery', user.id, user.email, availableAt)
    const cancelToken = await mint('mfa_recovery_cancel', user.id, user.email, availableAt)
    deps.outbox.send(
      mfaRecoveryMessage(
        deps.options.totpIssuer,
        user.email,
        link('/mfa/recovery/complete', completeToken),
        link('/mfa/recovery/cancel', cancelToken),
        new Date(availableAt),
      ),
    )
    await deps.audit.record('mfa_recovery_requested', user.id, context, { availableAt: new Date(availableAt).toISOString() })
  }

  /** @throws invalid_code */
  async function cancel(token: string, context: RequestContext): Promise<void> {
    const row = await consumeOnce(deps.store.db, 'mfa_recovery_cancel', hashToken(token), now())
    if (!row?.user_id) throw new PortcullisError('invalid_code', 'The link is invalid, expired or already used')
    await voidUserTokens(deps.store, row.user_id, RECOVERY_PURPOSES, now())
    await deps.audit.record('mfa_recovery_cancelled', row.user_id, context, { by: 'link' })
  }

  /**
   * After the waiting period: the password again plus the mailed link remove every factor.
   * @throws invalid_code (unknown, used, or still waiting: details say until when), invalid_credentials, too_many_requests
   */
  async function complete(token: string, password: string, context: RequestContext): Promise<void> {
    return withPasswordHashing(() => completeAdmitted(token, password, context))
  }

  async function completeAdmitted(token: string, password: string, context: RequestContext): Promise<void> {
    const row = await findLiveToken(deps.store, 'mfa_recovery', hashToken(token), now())
    if (!row?.user_id) throw new PortcullisError('invalid_code', 'The recovery link is invalid, expired, used or cancelled')
    const { availableAt } = JSON.parse(row.data ?? '{}') as { availableAt: number }
    if (!(availableAt <= now())) {
      throw new PortcullisError('invalid_code', 'The waiting period is not over yet', {
        details: [{ reason: 'waiting_period', availableAt: new Date(availableAt).toISOString() }],
      })
    }
    const user = await deps.accounts.authenticate(row.email, password, context)
    if (!(await consumeOnce(deps.store.db, 'mfa_recovery', row.token_hash, now()))) {
      throw new PortcullisError('invalid_code', 'The recovery link was already used')
    }
    await voidUserTokens(deps.store, user.id, RECOVERY_PURPOSES, now())
    // Not resetUser: that is an operator's act, and its audit entry and notice say so.
    await deps.mfa.removeFactors(user.id, context, 'email_recovery')
    await deps.audit.record('mfa_recovery_completed', user.id, context)
    // No session here (API.md): the person signs in again, with the password alone now.
  }

  return { request, cancel, complete }
}

export type MfaRecoveryService = ReturnType<typeof createMfaRecoveryService>

/** Stops pending recoveries when the owner proves a factor: their phone is evidently not lost. */
export async function cancelPendingRecovery(store: Store, audit: AuditService, userId: string, nowMs: number, context: RequestContext): Promise<void> {
  if ((await voidUserTokens(store, userId, RECOVERY_PURPOSES, nowMs)) > 0) {
    await audit.record('mfa_recovery_cancelled', userId, context, { by: 'sign_in_with_factor' })
  }
}
