import { z } from 'zod'
import { ERROR_STATUS, type ErrorCode } from '../errors.js'
import type { PasswordRule } from '../features/accounts/index.js'

// The schemas several features' answers share, named so the document defines each once.

export const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]

/** The one error shape of the contract. */
export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: z.array(z.record(z.string(), z.unknown())).optional(),
    }),
  })
  .meta({ id: 'Error' })

export const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    emailVerified: z.boolean(),
    name: z.string().nullable(),
    mfaEnabled: z.boolean(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'User' })

export const mfaMethodSchema = z.enum(['totp', 'recovery_code', 'email_otp', 'webauthn']).meta({ id: 'MfaMethod' })

export const sessionSchema = z
  .object({
    id: z.string(),
    aal: z.union([z.literal(1), z.literal(2)]),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    trustedDevice: z.literal(true).optional(),
  })
  .meta({ id: 'Session' })

export const signedInSchema = z
  .object({
    user: userSchema,
    token: z.string().optional().describe('The session token, in the token flow only (X-Auth-Flow: token)'),
    session: sessionSchema.optional().describe('Present when a trusted device skipped the challenge'),
    trustedDeviceToken: z.string().optional().describe('Token flow with trustDevice: send it back as X-Trusted-Device'),
    redirectTo: z.string().optional().describe('Completing a challenge that began with a magic link: where the link was meant to lead'),
  })
  .meta({ id: 'SignedIn' })

export const challengeSchema = z
  .object({
    mfaRequired: z.literal(true),
    challenge: z.string(),
    expiresIn: z.number().int(),
    methods: z.array(mfaMethodSchema),
  })
  .meta({ id: 'MfaChallenge' })

/** What every sign-in answers: a session, or an MFA challenge. */
export const signInResultSchema = z.union([signedInSchema, challengeSchema]).meta({ id: 'SignInResult' })

/** The shape of a `details` item, for the codes whose details API.md fixes; other codes' details are free-form. */
export const errorDetailSchemas: Partial<Record<ErrorCode, z.ZodType>> = {
  invalid_request: z.object({ field: z.string(), message: z.string() }),
  step_up_required: z
    .object({ method: z.enum(['totp', 'recovery_code', 'webauthn', 'sign_in']) })
    .describe('What the user can step up with; `sign_in` when the user has no factor and must sign in again'),
  weak_password: z.object({
    rule: z.enum(['min_length', 'max_length', 'common_password', 'contains_email', 'too_guessable'] as const satisfies readonly PasswordRule[]),
  }),
}
