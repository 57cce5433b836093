import { z } from 'zod'
import type { ApiOperation } from '../../http/openapi.js'
import { signInResultSchema, userSchema } from '../../http/openapi-schemas.js'
import { changePasswordBody, forgotPasswordBody, resetPasswordBody, signInBody, signUpBody, verifyEmailBody } from './schema.js'

const signedUp = z.object({ user: userSchema, token: z.string().optional().describe('Token flow only') }).meta({ id: 'SignedUp' })
const passwordPolicy = z
  .object({
    minLength: z.number().int(),
    maxLength: z.number().int(),
    minScore: z.number().int(),
    blocksCommonPasswords: z.boolean(),
    blocksEmail: z.boolean(),
  })
  .meta({ id: 'PasswordPolicy' })

/** The documentation of routes.ts, route by route. */
export const accountOperations: ApiOperation[] = [
  {
    method: 'post',
    path: '/signup',
    operationId: 'signUp',
    summary: 'Create an account and sign in (aal 1)',
    tag: 'accounts',
    access: 'public',
    body: signUpBody,
    signIn: true,
    success: [{ status: 201, description: 'The new user and a session (cookie, or `token` in the token flow)', schema: signedUp }],
    errors: ['conflict', 'weak_password', 'too_many_requests', 'forbidden'],
  },
  {
    method: 'post',
    path: '/login',
    operationId: 'signIn',
    summary: 'Password sign-in: a session, or an MFA challenge',
    tag: 'accounts',
    access: 'public',
    body: signInBody,
    signIn: true,
    success: [{ status: 200, description: 'A session, or `mfaRequired: true` with a challenge', schema: signInResultSchema }],
    errors: ['invalid_credentials', 'too_many_requests', 'account_disabled'],
  },
  {
    method: 'post',
    path: '/password/change',
    operationId: 'changePassword',
    summary: 'Change the password; other sessions and trusted devices end',
    tag: 'accounts',
    access: 'session',
    body: changePasswordBody,
    success: [{ status: 204, description: 'Changed' }],
    errors: ['invalid_credentials', 'invalid_code', 'step_up_required', 'weak_password', 'too_many_requests'],
  },
  {
    method: 'get',
    path: '/password/policy',
    operationId: 'passwordPolicy',
    summary: 'The password rules',
    tag: 'accounts',
    access: 'public',
    success: [{ status: 200, description: 'The policy', schema: passwordPolicy }],
    errors: [],
  },
  {
    method: 'post',
    path: '/password/forgot',
    operationId: 'forgotPassword',
    summary: 'Mail a password-reset link (answers 202 whether or not the email is known)',
    tag: 'accounts',
    access: 'public',
    body: forgotPasswordBody,
    success: [{ status: 202, description: 'Accepted' }],
    errors: [],
  },
  {
    method: 'post',
    path: '/password/reset',
    operationId: 'resetPassword',
    summary: 'Set a new password with a mailed token; every session and trusted device ends',
    tag: 'accounts',
    access: 'public',
    body: resetPasswordBody,
    success: [{ status: 204, description: 'Reset; no session is created' }],
    errors: ['invalid_code', 'weak_password'],
  },
  {
    method: 'post',
    path: '/email/verify/send',
    operationId: 'sendEmailVerification',
    summary: 'Mail an email-verification link',
    tag: 'accounts',
    access: 'enrolment',
    success: [{ status: 202, description: 'Accepted' }],
    errors: ['too_many_requests'],
  },
  {
    method: 'post',
    path: '/email/verify',
    operationId: 'verifyEmail',
    summary: 'Confirm the email address with a mailed token',
    tag: 'accounts',
    access: 'public',
    body: verifyEmailBody,
    success: [{ status: 204, description: 'Verified' }],
    errors: ['invalid_code'],
  },
]
