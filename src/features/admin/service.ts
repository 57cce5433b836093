import { PortcullisError } from '../../errors.js'
import type { RequestContext } from '../../request-context.js'
import type { UserRow } from '../../store/database.js'
import type { Store } from '../../store/store.js'
import { type AccountService, toUser, type User } from '../accounts/index.js'
import type { AuditEvent, AuditService } from '../audit/index.js'
import type { LockoutService } from '../lockout/index.js'
import type { MfaMethod, MfaService } from '../mfa/index.js'
import type { SessionService } from '../sessions/index.js'
import { listUsers, type UserCursor } from './store.js'

export interface AdminDeps {
  store: Store
  accounts: AccountService
  mfa: MfaService
  lockout: LockoutService
  audit: AuditService
  sessions: SessionService
}

/** A user as an operator sees it: the user, plus whether it is disabled, its last sign-in, factors and lock. */
export interface AdminUser extends User {
  disabled: boolean
  lastSignInAt: string | null
  factors: MfaMethod[]
  lockedUntil: string | null
}

export const DEFAULT_PAGE_SIZE = 50

const encodeCursor = (row: UserRow) => Buffer.from(`${Number(row.created_at)}:${row.id}`).toString('base64url')

/** @throws invalid_request for a cursor this listing did not hand out. */
function decodeCursor(cursor: string): UserCursor {
  const match = /^(\d{1,16}):(.{1,64})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  if (!match) throw new PortcullisError('invalid_request', 'The cursor is not valid', { details: [{ field: 'cursor', message: 'is not valid' }] })
  return { createdAt: Number(match[1]), id: match[2] as string }
}

/** What an operator may do to users: list, create, disable, delete, reset MFA, lift locks, read the audit trail. */
export function createAdminService(deps: AdminDeps) {
  async function userOrThrow(userId: string): Promise<UserRow> {
    const user = await deps.accounts.findById(userId)
    if (!user) throw new PortcullisError('not_found', 'No such user')
    return user
  }

  async function describe(row: UserRow): Promise<AdminUser> {
    const [overview, lastSignIn, lockedUntil] = await Promise.all([
      deps.mfa.overview(row.id),
      deps.audit.lastAt(row.id, 'sign_in_succeeded'),
      deps.lockout.lockedUntil(row.email),
    ])
    return {
      ...toUser(row, overview.enabled),
      disabled: row.disabled_at !== null,
      lastSignInAt: lastSignIn?.toISOString() ?? null,
      factors: [...new Set(overview.factors.map((factor) => factor.type))],
      lockedUntil: lockedUntil?.toISOString() ?? null,
    }
  }

  /** Users newest first; `query` matches part of the email. @throws invalid_request (bad cursor) */
  async function list(input: { query?: string | undefined; limit?: number | undefined; cursor?: string | undefined }) {
    const limit = input.limit ?? DEFAULT_PAGE_SIZE
    const rows = await listUsers(deps.store, { query: input.query, limit: limit + 1, after: input.cursor ? decodeCursor(input.cursor) : null })
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    // On PostgreSQL the pool runs a page's look-ups side by side rather than one round trip after another.
    const users = await Promise.all(page.map(describe))
    return { users, nextCursor: rows.length > limit && last ? encodeCursor(last) : null }
  }

  /** @throws not_found */
  async function show(userId: string): Promise<AdminUser> {
    return describe(await userOrThrow(userId))
  }

  /** @throws weak_password, conflict */
  async function create(input: { email: string; name?: string | undefined; password?: string | undefined }, context: RequestContext, actor = 'admin') {
    return describe(await deps.accounts.createByAdmin(input, context, actor))
  }

  /** @throws not_found */
  async function resetMfa(userId: string, context: RequestContext, actor = 'admin'): Promise<void> {
    await userOrThrow(userId)
    await deps.mfa.resetUser(userId, context, actor)
  }

  /** Lifts the password lock and the second-factor lock. @throws not_found */
  async function unlock(userId: string, context: RequestContext, actor = 'admin'): Promise<void> {
    const user = await userOrThrow(userId)
    await deps.lockout.unlock(user.email, user.id)
    await deps.audit.record('account_unlocked', user.id, context, { actor })
  }

  /** Lifts the lock of a client address; recorded with no user. */
  async function unlockAddress(ip: string, context: RequestContext, actor = 'admin'): Promise<boolean> {
    const lifted = await deps.lockout.unlockAddress(ip)
    await deps.audit.record('account_unlocked', null, context, { actor, address: ip, lifted })
    return lifted
  }

  /** Ends every session and trusted device of the user. @throws not_found */
  async function revokeSessions(userId: string, context: RequestContext, actor = 'admin'): Promise<number> {
    await userOrThrow(userId)
    const ended = await deps.sessions.revokeAll(userId)
    await deps.mfa.trustedDevices.revokeAll(userId, context, 'admin_revoke')
    await deps.audit.record('session_revoked', userId, context, { actor, all: true, count: ended })
    return ended
  }

  /** @throws not_found */
  async function audit(userId: string): Promise<AuditEvent[]> {
    await userOrThrow(userId)
    return deps.audit.list(userId, 500)
  }

  return {
    list,
    show,
    create,
    disable: (userId: string, context: RequestContext, actor = 'admin') => deps.accounts.disable(userId, context, actor),
    enable: (userId: string, context: RequestContext, actor = 'admin') => deps.accounts.enable(userId, context, actor),
    remove: (userId: string, context: RequestContext, actor = 'admin') => deps.accounts.removeAccount(userId, context, actor),
    revokeSessions,
    resetMfa,
    unlock,
    unlockAddress,
    audit,
  }
}

export type AdminService = ReturnType<typeof createAdminService>
