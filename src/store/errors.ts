/** True for a unique-index violation, from either driver: better-sqlite3's code or PostgreSQL's SQLSTATE 23505. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE'
}

// Connection-level failures: the server is down, restarting, refusing connections or unreachable.
// SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown, crash,
// cannot connect now), and too_many_connections.
const POSTGRES_UNAVAILABLE = /^(08|57P)|^53300$/
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])
// pg reports a dropped or timed-out connection by message only, without a code.
const PG_CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Connection terminated unexpectedly|Client was closed/
// SQLite cannot write (read-only file or file system, disk full, I/O error) or cannot open the file.
const SQLITE_UNAVAILABLE = /^SQLITE_(READONLY|FULL|IOERR|CANTOPEN|BUSY|LOCKED|NOTADB|CORRUPT)/

/**
 * True when an error says the database cannot be reached or written just now, rather than that
 * the query was wrong: the request should be answered 503 and retried, not 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && (POSTGRES_UNAVAILABLE.test(code) || NETWORK_CODES.has(code) || SQLITE_UNAVAILABLE.test(code))) return true
    const message = (current as { message?: unknown }).message
    if (typeof message === 'string' && PG_CONNECTION_MESSAGES.test(message)) return true
  }
  return false
}
