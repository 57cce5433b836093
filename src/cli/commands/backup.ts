import { resolve } from 'node:path'
import { loadConfigFromEnv } from '../../config/env.js'
import { resolveOptions } from '../../config/options.js'
import { backupSqlite, restoreSqlite } from '../../store/sqlite.js'
import type { Command, Env } from '../command.js'

// Backups copy the database file; PostgreSQL has its own tools for that (README, "Backups").
function sqlitePathOf(env: Env, verb: string): string {
  const url = resolveOptions(loadConfigFromEnv(env)).databaseUrl
  if (!url.startsWith('sqlite:')) {
    throw new Error(`portcullis ${verb} works on SQLite databases; for PostgreSQL use pg_dump and pg_restore (README, "Backups")`)
  }
  return resolve(url.slice('sqlite:'.length))
}

export const backupCommand: Command = {
  words: ['backup'],
  args: ['<file>'],
  summary: 'Copy the live SQLite database to FILE, consistently, while the server runs',
  help: 'Uses DATABASE_URL (SQLite). Keep PORTCULLIS_SECRET (and any previousSecrets) with the backup: without them TOTP secrets cannot be opened.',
  async run({ positionals, io }) {
    const source = sqlitePathOf(io.env, 'backup')
    const target = resolve(positionals[0] as string)
    const { pages } = await backupSqlite(source, target)
    io.out(`Backed up ${source} to ${target} (${pages} pages).`)
    return 0
  },
}

export const restoreCommand: Command = {
  words: ['restore'],
  args: ['<file>'],
  summary: 'Put a backup made by `portcullis backup` in place of the SQLite database (stop the server first)',
  help: 'Uses DATABASE_URL (SQLite). Refuses while a server or any other process has the database open. Start the server with the secret the backup was made under.',
  async run({ positionals, io }) {
    const target = sqlitePathOf(io.env, 'restore')
    const backup = resolve(positionals[0] as string)
    await restoreSqlite(backup, target)
    io.out(`Restored ${backup} to ${target}.`)
    return 0
  },
}
