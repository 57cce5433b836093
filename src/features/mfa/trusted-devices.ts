import type { Clock } from '../../clock.js'
import type { Random } from '../../crypto/random.js'
import { hashToken } from '../../crypto/token.js'
import type { RequestContext } from '../../request-context.js'
import type { Store } from '../../store/store.js'
import type { AuditService } from '../audit/index.js'
import * as queries from './store.js'

export interface TrustedDeviceDeps {
  store: Store
  clock: Clock
  random: Random
  audit: AuditService
  options: { trustDeviceDays: number }
}

export interface TrustedDevice {
  id: string
  createdAt: string
  lastUsedAt: string
  userAgent: string | null
}

/** Devices on which a user completed MFA and asked to be trusted: a later password sign-in there skips the challenge. */
export function createTrustedDeviceService(deps: TrustedDeviceDeps) {
  const lifetimeMs = deps.options.trustDeviceDays * 86_400_000
  const now = () => deps.clock.now().getTime()

  /** Trusts the current device; returns its token, or null when trusted devices are off (0 days). */
  async function trust(userId: string, context: RequestContext): Promise<{ token: string; maxAgeSeconds: number } | null> {
    if (lifetimeMs === 0) return null
    const token = deps.random.token()
    const id = deps.random.id()
    await queries.insertTrustedDevice(deps.store, {
      id,
      user_id: userId,
      token_hash: hashToken(token),
      user_agent: context.userAgent,
      created_at: now(),
      last_used_at: now(),
      expires_at: now() + lifetimeMs,
    })
    await deps.audit.record('trusted_device_added', userId, context, { deviceId: id })
    return { token, maxAgeSeconds: lifetimeMs / 1000 }
  }

  /** True when the token is a live trusted device of this user (bound to the user, not just any account). */
  async function recognizes(userId: string, token: string | null): Promise<boolean> {
    if (!token || lifetimeMs === 0) return false
    const device = await queries.findTrustedDevice(deps.store, userId, hashToken(token), now())
    if (!device) return false
    await queries.touchTrustedDevice(deps.store, device.id, now())
    return true
  }

  async function list(userId: string): Promise<TrustedDevice[]> {
    const rows = await queries.listTrustedDevices(deps.store, userId, now())
    return rows.map((row) => ({
      id: row.id,
      createdAt: new Date(Number(row.created_at)).toISOString(),
      lastUsedAt: new Date(Number(row.last_used_at)).toISOString(),
      userAgent: row.user_agent,
    }))
  }

  async function revoke(userId: string, id: string, context: RequestContext): Promise<boolean> {
    const removed = await queries.deleteTrustedDevice(deps.store, userId, id)
    if (removed) await deps.audit.record('trusted_device_revoked', userId, context, { deviceId: id })
    return removed
  }

  async function revokeAll(userId: string, context: RequestContext, reason: string): Promise<number> {
    const removed = await queries.deleteTrustedDevices(deps.store, userId)
    if (removed > 0) await deps.audit.record('trusted_device_revoked', userId, context, { all: true, count: removed, reason })
    return removed
  }

  return { trust, recognizes, list, revoke, revokeAll }
}

export type TrustedDeviceService = ReturnType<typeof createTrustedDeviceService>
