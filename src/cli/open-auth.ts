import { loadConfigFromEnv } from '../config/env.js'
import { type Auth, createAuth } from '../create-auth.js'
import { createLogger } from '../logger.js'
import { redactUrl } from '../server/redact.js'
import type { Env } from './command.js'

/**
 * Portcullis configured from the environment, for one-shot commands: quiet logs, and a clear
 * error when the database does not answer.
 * @throws ConfigError for an invalid environment; Error when the database does not answer.
 */
export async function openAuth(env: Env): Promise<Auth> {
  const auth = createAuth({ ...loadConfigFromEnv(env), logger: createLogger(env.LOG_LEVEL ?? 'warn') })
  if (!(await auth.ready())) {
    await auth.close()
    throw new Error(`The database at ${redactUrl(auth.options.databaseUrl)} does not answer`)
  }
  return auth
}
