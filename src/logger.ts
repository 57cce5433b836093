import { type Logger as PinoLogger, pino } from 'pino'
import { createLogDestination, type LogDestination } from './log-destination.js'

export type Logger = PinoLogger

/**
 * Structured JSON logs. Credentials never reach a log line: the paths below are redacted
 * wherever a caller passes them by mistake.
 */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination: LogDestination = createLogDestination()): Logger {
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
