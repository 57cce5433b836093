import type { Store } from './store.js'

// Spent one-time rows and challenges stay a day past their end, for support questions; then they go.
const GRACE_MS = 86_400_000

/**
 * Deletes rows whose time is over: sessions past their idle or absolute end, expired codes,
 * links, challenges, trusted devices and pending enrolments, and counters whose window and lock
 * have ended. Keeps the database — and every index the hot path reads — from growing without bound.
 */
export async function purgeExpired(store: Store, nowMs: number, sessionIdleMs: number): Promise<number> {
  const db = store.db
  const results = await Promise.all([
    db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('expires_at', '<=', nowMs), eb('last_seen_at', '<=', nowMs - sessionIdleMs)]))
      .executeTakeFirst(),
    db
      .deleteFrom('one_time_tokens')
      .where('expires_at', '<=', nowMs - GRACE_MS)
      .executeTakeFirst(),
    db
      .deleteFrom('mfa_challenges')
      .where('expires_at', '<=', nowMs - GRACE_MS)
      .executeTakeFirst(),
    db.deleteFrom('trusted_devices').where('expires_at', '<=', nowMs).executeTakeFirst(),
    db.deleteFrom('totp_factors').where('status', '=', 'pending').where('expires_at', '<=', nowMs).executeTakeFirst(),
    db
      .deleteFrom('rate_limits')
      .where('window_started_at', '<=', nowMs - GRACE_MS)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', nowMs)]))
      .executeTakeFirst(),
    // The OpenID provider's codes, tokens, sessions and grants, and retired signing keys once no token they signed is valid.
    db.deleteFrom('oidc_models').where('expires_at', '<=', nowMs).executeTakeFirst(),
    db.deleteFrom('oidc_signing_keys').where('expires_at', '<=', nowMs).executeTakeFirst(),
  ])
  return results.reduce((sum, result) => sum + Number(result.numDeletedRows), 0)
}
