import type { Auth } from '../create-auth.js'
import { ERROR_STATUS, PortcullisError } from '../errors.js'
import type { RequestLike } from './request-session.js'

/** What a guard needs of a route. */
export interface GuardOptions {
  /** 2: the session must have completed a second factor. Default 1. */
  aal?: 1 | 2
}

export type AuthContext = NonNullable<Awaited<ReturnType<Auth['getSession']>>>

/**
 * The request's session if it meets the route's needs, else the refusal: 401 unauthorized without
 * a session; with `aal: 2`, 403 step_up_required for an aal 1 session of a user who has a factor and
 * 403 mfa_enrollment_required for one who has none (as under MFA_POLICY=required for any route).
 */
export async function authorize(auth: Auth, request: RequestLike, options: GuardOptions = {}): Promise<AuthContext | PortcullisError> {
  const found = await auth.getSession(request)
  if (!found) return new PortcullisError('unauthorized', 'Not signed in or the session has ended')
  const needsFactor = options.aal === 2 || auth.options.mfaPolicy === 'required'
  if (needsFactor && !found.user.mfaEnabled) {
    return new PortcullisError('mfa_enrollment_required', 'Set up a second factor before continuing', { details: [{ enroll: ['totp', 'webauthn'] }] })
  }
  if (options.aal === 2 && found.session.aal < 2) {
    const overview = await auth.api.mfa.overview(found.user.id)
    const methods = [...new Set(overview.factors.map((factor) => factor.type))]
    if (overview.recoveryCodesRemaining > 0) methods.push('recovery_code')
    return new PortcullisError('step_up_required', 'This needs a session that completed a second factor', { details: methods.map((method) => ({ method })) })
  }
  return found
}

/** A refusal in the contract's error shape, for adapters that write it themselves. */
export function refusal(error: PortcullisError): { status: number; body: { error: { code: string; message: string; details?: unknown[] } } } {
  return {
    status: ERROR_STATUS[error.code],
    body: { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } },
  }
}
