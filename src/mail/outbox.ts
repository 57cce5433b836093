import type { Logger } from '../logger.js'
import type { Mailer, MailMessage } from './mailer.js'

/** Sends mail without making the HTTP answer wait for it; a failure is logged, never shown to the client. */
export interface Outbox {
  send(message: MailMessage): void
  /** Waits for every message handed over so far: for shutdown and for tests. */
  flush(): Promise<void>
}

export function createOutbox(mailer: Mailer, logger: Logger): Outbox {
  const pending = new Set<Promise<void>>()
  return {
    send(message) {
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
