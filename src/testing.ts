import type { Clock } from './clock.js'
import type { Mailer, MailMessage } from './mail/mailer.js'

/** A clock that only moves when told to, for tests of expiry and lockout windows. */
export interface FixedClock extends Clock {
  advance(ms: number): void
  set(instant: Date): void
}

export function createFixedClock(start: Date = new Date('2026-01-01T00:00:00Z')): FixedClock {
  let current = start.getTime()
  return {
    now: () => new Date(current),
    advance: (ms) => {
      current += ms
    },
    set: (instant) => {
      current = instant.getTime()
    },
  }
}

/** A mailer that keeps messages in memory, newest last. */
export interface MemoryMailer extends Mailer {
  readonly messages: MailMessage[]
  /** The newest message to an address, if any. */
  lastTo(address: string): MailMessage | undefined
}

export function createMemoryMailer(): MemoryMailer {
  const messages: MailMessage[] = []
  return {
    messages,
    async send(message) {
      messages.push(message)
    },
    lastTo: (address) => messages.filter((message) => message.to === address).at(-1),
  }
}
