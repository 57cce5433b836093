import { type Logger as PinoLogger, pino } from 'pino'
import pretty from 'pino-pretty'

export type Logger = PinoLogger

/**
 * JSON lines for a log collector, or readable lines when stdout is a terminal (`LOG_FORMAT=json` or
 * `pretty` decides instead).
 */
export function wantsPrettyLogs(env: Record<string, string | undefined> = process.env, isTerminal = process.stdout.isTTY === true): boolean {
  if (env.LOG_FORMAT === 'json') return false
  return env.LOG_FORMAT === 'pretty' || isTerminal
}

/**
 * Structured logs. Credentials never reach a log line: the paths below are redacted
 * wherever a caller passes them by mistake.
 */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info', prettyLines = wantsPrettyLogs()): Logger {
  // Synchronous, in this thread: a worker-thread transport would lose the last lines of a crash.
  const destination = prettyLines
    ? pretty({ sync: true, colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
    : undefined
  return pino(
    {
      level,
      redact: {
        paths: [
          'password',
          'newPassword',
          'currentPassword',
          'token',
          'code',
          'secret',
          '*.password',
          '*.token',
          '*.code',
          '*.secret',
          'headers.authorization',
          'headers.cookie',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  )
}
