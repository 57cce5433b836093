import { z } from 'zod'
import type { ApiOperation } from '../../http/openapi.js'
import { signInResultSchema } from '../../http/openapi-schemas.js'
import { authenticationBody, authenticationOptionsBody, registrationBody, removeBody } from './schema.js'

const passkey = z.object({ id: z.string(), name: z.string(), createdAt: z.iso.datetime(), lastUsedAt: z.iso.datetime().nullable() }).meta({ id: 'Passkey' })
const creationOptions = z
  .looseObject({ challenge: z.string(), rp: z.looseObject({ name: z.string() }), user: z.looseObject({ id: z.string(), name: z.string() }) })
  .meta({ id: 'PublicKeyCredentialCreationOptionsJSON', description: 'WebAuthn Level 3 §5.4, JSON form: pass to startRegistration()' })
const requestOptions = z
  .looseObject({ challenge: z.string() })
  .meta({ id: 'PublicKeyCredentialRequestOptionsJSON', description: 'WebAuthn Level 3 §5.5, JSON form: pass to startAuthentication()' })

/** The documentation of routes.ts, route by route. */
export const webauthnOperations: ApiOperation[] = [
  {
    method: 'post',
    path: '/webauthn/register/options',
    operationId: 'passkeyRegistrationOptions',
    summary: 'Options for adding a passkey (needs a recent sign-in or second factor)',
    tag: 'passkeys',
    access: 'enrolment',
    success: [{ status: 200, description: 'Creation options', schema: creationOptions }],
    errors: ['step_up_required', 'too_many_requests'],
  },
  {
    method: 'post',
    path: '/webauthn/register/verify',
    operationId: 'registerPasskey',
    summary: 'Store the new passkey; the first factor also returns recovery codes, shown once',
    tag: 'passkeys',
    access: 'enrolment',
    body: registrationBody,
    success: [{ status: 200, description: 'The passkey', schema: z.object({ credential: passkey, recoveryCodes: z.array(z.string()).optional() }) }],
    errors: ['invalid_code', 'conflict'],
  },
  {
    method: 'post',
    path: '/webauthn/authenticate/options',
    operationId: 'passkeyAuthenticationOptions',
    summary: 'Options for a passkey assertion: a challenge’s second factor (`challenge`), a step-up (`stepUp: true`) or a passwordless sign-in',
    description: '`stepUp: true` needs a signed-in session; the assertion then goes to POST /mfa/step-up.',
    tag: 'passkeys',
    access: 'optional',
    body: authenticationOptionsBody,
    success: [{ status: 200, description: 'Request options', schema: requestOptions }],
    errors: ['challenge_invalid', 'too_many_requests', 'unauthorized', 'mfa_enrollment_required'],
  },
  {
    method: 'post',
    path: '/webauthn/authenticate/verify',
    operationId: 'verifyPasskey',
    summary: 'Sign in with a passkey, or complete a challenge with one',
    tag: 'passkeys',
    access: 'public',
    body: authenticationBody,
    signIn: true,
    success: [{ status: 200, description: 'The user and a session', schema: signInResultSchema }],
    errors: ['invalid_code', 'challenge_invalid', 'too_many_requests', 'account_disabled'],
  },
  {
    method: 'get',
    path: '/webauthn/credentials',
    operationId: 'listPasskeys',
    summary: "The user's passkeys",
    tag: 'passkeys',
    access: 'enrolment',
    success: [{ status: 200, description: 'The passkeys', schema: z.object({ credentials: z.array(passkey) }) }],
    errors: [],
  },
  {
    method: 'delete',
    path: '/webauthn/credentials/:id',
    operationId: 'deletePasskey',
    summary: 'Delete a passkey (a code, or MFA completed in the last 10 minutes)',
    tag: 'passkeys',
    access: 'session',
    body: removeBody,
    success: [{ status: 204, description: 'Deleted' }],
    errors: ['invalid_code', 'step_up_required', 'too_many_requests', 'not_found'],
  },
]
