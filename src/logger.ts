import { type Logger as PinoLogger, pino } from 'pino'
import { prettyFactory } from 'pino-pretty'
import { createLogDestination, type LogDestination } from './log-destination.js'

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
export function createLogger(
  level = process.env.LOG_LEVEL ?? 'info',
  destination: LogDestination = createLogDestination(),
  prettyLines = wantsPrettyLogs(),
): Logger {
  // Formatted in this thread, into the same destination: a worker-thread transport would lose the
  // last lines of a crash, and only this destination is safe from a reader that went away.
  const sink = prettyLines ? prettified(destination) : destination
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
    sink,
  )
}

/** Writes each JSON line as a readable one (pino-pretty's formatter, without its own stream). */
function prettified(destination: LogDestination): LogDestination {
  const format = prettyFactory({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
  return { write: (line) => destination.write(format(line)), flush: (timeoutMs) => destination.flush(timeoutMs) }
}
