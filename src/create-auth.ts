import { type Clock, systemClock } from './clock.js'
import { mountProfiles } from './compat/index.js'
import { type AuthOptions, type ResolvedOptions, resolveOptions } from './config/options.js'
import { sharedArgon2Pool } from './crypto/argon2-pool.js'
import { createKeyring } from './crypto/keys.js'
import { cryptoRandom } from './crypto/random.js'
import { createAccountService, createEmailLinkService, createSignUpService, findUserById, toUser } from './features/accounts/index.js'
import { accountOperations } from './features/accounts/openapi.js'
import { accountRoutes } from './features/accounts/routes.js'
import { createAdminService } from './features/admin/index.js'
import { adminOperations } from './features/admin/openapi.js'
import { adminRoutes } from './features/admin/routes.js'
import { createAuditService } from './features/audit/index.js'
import { createEmailOtpService } from './features/email-otp/index.js'
import { emailOtpOperations } from './features/email-otp/openapi.js'
import { emailOtpRoutes } from './features/email-otp/routes.js'
import { createLockoutService } from './features/lockout/index.js'
import { createMagicLinkService } from './features/magic-link/index.js'
import { magicLinkOperations } from './features/magic-link/openapi.js'
import { magicLinkRoutes } from './features/magic-link/routes.js'
import { createChallengeService, createMfaRecoveryService, createMfaService, createStepUp, createTrustedDeviceService } from './features/mfa/index.js'
import { mfaOperations } from './features/mfa/openapi.js'
import { mfaRecoveryRoutes } from './features/mfa/recovery-routes.js'
import { mfaRoutes } from './features/mfa/routes.js'
import { createRecoveryCodeService, DEFAULT_RECOVERY_CODE_COUNT } from './features/recovery-codes/index.js'
import { createSessionService } from './features/sessions/index.js'
import { sessionOperations } from './features/sessions/openapi.js'
import { sessionRoutes } from './features/sessions/routes.js'
import { createTotpService } from './features/totp/index.js'
import { createWebauthnService, webauthnRoutes } from './features/webauthn/index.js'
import { webauthnOperations } from './features/webauthn/openapi.js'
import { createApiApp, listRoutes } from './http/app.js'
import { createCsrfGuard } from './http/csrf.js'
import type { HandlerInfo } from './http/env.js'
import { buildOpenApiDocument, openApiOperation, openApiRoutes, referencePageOperation } from './http/openapi-route.js'
import { type RequestLike, sessionTokenOf } from './http/request-session.js'
import { createSessionReader } from './http/session.js'
import { createLogger } from './logger.js'
import { createConsoleMailer } from './mail/console-mailer.js'
import { createNotifier } from './mail/notifier.js'
import { createOutbox } from './mail/outbox.js'
import { createSmtpMailer } from './mail/smtp-mailer.js'
import { createOidc } from './oidc/index.js'
import { NO_CONTEXT } from './request-context.js'
import { purgeExpired } from './store/housekeeping.js'
import { openStore } from './store/store.js'

/**
 * Builds Portcullis from options: a fetch handler serving the HTTP contract, the typed API,
 * and the store's lifecycle. Wiring only; every rule lives in a feature service.
 * @throws ConfigError listing every invalid option.
 */
export function createAuth(input: AuthOptions = {}) {
  const options: ResolvedOptions = resolveOptions(input)
  const clock: Clock = input.clock ?? systemClock
  const logger = input.logger ?? createLogger()
  const smtp = !input.mailer && options.smtpUrl ? createSmtpMailer(options.smtpUrl, options.mailFrom) : null
  const mailer = input.mailer ?? smtp ?? createConsoleMailer(logger)
  const outbox = createOutbox(mailer, logger)
  // The hashing threads are shared by the whole process, so the last createAuth sets their queue.
  sharedArgon2Pool().setQueueLimit(options.hashQueueLimit)
  const random = cryptoRandom
  const keyring = createKeyring(options.secret, options.previousSecrets)
  const store = openStore(options.databaseUrl, {
    onConnectionError: (error) => logger.warn({ err: error }, 'database connection lost; requests needing it answer 503 until it is back'),
    log: logger,
  })
  const base = { store, clock, random, keyring }

  const emailOf = async (userId: string) => (await findUserById(store, userId))?.email ?? null
  const notify = createNotifier({ outbox, clock, product: options.totpIssuer, emailOf })
  const audit = createAuditService({ ...base, notify })
  const lockout = createLockoutService({ store, clock, options })
  const sessions = createSessionService({ ...base, audit, options })
  const totp = createTotpService({ ...base, options })
  const recoveryCodes = createRecoveryCodeService(base)
  const emailOtp = createEmailOtpService({ ...base, outbox, lockout, options })
  const webauthn = createWebauthnService({ ...base, audit, lockout, options })
  const factors = [totp.factor, webauthn.factor, recoveryCodes.factor, ...(options.emailSecondFactor ? [emailOtp.factor] : [])]
  const challenges = createChallengeService({ ...base, audit, lockout, factors, options })
  const trustedDevices = createTrustedDeviceService({ ...base, audit, options })
  const stepUp = createStepUp({ clock, audit, lockout, factors: [totp.factor, recoveryCodes.factor, webauthn.factor], markMfa: sessions.markMfa })
  const mfa = createMfaService({
    store,
    clock,
    audit,
    sessions,
    totp,
    recoveryCodes,
    emailOtp,
    challenges,
    trustedDevices,
    stepUp,
    passkeys: webauthn,
    options,
  })
  const emailLinks = createEmailLinkService({ ...base, outbox, audit, lockout, sessions, mfa, options })
  const signUps = createSignUpService({ ...base, outbox, audit, lockout, sessions, emailLinks, options })
  const accounts = createAccountService({
    ...base,
    audit,
    lockout,
    sessions,
    mfa,
    emailLinks,
    signUps,
    outbox,
    options,
    // Disabling or deleting an account also revokes its single sign-on grants (called after start-up, once `oidc` exists).
    endSignOnGrants: (userId, context, reason) => oidc.revokeGrantsForUser(userId, context, reason),
  })
  const magicLinks = createMagicLinkService({ ...base, outbox, lockout, options })
  const mfaRecovery = createMfaRecoveryService({ ...base, outbox, audit, lockout, accounts, challenges, mfa, options })
  const admin = createAdminService({ store, accounts, mfa, lockout, audit, sessions })

  const oidc = createOidc({
    ...base,
    logger,
    audit,
    options,
    resolveSession: (token) => sessions.resolve(token),
    endSession: ({ session }, context) => sessions.revoke(session.userId, session.id, session.id, context, 'logout'),
    // Who may sign in is the accounts' rule: an unknown or disabled user may not.
    claimsOf: async (userId) => {
      const user = await findUserById(store, userId)
      return user && user.disabled_at === null ? { email: user.email, email_verified: user.email_verified_at !== null, name: user.name } : undefined
    },
  })

  const reader = createSessionReader(sessions, options)
  const kit = { sessions: reader, csrf: createCsrfGuard(options, keyring, random, reader), options }
  // Each route group's documentation, from the openapi.ts beside its routes.ts; a route without one fails test/contract/openapi.test.ts.
  const operations = [
    ...accountOperations,
    ...sessionOperations,
    ...mfaOperations,
    ...emailOtpOperations,
    ...magicLinkOperations,
    ...webauthnOperations,
    ...adminOperations,
    openApiOperation,
    referencePageOperation,
  ]
  const app = createApiApp({
    kit,
    logger,
    random,
    routes: [
      accountRoutes(accounts, emailLinks, kit),
      sessionRoutes(sessions, kit),
      mfaRoutes(mfa, totp, accounts, kit),
      mfaRecoveryRoutes(mfaRecovery, kit),
      emailOtpRoutes(emailOtp, mfa, accounts, kit),
      magicLinkRoutes(magicLinks, mfa, accounts, kit),
      webauthnRoutes(webauthn, mfa, accounts, kit),
      adminRoutes(admin, options.adminToken),
      openApiRoutes(operations, options.basePath),
    ],
  })
  mountProfiles(app, options.compat, { accounts, mfa, totp, emailOtp, magicLinks, admin, kit })

  const api = {
    accounts,
    sessions,
    lockout,
    audit,
    admin,
    emailOtp,
    magicLinks,
    emailLinks,
    webauthn,
    mfaRecovery,
    passwords: { validate: accounts.validatePassword, policy: accounts.policy },
    mfa: {
      ...mfa,
      /** Starts a TOTP enrolment for a user, as POST /mfa/totp/enroll does. */
      enrollTotp: async (userId: string, issuer?: string) => totp.enroll(userId, (await accounts.getUser(userId)).email, issuer),
      /** A pending TOTP enrolment shown again (QR code and secret), or null once confirmed or expired. */
      showTotpEnrollment: async (userId: string, enrollmentId: string, issuer?: string) =>
        totp.showPending(userId, enrollmentId, (await accounts.getUser(userId)).email, issuer),
      /** Checks a TOTP code for a user (single use per time step). */
      verifyTotp: async (userId: string, code: string) => (await totp.verify(userId, code)).ok,
      /** Replaces a user's recovery codes without a step-up: for trusted server code only. */
      generateRecoveryCodes: (userId: string, count = DEFAULT_RECOVERY_CODE_COUNT) => recoveryCodes.generate(userId, count),
      /** Starts a challenge for a user whose first factor the caller has checked. */
      issueChallenge: (userId: string, context = NO_CONTEXT) => mfa.issueChallenge(userId, context),
    },
  }

  return {
    /** A standard fetch handler serving the API under `basePath`. */
    handler: (request: Request, info: HandlerInfo = {}): Promise<Response> => Promise.resolve(app.fetch(request, info)),
    api,
    /** Every method and path the API serves (`:name` marks a path parameter), read from the routes themselves. */
    routes: () => listRoutes(app),
    /** The HTTP pieces the API's routes share (session reader, CSRF guard), for pages served beside the API. */
    kit,
    options,
    mailer,
    logger,
    /** The OpenID provider (served when `oidcEnabled`): its clients, signing keys and grants. */
    oidc,
    /**
     * The user and session a request carries (bearer token or session cookie), for an application's
     * own routes; null without a valid session. Reading it counts as activity for the idle timeout.
     */
    async getSession(request: RequestLike) {
      const token = sessionTokenOf(request, options)
      const resolved = token ? await sessions.resolve(token) : null
      return resolved ? { user: toUser(resolved.user, resolved.user.mfa_enabled), session: resolved.session } : null
    },
    /** The OpenAPI 3.1 document of the HTTP API (also served at `{basePath}/openapi.json`). */
    openapi: () => buildOpenApiDocument(operations, options.basePath),
    /** Applies pending database migrations. */
    migrate: () => store.migrate(),
    /** True when the database answers. */
    ready: () => store.ping(),
    /** Deletes expired sessions, codes, links, challenges and counters; returns how many rows went. */
    purgeExpired: () => purgeExpired(store, clock.now().getTime(), options.sessionIdleTtlSeconds * 1000),
    /** What the bounded queues hold now: password hashing (shared by the process) and this instance's mail. */
    load: () => ({ hashing: sharedArgon2Pool().load(), mail: outbox.load() }),
    /** Waits for mail already handed over to be sent. */
    flushMail: () => outbox.flush(),
    async close() {
      await outbox.flush()
      smtp?.close()
      await store.close()
    },
  }
}

export type Auth = ReturnType<typeof createAuth>
