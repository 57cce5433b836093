import { redactUrl } from '../../server/redact.js'
import type { Command } from '../command.js'
import { openAuth } from '../open-auth.js'

export const migrateCommand: Command = {
  words: ['migrate'],
  summary: 'Apply pending database migrations',
  help: 'Uses DATABASE_URL. Safe to run from several processes at once: the migrator takes a lock.',
  async run({ io }) {
    const auth = await openAuth(io.env)
    try {
      await auth.migrate()
      io.out(`Migrations applied: ${redactUrl(auth.options.databaseUrl)} is up to date.`)
      return 0
    } finally {
      await auth.close()
    }
  },
}
