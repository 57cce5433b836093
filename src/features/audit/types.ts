/** Every audit event type of the HTTP contract. */
export const AUDIT_EVENT_TYPES = [
  'sign_in_succeeded',
  'sign_in_failed',
  'mfa_challenge_issued',
  'mfa_challenge_failed',
  'mfa_challenge_completed',
  'factor_enrolled',
  'factor_disabled',
  'recovery_codes_generated',
  'recovery_code_used',
  'account_locked',
  'account_unlocked',
  'admin_mfa_reset',
  'trusted_device_added',
  'trusted_device_revoked',
  'password_changed',
  'password_reset',
  'session_revoked',
  'mfa_recovery_requested',
  'mfa_recovery_cancelled',
  'mfa_recovery_completed',
  'oidc_authorization_granted',
  'oidc_token_issued',
  'oidc_refresh_token_rotated',
  'oidc_refresh_token_replayed',
  'oidc_consent_given',
  'oidc_consent_revoked',
  'oidc_grant_revoked',
  'step_up_completed',
  'passkey_added',
  'passkey_removed',
  'account_created',
  'account_deleted',
  'account_disabled',
  'account_enabled',
] as const

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number]

/** Non-secret facts about an event: method names, ids, reasons. Never a code, token or password. */
export type AuditData = Record<string, string | number | boolean | null>

export interface AuditEvent {
  type: AuditEventType
  at: string
  ip: string | null
  userAgent: string | null
  data: AuditData
}

/** The outcome of walking the chain: where it first breaks, if anywhere. */
export type ChainVerdict = { ok: true; entries: number } | { ok: false; entries: number; seq: number; problem: string }
