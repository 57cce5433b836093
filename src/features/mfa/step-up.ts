import type { Clock } from '../../clock.js'
import { PortcullisError } from '../../errors.js'
import type { RequestContext } from '../../request-context.js'
import type { AuditService } from '../audit/index.js'
import type { LockoutService } from '../lockout/index.js'
import type { Session } from '../sessions/index.js'
import type { Factor } from './factor.js'
import type { MfaMethod } from './types.js'

export interface StepUpDeps {
  clock: Clock
  audit: AuditService
  lockout: LockoutService
  /** The factors a code in the request may be checked against, in order of preference. */
  factors: Factor[]
}

/** How long a completed MFA lets sensitive actions through without a new code. */
export const STEP_UP_WINDOW_MS = 10 * 60_000

/**
 * Sensitive actions need a current second factor: a code in the request, or a session that
 * completed MFA in the last ten minutes. A trusted-device session has not, so it is asked too.
 */
export function createStepUp(deps: StepUpDeps) {
  // Six digits, however spaced ("123 456"), are an authenticator code; anything else a recovery code.
  const codeFactor = (code: string): MfaMethod => (/^\d{6}$/.test(code.replace(/\s+/g, '')) ? 'totp' : 'recovery_code')

  /** True while the session's last completed MFA is recent enough to let sensitive actions through without a code. */
  function hasFreshMfa(session: Session): boolean {
    const mfaAt = session.mfaAt?.getTime()
    return mfaAt !== undefined && deps.clock.now().getTime() - mfaAt < STEP_UP_WINDOW_MS
  }

  /**
   * @throws step_up_required (no code, no fresh MFA; details list the methods), too_many_requests,
   *   invalid_code (a wrong code, which counts against the user's code budget)
   */
  async function assertStepUp(session: Session, code: string | undefined, context: RequestContext): Promise<void> {
    if (hasFreshMfa(session)) return
    const available: MfaMethod[] = []
    for (const factor of deps.factors) if (await factor.isEnrolled(session.userId)) available.push(factor.method)
    if (!code) {
      throw new PortcullisError('step_up_required', 'Confirm with a current second factor', { details: available.map((method) => ({ method })) })
    }
    // The try is taken from the budget before the code is compared (see lockout.takeCodeTry).
    const budget = await deps.lockout.takeCodeTry(session.userId)
    const method = codeFactor(code)
    const factor = deps.factors.find((candidate) => candidate.method === method)
    const result = factor && available.includes(method) ? await factor.verify(session.userId, code) : { ok: false as const }
    if (result.ok) {
      await deps.lockout.returnCodeTry(session.userId)
      if (method === 'recovery_code') await deps.audit.record('recovery_code_used', session.userId, context, { purpose: 'step_up' })
      return
    }
    await deps.audit.record('mfa_challenge_failed', session.userId, context, { method, purpose: 'step_up', reason: result.reason ?? 'wrong_code' })
    if (budget.lastTry)
      await deps.audit.record('account_locked', session.userId, context, { reason: 'code_failures', until: budget.windowEndsAt.toISOString() })
    throw new PortcullisError('invalid_code', 'The code is not valid', result.reason ? { details: [{ reason: result.reason }] } : {})
  }

  return { assertStepUp, hasFreshMfa }
}

export type StepUp = ReturnType<typeof createStepUp>
