import { z } from 'zod'
import type { ApiOperation } from '../../http/openapi.js'
import { mfaMethodSchema, signInResultSchema } from '../../http/openapi-schemas.js'
import {
  challengeQuery,
  confirmTotpBody,
  recoveryCompleteBody,
  recoveryRequestBody,
  recoveryTokenBody,
  stepUpBody,
  stepUpRequestBody,
  verifyBody,
} from './schema.js'

const overview = z
  .object({
    enabled: z.boolean(),
    factors: z.array(z.object({ id: z.string(), type: mfaMethodSchema, createdAt: z.iso.datetime(), lastUsedAt: z.iso.datetime().nullable() })),
    recoveryCodesRemaining: z.number().int(),
    trustedDevices: z.number().int(),
  })
  .meta({ id: 'MfaOverview' })
const enrollment = z.object({ enrollmentId: z.string(), secret: z.string(), otpauthUri: z.string(), qrCode: z.string() }).meta({ id: 'TotpEnrollment' })
const challengeStatus = z
  .object({
    state: z.enum(['pending', 'completed', 'expired', 'locked']),
    methods: z.array(mfaMethodSchema),
    expiresAt: z.iso.datetime(),
    attemptsRemaining: z.number().int(),
  })
  .meta({ id: 'ChallengeStatus' })
const trustedDevice = z
  .object({ id: z.string(), createdAt: z.iso.datetime(), lastUsedAt: z.iso.datetime(), userAgent: z.string().nullable() })
  .meta({ id: 'TrustedDevice' })
const stepUp = ['invalid_code', 'step_up_required', 'too_many_requests'] as const

/** The documentation of routes.ts and recovery-routes.ts, route by route. */
export const mfaOperations: ApiOperation[] = [
  {
    method: 'get',
    path: '/mfa',
    operationId: 'getMfa',
    summary: "The user's second factors",
    tag: 'mfa',
    access: 'enrolment',
    success: [{ status: 200, description: 'Factors, recovery codes left, trusted devices', schema: overview }],
    errors: [],
  },
  {
    method: 'post',
    path: '/mfa/totp/enroll',
    operationId: 'enrollTotp',
    summary: 'Start a TOTP enrolment (pending until confirmed)',
    tag: 'mfa',
    access: 'enrolment',
    success: [{ status: 200, description: 'The secret, its otpauth URI and a QR code', schema: enrollment }],
    errors: ['conflict', 'too_many_requests'],
  },
  {
    method: 'post',
    path: '/mfa/totp/confirm',
    operationId: 'confirmTotp',
    summary: 'Activate a pending TOTP enrolment with a current code',
    tag: 'mfa',
    access: 'enrolment',
    body: confirmTotpBody,
    success: [
      {
        status: 200,
        description: 'Active; the first factor also returns recovery codes, shown once',
        schema: z.object({ recoveryCodes: z.array(z.string()).optional() }),
      },
    ],
    errors: ['invalid_code', 'conflict', 'not_found', 'too_many_requests'],
  },
  {
    method: 'post',
    path: '/mfa/totp/disable',
    operationId: 'disableTotp',
    summary: 'Turn TOTP off (a code, or MFA completed in the last 10 minutes)',
    tag: 'mfa',
    access: 'session',
    body: stepUpBody,
    success: [{ status: 204, description: 'Turned off' }],
    errors: [...stepUp, 'not_found'],
  },
  {
    method: 'post',
    path: '/mfa/recovery/generate',
    operationId: 'generateRecoveryCodes',
    summary: 'Replace every recovery code (a code, or MFA completed in the last 10 minutes)',
    tag: 'mfa',
    access: 'session',
    body: stepUpBody,
    success: [{ status: 200, description: 'The new codes, shown once', schema: z.object({ codes: z.array(z.string()) }) }],
    errors: [...stepUp, 'conflict'],
  },
  {
    method: 'post',
    path: '/mfa/verify',
    operationId: 'verifyChallenge',
    summary: 'Complete an MFA challenge: an aal 2 session',
    tag: 'mfa',
    access: 'public',
    body: verifyBody,
    signIn: true,
    success: [
      {
        status: 200,
        description: 'The user and an aal 2 session; `redirectTo` when the sign-in began with a magic link that had one',
        schema: signInResultSchema,
      },
      { status: 303, description: 'A form post after a magic link with `redirectTo` is sent on to it' },
    ],
    errors: ['invalid_code', 'challenge_invalid', 'too_many_requests', 'account_disabled'],
  },
  {
    method: 'post',
    path: '/mfa/step-up',
    operationId: 'stepUp',
    summary: 'Complete a second factor again: sensitive actions pass without a code for the next 10 minutes',
    description:
      '`{method: "totp" | "recovery_code", code}`, or `{method: "webauthn", response}` with an assertion made from POST /webauthn/authenticate/options `{stepUp: true}`. Spends the same tries and code budget as a challenge; a method the user has not enrolled is 400 `invalid_request`.',
    tag: 'mfa',
    access: 'session',
    body: stepUpRequestBody,
    success: [{ status: 204, description: 'The session counts as having completed MFA now' }],
    errors: ['invalid_code', 'too_many_requests'],
  },
  {
    method: 'get',
    path: '/mfa/challenge/status',
    operationId: 'challengeStatus',
    summary: 'The state of a challenge',
    tag: 'mfa',
    access: 'public',
    query: challengeQuery,
    success: [{ status: 200, description: 'The state', schema: challengeStatus }],
    errors: ['challenge_invalid'],
  },
  {
    method: 'get',
    path: '/mfa/trusted-devices',
    operationId: 'listTrustedDevices',
    summary: "The user's trusted devices",
    tag: 'mfa',
    access: 'session',
    success: [{ status: 200, description: 'The devices', schema: z.object({ devices: z.array(trustedDevice) }) }],
    errors: [],
  },
  {
    method: 'delete',
    path: '/mfa/trusted-devices/:id',
    operationId: 'revokeTrustedDevice',
    summary: 'Forget a trusted device',
    tag: 'mfa',
    access: 'session',
    success: [{ status: 204, description: 'Forgotten' }],
    errors: ['not_found'],
  },
  {
    method: 'post',
    path: '/mfa/recovery/request',
    operationId: 'requestMfaRecovery',
    summary: 'Start self-service recovery of a lost second factor by email',
    tag: 'mfa recovery',
    access: 'public',
    body: recoveryRequestBody,
    success: [{ status: 202, description: 'Accepted; a mail with a cancel link goes out' }],
    errors: ['challenge_invalid', 'too_many_requests'],
  },
  {
    method: 'post',
    path: '/mfa/recovery/cancel',
    operationId: 'cancelMfaRecovery',
    summary: 'Stop a pending recovery',
    tag: 'mfa recovery',
    access: 'public',
    body: recoveryTokenBody,
    success: [
      { status: 204, description: 'Cancelled (JSON clients)' },
      { status: 200, description: 'Cancelled (form posts get a page)', html: true },
    ],
    errors: ['invalid_code'],
  },
  {
    method: 'post',
    path: '/mfa/recovery/complete',
    operationId: 'completeMfaRecovery',
    summary: 'After the waiting period, remove every second factor with the mailed token and the password',
    tag: 'mfa recovery',
    access: 'public',
    body: recoveryCompleteBody,
    success: [
      { status: 204, description: 'Every second factor, session, trusted device and passkey removed; the next sign-in is password-only' },
      { status: 303, description: 'Form posts are sent to the sign-in page' },
    ],
    errors: ['invalid_code', 'invalid_credentials', 'too_many_requests', 'account_disabled'],
  },
  {
    method: 'get',
    path: '/mfa/recovery/cancel',
    operationId: 'mfaRecoveryCancelPage',
    summary: 'The page the mailed cancel link opens (a button that posts; the GET changes nothing)',
    tag: 'mfa recovery',
    access: 'public',
    query: recoveryTokenBody,
    success: [{ status: 200, description: 'An HTML page', html: true }],
    errors: [],
  },
  {
    method: 'get',
    path: '/mfa/recovery/complete',
    operationId: 'mfaRecoveryCompletePage',
    summary: 'The page the mailed recovery link opens (a password form; the GET changes nothing)',
    tag: 'mfa recovery',
    access: 'public',
    query: recoveryTokenBody,
    success: [{ status: 200, description: 'An HTML page', html: true }],
    errors: [],
  },
]
