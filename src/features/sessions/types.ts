import type { UserRow } from '../../store/database.js'

/** A session as services see it. */
export interface Session {
  id: string
  userId: string
  aal: 1 | 2
  /** When this session last completed a second factor; null if never. */
  mfaAt: Date | null
  trustedDevice: boolean
  createdAt: Date
  lastSeenAt: Date
  /** The earlier of the idle and the absolute expiry. */
  expiresAt: Date
  ip: string | null
  userAgent: string | null
}

/** A fresh session and its token, which is shown once and stored only as a hash. */
export interface IssuedSession {
  token: string
  session: Session
}

export interface ResolvedSession {
  session: Session
  user: UserRow & { mfa_enabled: boolean }
}

export interface SessionSummary {
  id: string
  current: boolean
  createdAt: string
  lastSeenAt: string
  ip: string | null
  userAgent: string | null
}
