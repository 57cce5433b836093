import { type Clock, systemClock } from './clock.js'
import { type AuthOptions, type ResolvedOptions, resolveOptions } from './config/options.js'
import { createKeyring } from './crypto/keys.js'
import { cryptoRandom } from './crypto/random.js'
import { accountRoutes } from './features/accounts/routes.js'
import { createAccountService } from './features/accounts/index.js'
import { createAuditService } from './features/audit/index.js'
import { createLockoutService } from './features/lockout/index.js'
import { createMfaService } from './features/mfa/index.js'
import { createSessionService } from './features/sessions/index.js'
import { sessionRoutes } from './features/sessions/routes.js'
import { createApiApp } from './http/app.js'
import { createCsrfGuard } from './http/csrf.js'
import type { HandlerInfo } from './http/env.js'
import { createSessionReader } from './http/session.js'
import { createLogger } from './logger.js'
import { createConsoleMailer } from './mail/console-mailer.js'
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
  const mailer = input.mailer ?? createConsoleMailer(logger)
  const random = cryptoRandom
  const keyring = createKeyring(options.secret, options.previousSecrets)
  const store = openStore(options.databaseUrl)

  const audit = createAuditService({ store, clock, keyring })
  const lockout = createLockoutService({ store, clock, options })
  const sessions = createSessionService({ store, clock, random, options })
  const mfa = createMfaService({ sessions, audit })
  const accounts = createAccountService({ store, clock, random, audit, lockout, sessions, mfa, options, hasActiveFactor: async () => false })

  const reader = createSessionReader(sessions, options)
  const kit = { sessions: reader, csrf: createCsrfGuard(options, keyring, random, reader), options }
  const app = createApiApp({
    kit,
    logger,
    random,
    routes: [accountRoutes(accounts, kit), sessionRoutes(sessions, audit, kit)],
  })

  const api = {
    accounts,
    sessions,
    lockout,
    audit,
    mfa,
    passwords: { validate: accounts.validatePassword, policy: accounts.policy },
  }

  return {
    /** A standard fetch handler serving the API under `basePath`. */
    handler: (request: Request, info: HandlerInfo = {}): Promise<Response> => Promise.resolve(app.fetch(request, info)),
    api,
    options,
    mailer,
    logger,
    /** Applies pending database migrations. */
    migrate: () => store.migrate(),
    /** True when the database answers. */
    ready: () => store.ping(),
    close: () => store.close(),
  }
}

export type Auth = ReturnType<typeof createAuth>
