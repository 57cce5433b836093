import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server'
import { decodeClientDataJSON } from '@simplewebauthn/server/helpers'
import type { Clock } from '../../clock.js'
import type { Random } from '../../crypto/random.js'
import { hashToken } from '../../crypto/token.js'
import { PortcullisError } from '../../errors.js'
import type { RequestContext } from '../../request-context.js'
import type { WebauthnCredentialRow } from '../../store/database.js'
import { consumeOnce, insertToken, type TokenPurpose } from '../../store/one-time-tokens.js'
import type { Executor, Store } from '../../store/store.js'
import type { AuditService } from '../audit/index.js'
import type { LockoutService } from '../lockout/index.js'
import type { Factor, FactorResult } from '../mfa/index.js'
import * as queries from './store.js'

export interface WebauthnDeps {
  store: Store
  clock: Clock
  random: Random
  audit: AuditService
  lockout: LockoutService
  options: { publicUrl: string; allowedOrigins: string[]; totpIssuer: string }
}

export interface PasskeySummary {
  id: string
  name: string
  createdAt: string
  lastUsedAt: string | null
}

// A ceremony (options, then the authenticator, then verify) must finish within this.
const CEREMONY_TTL_MS = 5 * 60_000
const CEREMONY_TIMEOUT_MS = 120_000
// Each options request writes a row: bounded per client address (authentication) and per user (registration).
const OPTIONS_PER_ADDRESS = 60
const OPTIONS_WINDOW_SECONDS = 600

const refused = () => new PortcullisError('invalid_code', 'The passkey could not be verified; try again')

/** The challenge the authenticator signed, read from clientDataJSON; null if unreadable. */
function signedChallenge(response: { response?: { clientDataJSON?: unknown } } | null): string | null {
  const encoded = response?.response?.clientDataJSON
  if (typeof encoded !== 'string') return null
  try {
    const { challenge } = decodeClientDataJSON(encoded) as { challenge?: unknown }
    return typeof challenge === 'string' && challenge.length > 0 ? challenge : null
  } catch {
    return null
  }
}

function transportsOf(row: WebauthnCredentialRow): AuthenticatorTransportFuture[] | undefined {
  return row.transports ? (JSON.parse(row.transports) as AuthenticatorTransportFuture[]) : undefined
}

/**
 * Passkeys (WebAuthn): registration for a signed-in user, and assertions either as the second
 * factor of a pending MFA challenge or as a passwordless sign-in. Every ceremony challenge is
 * random, stored as a hash, bound to its user (and MFA challenge), and spent once.
 */
export function createWebauthnService(deps: WebauthnDeps) {
  const publicUrl = new URL(deps.options.publicUrl)
  const rp = { id: publicUrl.hostname, name: deps.options.totpIssuer, origins: [publicUrl.origin, ...deps.options.allowedOrigins] }
  const now = () => deps.clock.now().getTime()

  async function startCeremony(purpose: TokenPurpose, userId: string | null, email: string, challengeId: string | null): Promise<string> {
    const challenge = deps.random.bytes(32).toString('base64url')
    const createdAt = now()
    await insertToken(deps.store, {
      id: deps.random.id(),
      purpose,
      user_id: userId,
      email,
      token_hash: hashToken(challenge),
      challenge_id: challengeId,
      data: null,
      attempts: 0,
      created_at: createdAt,
      expires_at: createdAt + CEREMONY_TTL_MS,
      used_at: null,
    })
    return challenge
  }

  /** Spends the ceremony the response answers: live, of this purpose, once. Null otherwise. */
  async function takeCeremony(purpose: TokenPurpose, response: { response?: { clientDataJSON?: unknown } } | null) {
    const challenge = signedChallenge(response)
    if (!challenge) return null
    const row = await consumeOnce(deps.store.db, purpose, hashToken(challenge), now())
    if (!row) return null
    return { challenge, userId: row.user_id, challengeId: row.challenge_id }
  }

  async function registrationOptions(user: { id: string; email: string; name: string | null }): Promise<PublicKeyCredentialCreationOptionsJSON> {
    await deps.lockout.consume(`webauthn-register:user:${user.id}`, OPTIONS_PER_ADDRESS, OPTIONS_WINDOW_SECONDS)
    const existing = await queries.listCredentials(deps.store, user.id)
    const challenge = await startCeremony('webauthn_register', user.id, user.email, null)
    return generateRegistrationOptions({
      rpName: rp.name,
      rpID: rp.id,
      userName: user.email,
      userDisplayName: user.name ?? user.email,
      userID: new TextEncoder().encode(user.id),
      challenge: Buffer.from(challenge, 'base64url'),
      timeout: CEREMONY_TIMEOUT_MS,
      attestationType: 'none',
      excludeCredentials: existing.map((row) => ({ id: row.credential_id, ...(row.transports ? { transports: transportsOf(row) } : {}) })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    })
  }

  /**
   * Verifies a new passkey and stores it; audited as a factor enrolled.
   * @throws invalid_code (a response that does not verify, or whose ceremony is spent or someone else's), conflict (already registered)
   */
  async function register(
    userId: string,
    response: RegistrationResponseJSON,
    name: string | undefined,
    context: RequestContext,
    also?: (db: Executor) => Promise<void>,
  ): Promise<PasskeySummary> {
    const ceremony = await takeCeremony('webauthn_register', response)
    if (!ceremony || ceremony.userId !== userId) throw refused()
    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge: ceremony.challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserVerification: false,
    }).catch(() => null)
    if (!result?.verified) throw refused()
    const { credential } = result.registrationInfo
    const createdAt = now()
    const row: WebauthnCredentialRow = {
      id: deps.random.id(),
      user_id: userId,
      credential_id: credential.id,
      public_key: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: credential.transports ? JSON.stringify(credential.transports) : null,
      name: name?.trim() || 'Passkey',
      created_at: createdAt,
      last_used_at: null,
    }
    if (!(await queries.insertCredential(deps.store, row, also))) throw new PortcullisError('conflict', 'This passkey is registered already')
    await deps.audit.record('passkey_added', userId, context, { type: 'webauthn', credentialId: row.id })
    return summary(row)
  }

  /**
   * Options for an assertion: of a pending MFA challenge's user (`challenge` given), of a
   * signed-in user stepping up (no challenge id), or passwordless (null).
   */
  async function authenticationOptions(
    pending: { challengeId: string | null; userId: string } | null,
    context: RequestContext,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    if (context.ip) await deps.lockout.consume(`webauthn-options:ip:${context.ip}`, OPTIONS_PER_ADDRESS, OPTIONS_WINDOW_SECONDS)
    const credentials = pending ? await queries.listCredentials(deps.store, pending.userId) : []
    const challenge = await startCeremony('webauthn_authenticate', pending?.userId ?? null, '', pending?.challengeId ?? null)
    return generateAuthenticationOptions({
      rpID: rp.id,
      challenge: Buffer.from(challenge, 'base64url'),
      timeout: CEREMONY_TIMEOUT_MS,
      // Passwordless: the passkey is the whole sign-in, so it must verify the user (two factors in one).
      userVerification: pending ? 'preferred' : 'required',
      allowCredentials: credentials.map((row) => ({ id: row.credential_id, ...(row.transports ? { transports: transportsOf(row) } : {}) })),
    })
  }

  /** Checks an assertion against a ceremony just taken; moves the credential's counter on. */
  async function checkAssertion(
    response: AuthenticationResponseJSON,
    ceremony: { challenge: string },
    requireUserVerification: boolean,
  ): Promise<WebauthnCredentialRow | null> {
    const row = typeof response.id === 'string' ? await queries.findByCredentialId(deps.store, response.id) : undefined
    if (!row) return null
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: ceremony.challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserVerification,
      credential: { id: row.credential_id, publicKey: Buffer.from(row.public_key, 'base64url'), counter: Number(row.counter), transports: transportsOf(row) },
    }).catch(() => null)
    if (!result?.verified) return null
    const { newCounter } = result.authenticationInfo
    if (!(await queries.recordUse(deps.store, row.id, Number(row.counter), newCounter, now()))) return null
    return row
  }

  /**
   * The factor of a challenge (ceremony bound to that challenge) or of a step-up (ceremony bound
   * to the signed-in user and no challenge): either way the ceremony must name this user.
   */
  const factor: Factor = {
    method: 'webauthn',
    isEnrolled: (userId) => queries.hasCredential(deps.store, userId),
    async verify(userId, input, challengeId): Promise<FactorResult> {
      if (!('assertion' in input)) return { ok: false }
      const response = input.assertion as unknown as AuthenticationResponseJSON
      const ceremony = await takeCeremony('webauthn_authenticate', response)
      if (!ceremony || ceremony.userId !== userId || ceremony.challengeId !== (challengeId ?? null)) return { ok: false }
      const row = await checkAssertion(response, ceremony, false)
      return row && row.user_id === userId ? { ok: true } : { ok: false }
    },
  }

  /**
   * Checks a passwordless assertion (a ceremony with no user, user verification required) and
   * answers whose passkey it was; the MFA service makes the session.
   * @throws invalid_code
   */
  async function verifyPasswordless(response: AuthenticationResponseJSON): Promise<string> {
    const ceremony = await takeCeremony('webauthn_authenticate', response)
    if (!ceremony || ceremony.userId !== null) throw refused()
    const row = await checkAssertion(response, ceremony, true)
    if (!row) throw refused()
    return row.user_id
  }

  function summary(row: WebauthnCredentialRow): PasskeySummary {
    return {
      id: row.id,
      name: row.name,
      createdAt: new Date(Number(row.created_at)).toISOString(),
      lastUsedAt: row.last_used_at === null ? null : new Date(Number(row.last_used_at)).toISOString(),
    }
  }

  return {
    factor,
    registrationOptions,
    register,
    authenticationOptions,
    verifyPasswordless,
    list: async (userId: string) => (await queries.listCredentials(deps.store, userId)).map(summary),
    /** Deletes one passkey; false when it is not the user's. The caller checks the step-up and audits. */
    remove: (userId: string, id: string) => queries.deleteCredential(deps.store, userId, id),
    removeAll: (userId: string) => queries.deleteCredentials(deps.store, userId),
    isEnrolled: factor.isEnrolled,
  }
}

export type WebauthnService = ReturnType<typeof createWebauthnService>
