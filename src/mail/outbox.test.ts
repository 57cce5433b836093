import pino from 'pino'
import { describe, expect, it, vi } from 'vitest'
import type { Mailer, MailMessage } from './mailer.js'
import { createOutbox } from './outbox.js'

const message: MailMessage = { to: 'a@example.com', subject: 'Your code', text: '123456', html: '<p>123456</p>' }

describe('createOutbox', () => {
  it('holds no more deliveries than its limit while the mail server hangs, and logs what it drops', async () => {
    const releases: Array<() => void> = []
    const mailer: Mailer = { send: () => new Promise<void>((resolve) => releases.push(resolve)) }
    const logger = pino({ level: 'silent' })
    const error = vi.spyOn(logger, 'error')
    const outbox = createOutbox(mailer, logger, 3)
    for (let i = 0; i < 5; i++) outbox.send(message)
    expect(releases).toHaveLength(3)
    expect(error).toHaveBeenCalledTimes(2)
    for (const release of releases) release()
    await outbox.flush()
    outbox.send(message)
    expect(releases).toHaveLength(4)
  })
})
