import type { ApiOperation } from '../../http/openapi.js'
import { signInResultSchema } from '../../http/openapi-schemas.js'
import { sendBody, tokenBody } from './schema.js'

/** The documentation of routes.ts, route by route. */
export const magicLinkOperations: ApiOperation[] = [
  {
    method: 'post',
    path: '/magic-link/send',
    operationId: 'sendMagicLink',
    summary: 'Mail a sign-in link (202 for known and unknown emails alike)',
    tag: 'passwordless',
    access: 'public',
    body: sendBody,
    success: [{ status: 202, description: 'Accepted' }],
    errors: [],
  },
  {
    method: 'get',
    path: '/magic-link/verify',
    operationId: 'magicLinkPage',
    summary: 'The page the mailed link opens: a button that posts the token (the GET consumes nothing)',
    tag: 'passwordless',
    access: 'public',
    query: tokenBody,
    success: [{ status: 200, description: 'An HTML page', html: true }],
    errors: [],
  },
  {
    method: 'post',
    path: '/magic-link/verify',
    operationId: 'verifyMagicLink',
    summary: 'Sign in with the link’s token: a session, or an MFA challenge',
    tag: 'passwordless',
    access: 'public',
    body: tokenBody,
    signIn: true,
    success: [
      { status: 200, description: 'A session, or `mfaRequired: true` with a challenge', schema: signInResultSchema },
      { status: 303, description: 'A form post is sent on to `redirectTo` or the second-factor step' },
    ],
    errors: ['invalid_code', 'account_disabled'],
  },
]
