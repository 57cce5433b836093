import { existsSync } from 'node:fs'
import nodemailer from 'nodemailer'
import { loadConfigFromEnv } from '../../config/env.js'
import { DEVELOPMENT_SECRET, type ResolvedOptions, resolveOptions } from '../../config/options.js'
import { ConfigError } from '../../errors.js'
import { redactUrl } from '../../server/redact.js'
import { readServerEnv, type ServerSettings } from '../../server/server-env.js'
import { migrationProvider } from '../../store/migrations/index.js'
import { openStore, type Store } from '../../store/store.js'
import type { Command, Env } from '../command.js'
import { describeError } from '../describe-error.js'

type Level = 'ok' | 'warn' | 'fail'
interface Finding {
  level: Level
  subject: string
  message: string
}

const CHECK_TIMEOUT_MS = 5000

export const doctorCommand: Command = {
  words: ['doctor'],
  summary: 'Check the configuration, the secret, the database and mail',
  help: 'Prints the resolved options with secrets redacted, then one line per check. Exits 1 when a check fails; warnings alone exit 0.',
  async run({ io }) {
    const findings: Finding[] = []
    const resolved = resolveEnv(io.env, findings)
    if (resolved) {
      io.out('Resolved options (secrets redacted):')
      io.out(JSON.stringify(redactOptions(resolved.options, resolved.server), null, 2))
      io.out('')
      checkSecret(resolved.options, findings)
      await checkDatabase(resolved.options, resolved.server, findings)
      await checkMail(resolved.options, findings)
      checkPublicUrl(resolved.options, findings)
    }
    io.out('Checks:')
    for (const finding of findings) io.out(`  ${finding.level.toUpperCase().padEnd(4)}  ${finding.subject}: ${finding.message}`)
    const failures = findings.filter((finding) => finding.level === 'fail').length
    const warnings = findings.filter((finding) => finding.level === 'warn').length
    io.out('')
    io.out(`${failures} failed, ${warnings} ${warnings === 1 ? 'warning' : 'warnings'}.`)
    return failures > 0 ? 1 : 0
  },
}

function resolveEnv(env: Env, findings: Finding[]): { options: ResolvedOptions; server: ServerSettings } | null {
  const issues = []
  let options: ResolvedOptions | undefined
  let server: ServerSettings | undefined
  try {
    options = resolveOptions(loadConfigFromEnv(env))
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    issues.push(...error.issues)
  }
  try {
    server = readServerEnv(env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    issues.push(...error.issues)
  }
  for (const issue of issues) findings.push({ level: 'fail', subject: `config ${issue.path}`, message: issue.message })
  if (!options || !server) {
    findings.push({ level: 'fail', subject: 'config', message: 'fix the configuration to run the other checks' })
    return null
  }
  findings.push({ level: 'ok', subject: 'config', message: `valid${options.production ? ' (production)' : ''}` })
  return { options, server }
}

function redactOptions(options: ResolvedOptions, server: ServerSettings): Record<string, unknown> {
  return {
    ...options,
    secret: '[redacted]',
    previousSecrets: options.previousSecrets.map(() => '[redacted]'),
    adminToken: options.adminToken ? '[redacted]' : undefined,
    databaseUrl: redactUrl(options.databaseUrl),
    smtpUrl: options.smtpUrl ? redactUrl(options.smtpUrl) : undefined,
    port: server.port,
    host: server.host,
    autoMigrate: server.autoMigrate,
  }
}

function checkSecret(options: ResolvedOptions, findings: Finding[]): void {
  if (options.secret === DEVELOPMENT_SECRET) {
    findings.push({ level: 'warn', subject: 'secret', message: 'the built-in development secret is in use; set PORTCULLIS_SECRET (32+ random bytes)' })
    return
  }
  const bytes = Buffer.byteLength(options.secret)
  // The schema already requires 32 bytes; a long string of few distinct characters is still guessable.
  const distinct = new Set(options.secret).size
  if (distinct < 12) {
    findings.push({
      level: 'warn',
      subject: 'secret',
      message: `${bytes} bytes but only ${distinct} distinct characters; use random bytes (openssl rand -base64 32)`,
    })
  } else {
    findings.push({ level: 'ok', subject: 'secret', message: `${bytes} bytes` })
  }
  if (options.previousSecrets.length > 0) {
    findings.push({ level: 'ok', subject: 'secret', message: `${options.previousSecrets.length} previous secret(s) kept for rotation` })
  }
}

async function checkDatabase(options: ResolvedOptions, server: ServerSettings, findings: Finding[]): Promise<void> {
  const shown = redactUrl(options.databaseUrl)
  const sqlitePath = options.databaseUrl.startsWith('sqlite:') ? options.databaseUrl.slice('sqlite:'.length) : null
  if (sqlitePath !== null && sqlitePath !== ':memory:' && !existsSync(sqlitePath)) {
    findings.push({ level: 'warn', subject: 'database', message: `${shown} does not exist yet; \`portcullis serve\` or \`migrate\` creates it` })
    return
  }
  let store: Store
  try {
    store = openStore(options.databaseUrl)
  } catch (error) {
    findings.push({ level: 'fail', subject: 'database', message: describeError(error) })
    return
  }
  try {
    const answered = await withTimeout(store.ping(), CHECK_TIMEOUT_MS)
    if (!answered) {
      findings.push({ level: 'fail', subject: 'database', message: `${shown} does not answer` })
      return
    }
    findings.push({ level: 'ok', subject: 'database', message: `${shown} answers (${store.dialect})` })
    const pending = await pendingMigrations(store)
    if (pending.length === 0) {
      findings.push({ level: 'ok', subject: 'migrations', message: 'schema up to date' })
    } else {
      const applied = store.dialect === 'sqlite' || server.autoMigrate
      findings.push({
        level: applied ? 'warn' : 'fail',
        subject: 'migrations',
        message: `${pending.length} pending (${pending.join(', ')}); ${applied ? 'applied when the server starts' : 'run `portcullis migrate`'}`,
      })
    }
  } catch (error) {
    findings.push({ level: 'fail', subject: 'database', message: describeError(error) })
  } finally {
    // A connection attempt that never answers would hold close() open too.
    await withTimeout(store.close(), 1000).catch(() => undefined)
  }
}

async function pendingMigrations(store: Store): Promise<string[]> {
  const known = Object.keys(await migrationProvider.getMigrations())
  if (!(await hasMigrationTable(store))) return known
  const rows = await store.db.withTables<{ kysely_migration: { name: string } }>().selectFrom('kysely_migration').select('name').execute()
  const applied = new Set(rows.map((row) => row.name))
  return known.filter((name) => !applied.has(name))
}

async function hasMigrationTable(store: Store): Promise<boolean> {
  if (store.dialect === 'sqlite') {
    const tables = await store.db.introspection.getTables({ withInternalKyselyTables: true })
    return tables.some((table) => table.name === 'kysely_migration')
  }
  // PostgreSQL introspection walks every schema (and fails if one is dropped meanwhile);
  // to_regclass looks in the search path only, and answers null instead of failing.
  const row = await store.db.selectNoFrom((eb) => eb.fn<string | null>('to_regclass', [eb.val('kysely_migration')]).as('found')).executeTakeFirst()
  return row?.found != null
}

async function checkMail(options: ResolvedOptions, findings: Finding[]): Promise<void> {
  if (!options.smtpUrl) {
    findings.push(
      options.production
        ? { level: 'warn', subject: 'mail', message: 'SMTP_URL is not set: codes and links are printed to the log instead of being sent' }
        : { level: 'ok', subject: 'mail', message: 'console mail: messages are printed to the log (set SMTP_URL to send them)' },
    )
    return
  }
  let url: URL | undefined
  try {
    url = new URL(options.smtpUrl)
  } catch {}
  if (!url || !['smtp:', 'smtps:'].includes(url.protocol) || !url.hostname) {
    findings.push({ level: 'fail', subject: 'mail', message: `SMTP_URL ${redactUrl(options.smtpUrl)} is not smtp://host:port or smtps://host:port` })
    return
  }
  try {
    await verifySmtp(url)
    findings.push({ level: 'ok', subject: 'mail', message: `SMTP server ${redactUrl(options.smtpUrl)} accepts connections, from ${options.mailFrom}` })
  } catch (error) {
    findings.push({ level: 'fail', subject: 'mail', message: `SMTP server ${redactUrl(options.smtpUrl)}: ${describeError(error)}` })
  }
  if (options.production && /@localhost>?$/.test(options.mailFrom)) {
    findings.push({ level: 'warn', subject: 'mail', message: `MAIL_FROM is ${options.mailFrom}; set a real sender address` })
  }
}

function checkPublicUrl(options: ResolvedOptions, findings: Finding[]): void {
  if (options.production && !options.secureCookies) {
    findings.push({ level: 'warn', subject: 'public URL', message: `${options.publicUrl} is not https, so cookies are sent without Secure` })
  } else {
    findings.push({ level: 'ok', subject: 'public URL', message: options.publicUrl })
  }
}

// Connects, greets and authenticates as the mailer would, without sending anything.
async function verifySmtp(smtpUrl: URL): Promise<void> {
  const url = new URL(smtpUrl)
  for (const name of ['connectionTimeout', 'greetingTimeout', 'socketTimeout']) {
    if (!url.searchParams.has(name)) url.searchParams.set(name, String(CHECK_TIMEOUT_MS))
  }
  const transport = nodemailer.createTransport(url.toString())
  try {
    await transport.verify()
  } finally {
    transport.close()
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
