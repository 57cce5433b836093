import type { Clock } from '../../clock.js'
import { PortcullisError } from '../../errors.js'
import type { RequestContext } from '../../request-context.js'
import type { AuditService } from '../audit/index.js'
import type { LockoutService } from '../lockout/index.js'
import type { Session } from '../sessions/index.js'
import type { Factor, FactorInput } from './factor.js'
import type { MfaMethod } from './types.js'

export interface StepUpDeps {
  clock: Clock
  audit: AuditService
  lockout: LockoutService
  /** The factors a step-up may use, in order of preference. */
  factors: Factor[]
  /** Records on the session that it completed a second factor now. */
  markMfa(sessionId: string): Promise<boolean>
}

/** How long a completed MFA lets sensitive actions through without a new code. */
export const STEP_UP_WINDOW_MS = 10 * 60_000

/** A step-up: a typed code for TOTP or a recovery code, or a passkey assertion. */
export type StepUpInput = { method: 'totp' | 'recovery_code'; code: string } | { method: 'webauthn'; assertion: Record<string, unknown> }

/**
 * Sensitive actions need a current second factor: a code in the request, or a session that
 * completed MFA (or a step-up) in the last ten minutes. A trusted-device session has not, so it
 * is asked too.
 */
export function createStepUp(deps: StepUpDeps) {
  // Six digits, however spaced ("123 456"), are an authenticator code; anything else a recovery code.
  const codeFactor = (code: string): MfaMethod => (/^\d{6}$/.test(code.replace(/\s+/g, '')) ? 'totp' : 'recovery_code')

  /** True while the session's last completed MFA is recent enough to let sensitive actions through without a code. */
  function hasFreshMfa(session: Session): boolean {
    const mfaAt = session.mfaAt?.getTime()
    return mfaAt !== undefined && deps.clock.now().getTime() - mfaAt < STEP_UP_WINDOW_MS
  }

  /** The methods this user can step up with, as `step_up_required` lists them. */
  async function methodsFor(userId: string): Promise<MfaMethod[]> {
    const available: MfaMethod[] = []
    for (const factor of deps.factors) if (await factor.isEnrolled(userId)) available.push(factor.method)
    return available
  }

  /**
   * Checks one factor input, taking its try from the user's code budget before the compare (see
   * lockout.takeCodeTry); a right answer gives it back.
   * @throws too_many_requests, invalid_code
   */
  async function check(userId: string, method: MfaMethod, input: FactorInput, enrolled: boolean, context: RequestContext): Promise<void> {
    const budget = await deps.lockout.takeCodeTry(userId)
    const factor = deps.factors.find((candidate) => candidate.method === method)
    const result = factor && enrolled ? await factor.verify(userId, input) : { ok: false as const }
    if (result.ok) {
      await deps.lockout.returnCodeTry(userId)
      if (method === 'recovery_code') await deps.audit.record('recovery_code_used', userId, context, { purpose: 'step_up' })
      return
    }
    await deps.audit.record('mfa_challenge_failed', userId, context, { method, purpose: 'step_up', reason: result.reason ?? 'wrong_code' })
    if (budget.lastTry) await deps.audit.record('account_locked', userId, context, { reason: 'code_failures', until: budget.windowEndsAt.toISOString() })
    throw new PortcullisError('invalid_code', 'The code is not valid', result.reason ? { details: [{ reason: result.reason }] } : {})
  }

  /**
   * A code given with a sensitive action is always checked, even inside the window: a wrong one
   * must never pass because the session happens not to need it.
   * @throws step_up_required (no code, no fresh MFA; details list the methods), too_many_requests,
   *   invalid_code (a wrong code, which counts against the user's code budget)
   */
  async function assertStepUp(session: Session, code: string | undefined, context: RequestContext): Promise<void> {
    if (code) {
      const method = codeFactor(code)
      await check(session.userId, method, { code }, (await methodsFor(session.userId)).includes(method), context)
      return
    }
    if (hasFreshMfa(session)) return
    const available = await methodsFor(session.userId)
    throw new PortcullisError('step_up_required', 'Confirm with a current second factor', {
      details: (available.length > 0 ? available : ['sign_in']).map((method) => ({ method })),
    })
  }

  /**
   * POST /mfa/step-up: a right factor makes the session count as having completed MFA now, which
   * restarts the ten-minute window of sensitive actions.
   * @throws invalid_request (a method the user has not enrolled), too_many_requests, invalid_code
   */
  async function stepUp(session: Session, input: StepUpInput, context: RequestContext): Promise<void> {
    if (!(await methodsFor(session.userId)).includes(input.method)) {
      throw new PortcullisError('invalid_request', `No ${input.method} factor to step up with`, { details: [{ field: 'method', message: 'not enrolled' }] })
    }
    const factorInput: FactorInput = input.method === 'webauthn' ? { assertion: input.assertion } : { code: input.code }
    await check(session.userId, input.method, factorInput, true, context)
    await deps.markMfa(session.id)
    await deps.audit.record('step_up_completed', session.userId, context, { method: input.method })
  }

  return { assertStepUp, stepUp, hasFreshMfa, methodsFor }
}

export type StepUp = ReturnType<typeof createStepUp>
