import type { Clock } from '../../clock.js'
import type { Random } from '../../crypto/random.js'
import { hashToken } from '../../crypto/token.js'
import type { RequestContext } from '../../request-context.js'
import type { SessionRow } from '../../store/database.js'
import type { Executor, Store } from '../../store/store.js'
import type { AuditService } from '../audit/index.js'
import * as queries from './store.js'
import type { IssuedSession, ResolvedSession, Session, SessionSummary } from './types.js'

export interface SessionDeps {
  store: Store
  clock: Clock
  random: Random
  audit: AuditService
  options: { sessionIdleTtlSeconds: number; sessionMaxTtlSeconds: number }
}

// The idle window moves with activity, but at most one write a minute keeps the check a read.
const TOUCH_INTERVAL_MS = 60_000

export interface IssueSessionInput {
  aal: 1 | 2
  mfaAt: Date | null
  trustedDevice: boolean
  /** The methods this sign-in used, in order (`password`, `totp`, `webauthn`, …), for the OpenID amr claim. */
  methods?: readonly string[]
}

export function createSessionService(deps: SessionDeps) {
  const idleMs = deps.options.sessionIdleTtlSeconds * 1000
  const maxMs = deps.options.sessionMaxTtlSeconds * 1000

  function toSession(row: SessionRow): Session {
    const lastSeen = Number(row.last_seen_at)
    return {
      id: row.id,
      userId: row.user_id,
      aal: row.aal === 2 ? 2 : 1,
      mfaAt: row.mfa_at === null ? null : new Date(Number(row.mfa_at)),
      trustedDevice: row.trusted_device === 1,
      createdAt: new Date(Number(row.created_at)),
      lastSeenAt: new Date(lastSeen),
      expiresAt: new Date(Math.min(Number(row.expires_at), lastSeen + idleMs)),
      ip: row.ip,
      userAgent: row.user_agent,
    }
  }

  /** A session ready to be written, possibly inside a caller's transaction (sign-up writes the user and it together). */
  function prepare(userId: string, input: IssueSessionInput, context: RequestContext): { issued: IssuedSession; write: (db: Executor) => Promise<void> } {
    const now = deps.clock.now().getTime()
    const token = deps.random.token()
    const row: SessionRow = {
      id: deps.random.id(),
      token_hash: hashToken(token),
      user_id: userId,
      aal: input.aal,
      mfa_at: input.mfaAt?.getTime() ?? null,
      trusted_device: input.trustedDevice ? 1 : 0,
      created_at: now,
      last_seen_at: now,
      expires_at: now + maxMs,
      ip: context.ip,
      user_agent: context.userAgent?.slice(0, 512) ?? null,
    }
    return { issued: { token, session: toSession(row) }, write: (db) => queries.insertSession(db, { ...row, methods: input.methods?.join(',') ?? null }) }
  }

  /** Starts a session with a new random token; every sign-in and every step to aal 2 calls this. */
  async function issue(userId: string, input: IssueSessionInput, context: RequestContext): Promise<IssuedSession> {
    const prepared = prepare(userId, input, context)
    await prepared.write(deps.store.db)
    return prepared.issued
  }

  /** The session a token names, or null when it is unknown, idle too long or past its absolute end. */
  async function resolve(token: string): Promise<ResolvedSession | null> {
    const now = deps.clock.now().getTime()
    const needsNoWrite = (cached: SessionRow) =>
      Number(cached.expires_at) > now && Number(cached.last_seen_at) + idleMs > now && now - Number(cached.last_seen_at) < TOUCH_INTERVAL_MS
    const row = await queries.findSessionByTokenHash(deps.store, hashToken(token), needsNoWrite)
    // A disabled account's sessions are deleted when it is disabled; this also shuts out one
    // issued by a sign-in that raced the disabling.
    if (!row || row.user.disabled_at !== null) return null
    const lastSeen = Number(row.last_seen_at)
    if (Number(row.expires_at) <= now || lastSeen + idleMs <= now) {
      await queries.deleteSession(deps.store, row.user_id, row.id)
      return null
    }
    if (now - lastSeen >= TOUCH_INTERVAL_MS) {
      await queries.touchSession(deps.store, row.token_hash, row.id, now)
      row.last_seen_at = now
    }
    return { session: toSession(row), user: row.user }
  }

  async function list(userId: string, currentId: string | null): Promise<SessionSummary[]> {
    const rows = await queries.listUserSessions(deps.store, userId, deps.clock.now().getTime(), idleMs)
    return rows.map((row) => ({
      id: row.id,
      current: row.id === currentId,
      createdAt: new Date(Number(row.created_at)).toISOString(),
      lastSeenAt: new Date(Number(row.last_seen_at)).toISOString(),
      ip: row.ip,
      userAgent: row.user_agent,
    }))
  }

  return {
    prepare,
    issue,
    resolve,
    /** Counts a step-up: the session completed a second factor now (its aal and token stay as they are). */
    markMfa: async (sessionId: string) => queries.markSessionMfa(deps.store, sessionId, deps.clock.now().getTime()),
    list,
    /** Ends one of the user's sessions; false when it is not theirs or already gone. */
    /**
     * Ends one of the user's sessions and records `session_revoked`; false when it is not theirs
     * or already gone. `currentId` is the session asking: ending that one is signing out.
     */
    async revoke(userId: string, sessionId: string, currentId: string | null, context: RequestContext, reason?: 'logout'): Promise<boolean> {
      if (!(await queries.deleteSession(deps.store, userId, sessionId))) return false
      await deps.audit.record('session_revoked', userId, context, { sessionId, current: sessionId === currentId, ...(reason ? { reason } : {}) })
      return true
    },
    /** The methods a session was signed in with (empty for sessions from before they were recorded). */
    methodsOf: async (sessionId: string): Promise<string[]> => (await queries.findSessionMethods(deps.store, sessionId))?.split(',') ?? [],
    revokeOthers: (userId: string, keepId: string) => queries.deleteSessionsExcept(deps.store, userId, keepId),
    revokeAll: (userId: string) => queries.deleteUserSessions(deps.store, userId),
  }
}

export type SessionService = ReturnType<typeof createSessionService>
