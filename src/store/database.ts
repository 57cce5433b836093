/**
 * Table types. Instants are epoch milliseconds (bigint in PostgreSQL, integer in SQLite) and
 * flags are 0/1 integers, so one set of queries runs on both dialects.
 */
export interface Database {
  users: UserRow
  sessions: SessionRow & SessionMethodsColumn
  totp_factors: TotpFactorRow
  recovery_codes: RecoveryCodeRow
  one_time_tokens: OneTimeTokenRow
  mfa_challenges: MfaChallengeRow
  trusted_devices: TrustedDeviceRow
  webauthn_credentials: WebauthnCredentialRow
  rate_limits: RateLimitRow
  audit_events: AuditEventRow
  audit_head: AuditHeadRow
  oidc_models: OidcModelRow
  oidc_signing_keys: OidcSigningKeyRow
  oidc_clients: OidcClientRow
}

export interface UserRow {
  id: string
  email: string
  name: string | null
  password_hash: string | null
  email_verified_at: number | null
  created_at: number
  updated_at: number
  /** Set while an administrator has disabled the account. */
  disabled_at: number | null
}

export interface SessionRow {
  id: string
  token_hash: string
  user_id: string
  aal: number
  /** When the session last completed a second factor; null for one-factor sessions. */
  mfa_at: number | null
  trusted_device: number
  created_at: number
  last_seen_at: number
  expires_at: number
  ip: string | null
  user_agent: string | null
}

export interface TotpFactorRow {
  id: string
  user_id: string
  secret_sealed: string
  /** 'pending' until confirmed with a code, then 'active'. */
  status: string
  last_used_step: number | null
  created_at: number
  confirmed_at: number | null
  last_used_at: number | null
  /** Pending enrolments lapse at this instant; null once active. */
  expires_at: number | null
}

export interface RecoveryCodeRow {
  id: string
  user_id: string
  code_hash: string
  created_at: number
  used_at: number | null
}

export interface OneTimeTokenRow {
  id: string
  purpose: string
  user_id: string | null
  email: string
  token_hash: string
  challenge_id: string | null
  data: string | null
  attempts: number
  created_at: number
  expires_at: number
  used_at: number | null
}

export interface MfaChallengeRow {
  id: string
  user_id: string
  first_factor: string
  status: string
  attempts: number
  created_at: number
  expires_at: number
  completed_at: number | null
  /** Where a magic link was meant to lead, once the second factor is done. */
  redirect_to: string | null
}

export interface TrustedDeviceRow {
  id: string
  user_id: string
  token_hash: string
  user_agent: string | null
  created_at: number
  last_used_at: number
  expires_at: number
}

export interface WebauthnCredentialRow {
  id: string
  user_id: string
  credential_id: string
  public_key: string
  counter: number
  transports: string | null
  name: string
  created_at: number
  last_used_at: number | null
}

export interface RateLimitRow {
  key: string
  count: number
  window_started_at: number
  locked_until: number | null
}

export interface AuditEventRow {
  seq: number
  user_id: string | null
  type: string
  at: number
  ip: string | null
  user_agent: string | null
  data: string
  prev_hash: string
  hash: string
}

export interface AuditHeadRow {
  id: number
  seq: number
  hash: string
}

/** How a session was signed in: native method names, comma-separated (read only where the amr claim needs it). */
export interface SessionMethodsColumn {
  methods: string | null
}

/** One artefact of the OpenID provider (oidc-provider's model name is `kind`), its payload as JSON. */
export interface OidcModelRow {
  kind: string
  id: string
  payload: string
  grant_id: string | null
  uid: string | null
  user_code: string | null
  account_id: string | null
  client_id: string | null
  expires_at: number | null
  consumed_at: number | null
}

export interface OidcSigningKeyRow {
  kid: string
  /** The private JWK, sealed (secretbox, purpose oidc-signing-key, bound to the kid). */
  private_sealed: string
  created_at: number
  retired_at: number | null
  expires_at: number | null
}

export interface OidcClientRow {
  id: string
  name: string
  /** Sealed (secretbox, purpose oidc-client-secret, bound to the id); null for a public client. */
  secret_sealed: string | null
  /** JSON arrays of exact URIs. */
  redirect_uris: string
  post_logout_redirect_uris: string
  first_party: number
  created_at: number
}
