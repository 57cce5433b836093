import { PortcullisError } from '../../errors.js'
import type { RequestContext } from '../../request-context.js'
import type { AccountService } from '../accounts/index.js'
import type { AuditEvent, AuditService } from '../audit/index.js'
import type { LockoutService } from '../lockout/index.js'
import type { MfaService } from '../mfa/index.js'

export interface AdminDeps {
  accounts: AccountService
  mfa: MfaService
  lockout: LockoutService
  audit: AuditService
}

/** What an operator may do to a user: reset MFA, lift locks, read the audit trail. */
export function createAdminService(deps: AdminDeps) {
  async function userOrThrow(userId: string) {
    const user = await deps.accounts.findById(userId)
    if (!user) throw new PortcullisError('not_found', 'No such user')
    return user
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

  /** @throws not_found */
  async function audit(userId: string): Promise<AuditEvent[]> {
    await userOrThrow(userId)
    return deps.audit.list(userId, 500)
  }

  return { resetMfa, unlock, audit }
}

export type AdminService = ReturnType<typeof createAdminService>
