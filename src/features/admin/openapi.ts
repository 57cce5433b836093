import { z } from 'zod'
import type { ApiOperation } from '../../http/openapi.js'
import { mfaMethodSchema, userSchema } from '../../http/openapi-schemas.js'
import { createUserBody, listUsersQuery, unlockAddressBody } from './schema.js'

const auditEvent = z
  .object({ type: z.string(), at: z.iso.datetime(), ip: z.string().nullable(), userAgent: z.string().nullable(), data: z.record(z.string(), z.unknown()) })
  .meta({ id: 'AuditEvent' })
const adminUser = userSchema
  .extend({
    disabled: z.boolean(),
    lastSignInAt: z.iso.datetime().nullable(),
    factors: z.array(mfaMethodSchema).describe('The types of the active second factors'),
    lockedUntil: z.iso.datetime().nullable().describe('Until when password sign-in is locked, if it is'),
  })
  .meta({ id: 'AdminUser' })

/** The documentation of routes.ts, route by route. */
export const adminOperations: ApiOperation[] = [
  {
    method: 'delete',
    path: '/admin/users/:id/mfa',
    operationId: 'adminResetMfa',
    summary: "Remove every factor, recovery code and trusted device of a user, and end the user's sessions",
    tag: 'admin',
    access: 'admin',
    success: [{ status: 204, description: 'Reset' }],
    errors: ['not_found'],
  },
  {
    method: 'post',
    path: '/admin/users/:id/unlock',
    operationId: 'adminUnlockUser',
    summary: 'Lift the lockout of a user',
    tag: 'admin',
    access: 'admin',
    success: [{ status: 204, description: 'Unlocked' }],
    errors: ['not_found'],
  },
  {
    method: 'get',
    path: '/admin/users/:id/audit',
    operationId: 'adminAuditLog',
    summary: "A user's audit events, newest first",
    tag: 'admin',
    access: 'admin',
    success: [{ status: 200, description: 'The events', schema: z.object({ events: z.array(auditEvent) }) }],
    errors: ['not_found'],
  },
  {
    method: 'get',
    path: '/admin/users',
    operationId: 'adminListUsers',
    summary: 'Users, newest first; `query` matches a part of the email',
    tag: 'admin',
    access: 'admin',
    query: listUsersQuery,
    success: [
      {
        status: 200,
        description: 'A page of users; `nextCursor` fetches the next one (null on the last page)',
        schema: z.object({ users: z.array(adminUser), nextCursor: z.string().nullable() }),
      },
    ],
    errors: [],
  },
  {
    method: 'get',
    path: '/admin/users/:id',
    operationId: 'adminGetUser',
    summary: 'One user as an operator sees it',
    tag: 'admin',
    access: 'admin',
    success: [{ status: 200, description: 'The user', schema: z.object({ user: adminUser }) }],
    errors: ['not_found'],
  },
  {
    method: 'post',
    path: '/admin/users',
    operationId: 'adminCreateUser',
    summary: 'Create an account; without `password` the person is mailed a link to choose one (POST /signup/complete)',
    tag: 'admin',
    access: 'admin',
    body: createUserBody,
    success: [{ status: 201, description: 'The new user', schema: z.object({ user: adminUser }) }],
    errors: ['conflict', 'weak_password'],
  },
  {
    method: 'post',
    path: '/admin/users/:id/disable',
    operationId: 'adminDisableUser',
    summary: 'Disable an account: every session ends, and sign-in answers 403 `account_disabled` after a right password or factor',
    tag: 'admin',
    access: 'admin',
    success: [{ status: 204, description: 'Disabled' }],
    errors: ['not_found'],
  },
  {
    method: 'post',
    path: '/admin/users/:id/enable',
    operationId: 'adminEnableUser',
    summary: 'Enable a disabled account',
    tag: 'admin',
    access: 'admin',
    success: [{ status: 204, description: 'Enabled' }],
    errors: ['not_found'],
  },
  {
    method: 'delete',
    path: '/admin/users/:id',
    operationId: 'adminDeleteUser',
    summary: 'Delete an account as DELETE /account does (audit entries stay)',
    tag: 'admin',
    access: 'admin',
    success: [{ status: 204, description: 'Deleted' }],
    errors: ['not_found'],
  },
  {
    method: 'post',
    path: '/admin/users/:id/sessions/revoke',
    operationId: 'adminRevokeSessions',
    summary: 'End every session and trusted device of a user',
    tag: 'admin',
    access: 'admin',
    success: [{ status: 204, description: 'Revoked' }],
    errors: ['not_found'],
  },
  {
    method: 'post',
    path: '/admin/addresses/unlock',
    operationId: 'adminUnlockAddress',
    summary: 'Lift the lock of a client address',
    tag: 'admin',
    access: 'admin',
    body: unlockAddressBody,
    success: [{ status: 204, description: 'Unlocked (also when it was not locked)' }],
    errors: [],
  },
]
