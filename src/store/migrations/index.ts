import type { Migration, MigrationProvider } from 'kysely'
import * as initial from './0001-initial.js'
import * as webauthnUserIndex from './0002-webauthn-user-index.js'
import * as accounts from './0003-accounts.js'
import * as oidc from './0004-oidc.js'
import * as sessionChangeNotify from './0005-session-change-notify.js'

/** Migrations as data, in order; the same list for SQLite and PostgreSQL. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async (): Promise<Record<string, Migration>> => ({
    '0001-initial': initial,
    '0002-webauthn-user-index': webauthnUserIndex,
    '0003-accounts': accounts,
    '0004-oidc': oidc,
    '0005-session-change-notify': sessionChangeNotify,
  }),
}
