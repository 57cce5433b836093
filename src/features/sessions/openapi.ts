import { z } from 'zod'
import type { ApiOperation } from '../../http/openapi.js'
import { sessionSchema, userSchema } from '../../http/openapi-schemas.js'

const sessionSummary = z
  .object({
    id: z.string(),
    current: z.boolean(),
    createdAt: z.iso.datetime(),
    lastSeenAt: z.iso.datetime(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
  })
  .meta({ id: 'SessionSummary' })

/** The documentation of routes.ts, route by route. */
export const sessionOperations: ApiOperation[] = [
  {
    method: 'get',
    path: '/session',
    operationId: 'getSession',
    summary: 'The signed-in user and the current session',
    tag: 'sessions',
    access: 'enrolment',
    success: [{ status: 200, description: 'The session', schema: z.object({ user: userSchema, session: sessionSchema }).meta({ id: 'CurrentSession' }) }],
    errors: [],
  },
  {
    method: 'get',
    path: '/sessions',
    operationId: 'listSessions',
    summary: "The user's live sessions",
    tag: 'sessions',
    access: 'session',
    success: [{ status: 200, description: 'Newest first', schema: z.object({ sessions: z.array(sessionSummary) }) }],
    errors: [],
  },
  {
    method: 'delete',
    path: '/sessions/:id',
    operationId: 'revokeSession',
    summary: 'End one of the user’s sessions',
    tag: 'sessions',
    access: 'session',
    success: [{ status: 204, description: 'Ended' }],
    errors: ['not_found'],
  },
  {
    method: 'post',
    path: '/logout',
    operationId: 'signOut',
    summary: 'End the current session (if any) and clear the cookie',
    tag: 'sessions',
    access: 'optional',
    success: [{ status: 204, description: 'Signed out' }],
    errors: [],
  },
  {
    method: 'get',
    path: '/csrf',
    operationId: 'getCsrfToken',
    summary: 'The CSRF token for X-CSRF-Token, bound to the session (or to a nonce cookie before sign-in)',
    tag: 'sessions',
    access: 'optional',
    success: [{ status: 200, description: 'The token', schema: z.object({ csrfToken: z.string() }) }],
    errors: [],
  },
]
