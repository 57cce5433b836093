import { PortcullisError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { Mailer, MailMessage } from './mailer.js'

/** Sends mail without making the HTTP answer wait for it; a failure is logged, never shown to the client. */
export interface Outbox {
  send(message: MailMessage): void
  /**
   * Refuses a request that would mail while the outbox is full, before it writes anything.
   * @throws service_unavailable with retryAfterSeconds.
   */
  assertCapacity(): void
  /** Deliveries in flight, and the limit. */
  load(): { inFlight: number; limit: number }
  /** Waits for every message handed over so far: for shutdown and for tests. */
  flush(): Promise<void>
}

// A mail server that stops answering holds each delivery until its timeouts (minutes): past this
// many in flight, new mail is dropped and logged rather than held in memory without bound.
export const MAX_DELIVERIES_IN_FLIGHT = 1000
// Mail servers time out in tens of seconds; a client asked to come back after that finds room again.
const RETRY_AFTER_SECONDS = 30

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
    assertCapacity() {
      if (pending.size >= maxInFlight) {
        throw new PortcullisError('service_unavailable', 'Mail cannot be sent right now; try again shortly', { retryAfterSeconds: RETRY_AFTER_SECONDS })
      }
    },
    load: () => ({ inFlight: pending.size, limit: maxInFlight }),
    async flush() {
      await Promise.all([...pending])
    },
  }
}
