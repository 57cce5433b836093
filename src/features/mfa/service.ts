import type { RequestContext } from '../../request-context.js'
import type { AuditService } from '../audit/index.js'
import type { SessionService } from '../sessions/index.js'
import type { FirstFactor, SignInOutcome } from './types.js'

export interface MfaDeps {
  sessions: SessionService
  audit: AuditService
}

export function createMfaService(deps: MfaDeps) {
  /** The sign-in state machine after a correct first factor (DESIGN.md): a session, or a challenge. */
  async function afterFirstFactor(userId: string, firstFactor: FirstFactor, context: RequestContext): Promise<SignInOutcome> {
    const issued = await deps.sessions.issue(userId, { aal: 1, mfaAt: null, trustedDevice: false }, context)
    await deps.audit.record('sign_in_succeeded', userId, context, { method: firstFactor, aal: 1 })
    return { kind: 'session', userId, issued }
  }

  return { afterFirstFactor }
}

export type MfaService = ReturnType<typeof createMfaService>
