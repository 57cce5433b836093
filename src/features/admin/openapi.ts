import { z } from 'zod'
import type { ApiOperation } from '../../http/openapi.js'

const auditEvent = z
  .object({ type: z.string(), at: z.iso.datetime(), ip: z.string().nullable(), userAgent: z.string().nullable(), data: z.record(z.string(), z.unknown()) })
  .meta({ id: 'AuditEvent' })

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
]
