import type { Logger } from '../logger.js'
import type { Mailer, MailMessage } from './mailer.js'

/** Sends mail without making the HTTP answer wait for it; a failure is logged, never shown to the client. */
export interface Outbox {
  send(message: MailMessage): void
  /** Waits for every message handed over so far: for shutdown and for tests. */
  flush(): Promise<void>
}

// A mail server that stops answering holds each delivery until its timeouts (minutes): past this
// many in flight, new mail is dropped and logged rather than held in memory without bound.
export const MAX_DELIVERIES_IN_FLIGHT = 1000

export function createOutbox(mailer: Mailer, logger: Logger, maxInFlight = MAX_DELIVERIES_IN_FLIGHT): Outbox {
  const pending = new Set<Promise<void>>()
  return {
    send(message) {
      if (pending.size >= maxInFlight) {
        logger.error({ mail: { subject: message.subject }, inFlight: pending.size }, 'mail dropped: too many deliveries waiting on the mail server')
        return
      }
      const delivery = mailer
        .send(message)
        .catch((error: unknown) => logger.error({ err: error, mail: { subject: message.subject } }, 'mail delivery failed'))
        .finally(() => pending.delete(delivery))
      pending.add(delivery)
    },
    async flush() {
      await Promise.all([...pending])
    },
  }
}
