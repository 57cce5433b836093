import Provider, { type Configuration, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider'
import type { Keyring } from '../crypto/keys.js'
import type { ResolvedSession } from '../features/sessions/index.js'
import { cookieName, SESSION_COOKIE } from '../http/cookies.js'
import { AAL1, AAL2, acrOf, wantsAal2 } from './assurance.js'
import type { ClientRegistry } from './clients.js'
import { FIRST_PARTY_PROPERTY } from './clients.js'
import type { SigningJwk } from './keys.js'
import { errorPage, logoutPage, PAGE_HEADERS, postLogoutPage } from './pages.js'

const { Check, base } = interactionPolicy

/** Lifetimes of the provider's artefacts, in seconds. */
export const OIDC_TTL = {
  AccessToken: 3600,
  AuthorizationCode: 60,
  IdToken: 3600,
  Interaction: 3600,
  RefreshToken: 14 * 86_400,
  Grant: 14 * 86_400,
} as const

/**
 * The claims of each scope; `conformIdTokenClaims: false` puts them in the ID token too, as API.md
 * asks. acr, amr and auth_time belong to openid, so every ID token carries them without a claims request.
 */
const CLAIMS = {
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  email: ['email', 'email_verified'],
  profile: ['name'],
  sid: null,
}

export interface ProviderDeps {
  issuer: string
  keys: SigningJwk[]
  keyring: Keyring
  cookieSettings: { secureCookies: boolean }
  sessionMaxTtlSeconds: number
  trustProxy: boolean
  adapter: NonNullable<Configuration['adapter']>
  clients: ClientRegistry
  now(): Date
  /** The Portcullis session of a Portcullis session token, or null. */
  resolveSession(token: string): Promise<ResolvedSession | null>
  /** The claims of a user that may sign in, or undefined (unknown or unable to sign in, e.g. disabled). */
  claimsOf(userId: string): Promise<{ email: string; email_verified: boolean; name: string | null } | undefined>
  /** The newest stored grant of a user for a client, so consent is remembered across provider sessions. */
  findGrantId(accountId: string, clientId: string): Promise<string | undefined>
}

/** The Portcullis session of the browser making a provider request (read from its cookie), or null. */
export async function sessionOfRequest(ctx: KoaContextWithOIDC, deps: Pick<ProviderDeps, 'resolveSession' | 'cookieSettings'>) {
  const token = ctx.cookies.get(cookieName(deps.cookieSettings, SESSION_COOKIE), { signed: false })
  return token ? deps.resolveSession(token) : null
}

/** An oidc-provider instance configured as API.md's "Single sign-on" describes. */
export function createProvider(deps: ProviderDeps): Provider {
  const mountPath = new URL(deps.issuer).pathname
  const policy = base()
  const login = policy.get('login')
  // The provider's own session stands for a Portcullis session: when that ended, changed user or
  // level, the person is sent through the interaction again (or, with prompt=none, login_required).
  login?.checks.add(
    new Check('portcullis_session', 'The Portcullis session ended or changed', 'login_required', async (ctx) => {
      const resolved = await sessionOfRequest(ctx, deps)
      if (!resolved || resolved.session.userId !== ctx.oidc.session?.accountId) return Check.REQUEST_PROMPT
      return acrOf(resolved.session) === ctx.oidc.session.acr ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT
    }),
    2,
  )
  // max_age is measured on the Portcullis session, on Portcullis's clock, like every other session rule.
  login?.checks.add(
    new Check('portcullis_max_age', 'The Portcullis session is older than max_age', 'login_required', async (ctx) => {
      const maxAge = ctx.oidc.params?.max_age
      if (maxAge === undefined || ctx.oidc.result?.login) return Check.NO_NEED_TO_PROMPT
      const resolved = await sessionOfRequest(ctx, deps)
      if (!resolved) return Check.REQUEST_PROMPT
      return deps.now().getTime() - resolved.session.createdAt.getTime() > Number(maxAge) * 1000 ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT
    }),
    3,
  )
  login?.checks.add(
    new Check('aal2_required', 'A second factor is required', 'unmet_authentication_requirements', (ctx) =>
      wantsAal2(ctx.oidc.params?.acr_values as string | undefined) && ctx.oidc.acr !== AAL2 ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
  )

  const cookieKey = deps.keyring.key('oidc-cookie').toString('base64url')
  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, signed: true, secure: deps.cookieSettings.secureCookies }
  const provider = new Provider(deps.issuer, {
    adapter: deps.adapter,
    jwks: { keys: deps.keys },
    acrValues: [AAL1, AAL2],
    claims: CLAIMS,
    conformIdTokenClaims: false,
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_basic', 'none'],
    pkce: { methods: ['S256'], required: (_ctx, client) => client.clientAuthMethod === 'none' },
    extraClientMetadata: { properties: [FIRST_PARTY_PROPERTY] },
    cookies: { keys: [cookieKey], long: cookieOptions, short: cookieOptions },
    ttl: { ...OIDC_TTL, Session: deps.sessionMaxTtlSeconds },
    // Every client gets refresh tokens, and every refresh rotates them: a replayed one revokes the grant.
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('openid'),
    rotateRefreshToken: true,
    // A browser app calls the token and userinfo endpoints from the origin of its redirect URIs, and from nowhere else.
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris?.some((uri) => new URL(uri).origin === origin) ?? false,
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      introspection: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource: logoutPage, postLogoutSuccessSource: postLogoutPage },
    },
    interactions: { policy, url: (_ctx, interaction) => `${mountPath}/interaction/${interaction.uid}` },
    async loadExistingGrant(ctx) {
      const { client, session } = ctx.oidc
      if (!client || !session?.accountId) return undefined
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId) ?? (await deps.findGrantId(session.accountId, client.clientId))
      const existing = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined
      if (existing || !client[FIRST_PARTY_PROPERTY]) return existing
      // A first-party client is consented to by whoever registered it: its grant is made here, so no consent page shows.
      const grant = new ctx.oidc.provider.Grant({ accountId: session.accountId, clientId: client.clientId })
      grant.addOIDCScope('openid email profile offline_access')
      await grant.save()
      return grant
    },
    async findAccount(_ctx, sub) {
      const claims = await deps.claimsOf(sub)
      if (!claims) return undefined
      return { accountId: sub, claims: async () => ({ sub, ...claims, name: claims.name ?? undefined }) }
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html'
      ctx.body = errorPage(out)
    },
  })
  provider.proxy = deps.trustProxy
  provider.use(async (ctx, next) => {
    await next()
    if (ctx.response.is('html')) ctx.set(PAGE_HEADERS)
  })
  return provider
}
