import type Provider from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import type { Clock } from '../clock.js'
import type { Keyring } from '../crypto/keys.js'
import type { Random } from '../crypto/random.js'
import type { AuditData, AuditEventType, AuditService } from '../features/audit/index.js'
import type { ResolvedSession } from '../features/sessions/index.js'
import { clientAddress, socketAddress } from '../http/client-address.js'
import type { Logger } from '../logger.js'
import type { RequestContext } from '../request-context.js'
import type { Store } from '../store/store.js'
import { createAdapterFactory } from './adapter.js'
import { createClientRegistry } from './clients.js'
import { createSigningKeys } from './keys.js'
import { createProvider, OIDC_TTL, sessionOfRequest } from './provider.js'
import * as queries from './store.js'

export interface OidcDeps {
  store: Store
  clock: Clock
  random: Random
  keyring: Keyring
  logger: Logger
  audit: AuditService
  options: { oidcIssuer: string; secureCookies: boolean; sessionMaxTtlSeconds: number; trustProxy: number }
  resolveSession(token: string): Promise<ResolvedSession | null>
  /** Ends a Portcullis session (signing out at the provider signs out of Portcullis). */
  endSession(resolved: ResolvedSession, context: RequestContext): Promise<unknown>
  /** The user's claims when the user exists and may sign in (the accounts service says so); undefined otherwise. */
  claimsOf(userId: string): Promise<{ email: string; email_verified: boolean; name: string | null } | undefined>
}

// How often a running process looks for keys another process rotated.
const KEY_CHECK_MS = 60_000

/**
 * The OpenID provider: oidc-provider on the project's store, its signing keys and clients, and
 * the audit events of its grants. Its protocol endpoints are oidc-provider's; the sign-in of an
 * authorization is the web UI's (see interaction.tsx).
 */
export function createOidc(deps: OidcDeps) {
  const clients = createClientRegistry(deps)
  const keys = createSigningKeys({ ...deps, maxSignedTtlSeconds: Math.max(OIDC_TTL.IdToken, OIDC_TTL.AccessToken) })
  const mountPath = new URL(deps.options.oidcIssuer).pathname

  const record = (type: AuditEventType, userId: string | null | undefined, context: RequestContext, data: AuditData) =>
    deps.audit
      .record(type, userId ?? null, context, data)
      .catch((error: unknown) => deps.logger.error({ err: error, type }, 'recording an OpenID audit event failed'))

  const contextOf = (ctx: KoaContextWithOIDC): RequestContext => ({
    ip: clientAddress(socketAddress(ctx.req), ctx.get('x-forwarded-for') || undefined, deps.options.trustProxy),
    userAgent: ctx.get('user-agent').slice(0, 512) || null,
  })

  const adapter = createAdapterFactory({
    store: deps.store,
    clock: deps.clock,
    clients,
    onRaceReplay: async (kind, grantId, accountId) => {
      const type = kind === 'RefreshToken' ? 'oidc_refresh_token_replayed' : 'oidc_grant_revoked'
      await record(type, accountId, { ip: null, userAgent: null }, { grantId: grantId ?? null, reason: `${kind}_replayed_concurrently` })
    },
  })

  function listen(provider: Provider): void {
    provider.on('authorization.success', (ctx: KoaContextWithOIDC) => {
      const { session, client, params } = ctx.oidc
      void record('oidc_authorization_granted', session?.accountId, contextOf(ctx), {
        clientId: client?.clientId ?? null,
        acr: session?.acr ?? null,
        scope: typeof params?.scope === 'string' ? params.scope : null,
      })
    })
    provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
      const { client, params, entities } = ctx.oidc
      const rotated = entities.RotatedRefreshToken
      const accountId = entities.Account?.accountId
      const data = { clientId: client?.clientId ?? null, grantType: String(params?.grant_type ?? ''), grantId: entities.Grant?.jti ?? null }
      void record(rotated ? 'oidc_refresh_token_rotated' : 'oidc_token_issued', accountId, contextOf(ctx), data)
    })
    provider.on('grant.revoked', (ctx: KoaContextWithOIDC, grantId: string) => {
      const { entities, params, route } = ctx.oidc
      const accountId = entities.Grant?.accountId ?? entities.RefreshToken?.accountId ?? entities.AuthorizationCode?.accountId ?? entities.Session?.accountId
      const grantType = route === 'token' ? String(params?.grant_type ?? '') : ''
      // oidc-provider revokes a grant from the token endpoint only when a spent code or refresh token comes back.
      if (grantType === 'refresh_token') void record('oidc_refresh_token_replayed', accountId, contextOf(ctx), { grantId })
      else void record('oidc_grant_revoked', accountId, contextOf(ctx), { grantId, reason: grantType === 'authorization_code' ? 'code_replayed' : route })
    })
    provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
      // Signing out at the provider signs out of Portcullis too: the two sessions are one sign-in.
      void sessionOfRequest(ctx, { resolveSession: deps.resolveSession, cookieSettings: deps.options })
        .then((resolved) => (resolved ? deps.endSession(resolved, contextOf(ctx)) : undefined))
        .catch((error: unknown) => deps.logger.error({ err: error }, 'ending the Portcullis session at OpenID logout failed'))
    })
    provider.on('server_error', (_ctx: unknown, error: unknown) => deps.logger.error({ err: error }, 'OpenID provider error'))
  }

  let current: { provider: Provider; fingerprint: string; checkedAt: number } | undefined
  let building: Promise<Provider> | undefined

  /** The provider, built on first use and again when the signing keys changed (another process rotated them). */
  async function provider(): Promise<Provider> {
    const now = deps.clock.now().getTime()
    if (current && now - current.checkedAt < KEY_CHECK_MS) return current.provider
    building ??= (async () => {
      const set = await keys.load()
      if (!current || current.fingerprint !== set.fingerprint) {
        const built = createProvider({
          issuer: deps.options.oidcIssuer,
          keys: set.keys,
          keyring: deps.keyring,
          cookieSettings: deps.options,
          sessionMaxTtlSeconds: deps.options.sessionMaxTtlSeconds,
          trustProxy: deps.options.trustProxy > 0 || deps.options.secureCookies,
          adapter,
          clients,
          resolveSession: deps.resolveSession,
          now: () => deps.clock.now(),
          claimsOf: deps.claimsOf,
          findGrantId: async (accountId, clientId) => (await queries.findGrants(deps.store, accountId, clientId))[0]?.id,
        })
        listen(built)
        current = { provider: built, fingerprint: set.fingerprint, checkedAt: now }
      } else {
        current.checkedAt = now
      }
      return current.provider
    })().finally(() => {
      building = undefined
    })
    return building
  }

  /**
   * Revokes every grant of a user (and the tokens issued under them) and ends the user's provider
   * sessions; for account disable and deletion. Returns how many grants went.
   */
  async function revokeGrantsForUser(userId: string, context: RequestContext, reason = 'account'): Promise<number> {
    const grants = await queries.findGrants(deps.store, userId)
    for (const grant of grants) {
      await queries.deleteGrantArtefacts(deps.store, grant.id)
      await record('oidc_grant_revoked', userId, context, { grantId: grant.id, clientId: grant.clientId, reason })
    }
    await queries.deleteAccountSessions(deps.store, userId)
    return grants.length
  }

  /** Withdraws a user's consent to a client: its grants and tokens go, and the next authorization asks again. */
  async function revokeConsent(userId: string, clientId: string, context: RequestContext): Promise<boolean> {
    const grants = await queries.findGrants(deps.store, userId, clientId)
    for (const grant of grants) await queries.deleteGrantArtefacts(deps.store, grant.id)
    if (grants.length > 0) await record('oidc_consent_revoked', userId, context, { clientId })
    return grants.length > 0
  }

  return {
    mountPath,
    /** The configured issuer URL: every URL the provider builds is on it. */
    issuer: deps.options.oidcIssuer,
    clients,
    provider,
    /** Makes a new signing key; the old one stays in JWKS until the tokens it signed have expired. */
    rotateKeys: () => keys.rotate(),
    revokeGrantsForUser,
    revokeConsent,
    /** False for an unknown user or one the accounts service will not let sign in (e.g. disabled). */
    canSignIn: async (userId: string) => (await deps.claimsOf(userId)) !== undefined,
    now: () => deps.clock.now(),
    recordConsent: (userId: string, clientId: string, scope: string, context: RequestContext) =>
      record('oidc_consent_given', userId, context, { clientId, scope }),
    /** Remembers that an interaction signed its person out for a fresh sign-in (prompt=login, max_age). */
    markReauthentication: (uid: string, ttlSeconds: number) =>
      queries.upsertModel(deps.store, {
        kind: 'PortcullisReauth',
        id: uid,
        payload: '{}',
        grant_id: null,
        uid: null,
        user_code: null,
        account_id: null,
        client_id: null,
        expires_at: deps.clock.now().getTime() + ttlSeconds * 1000,
        consumed_at: null,
      }),
    hasReauthenticated: async (uid: string) => (await queries.findModel(deps.store, 'PortcullisReauth', uid)) !== undefined,
  }
}

export type Oidc = ReturnType<typeof createOidc>
