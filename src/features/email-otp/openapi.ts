import type { ApiOperation } from '../../http/openapi.js'
import { signInResultSchema } from '../../http/openapi-schemas.js'
import { challengeBody, sendBody, verifyBody } from './schema.js'

/** The documentation of routes.ts, route by route. */
export const emailOtpOperations: ApiOperation[] = [
  {
    method: 'post',
    path: '/otp/send',
    operationId: 'sendEmailCode',
    summary: 'Mail a 6-digit sign-in code (202 for known and unknown emails alike)',
    tag: 'passwordless',
    access: 'public',
    body: sendBody,
    success: [{ status: 202, description: 'Accepted' }],
    errors: ['too_many_requests'],
  },
  {
    method: 'post',
    path: '/otp/verify',
    operationId: 'verifyEmailCode',
    summary: 'Sign in with a mailed code: a session, or an MFA challenge',
    tag: 'passwordless',
    access: 'public',
    body: verifyBody,
    signIn: true,
    success: [{ status: 200, description: 'A session, or `mfaRequired: true` with a challenge', schema: signInResultSchema }],
    errors: ['invalid_code', 'too_many_requests', 'account_disabled'],
  },
  {
    method: 'post',
    path: '/mfa/challenge/email-otp',
    operationId: 'sendChallengeEmailCode',
    summary: 'Mail a code that completes a challenge with `method: "email_otp"`',
    tag: 'mfa',
    access: 'public',
    body: challengeBody,
    success: [{ status: 202, description: 'Accepted' }],
    errors: ['challenge_invalid', 'too_many_requests'],
  },
]
