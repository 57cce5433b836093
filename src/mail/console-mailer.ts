import type { Logger } from '../logger.js'
import type { Mailer } from './mailer.js'

/**
 * Development mailer: prints each message (codes and links included) to the log, so a person
 * running `npm start` without SMTP can still follow every email flow.
 */
export function createConsoleMailer(logger: Logger): Mailer {
  return {
    async send(message) {
      logger.info({ mail: { to: message.to, subject: message.subject } }, `mail to ${message.to}: ${message.subject}\n${message.text}`)
    },
  }
}
