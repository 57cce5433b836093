import type { Clock } from '../clock.js'
import { SECURITY_NOTICES, type SecurityNotice, securityNoticeMessage } from './messages.js'
import type { Outbox } from './outbox.js'

export interface NotifierDeps {
  outbox: Outbox
  clock: Clock
  product: string
  /** The address of a user, if the user still exists. */
  emailOf(userId: string): Promise<string | null>
}

/** Tells a user by email about security events on their account (DESIGN.md: lock, factor changes, new trusted device). */
export function createNotifier(deps: NotifierDeps) {
  return async function notify(type: string, userId: string | null): Promise<void> {
    if (!userId || !(type in SECURITY_NOTICES)) return
    const to = await deps.emailOf(userId)
    if (to) deps.outbox.send(securityNoticeMessage(deps.product, to, type as SecurityNotice, deps.clock.now()))
  }
}
