import type { Clock } from '../../clock.js'
import type { Random } from '../../crypto/random.js'
import { hashToken } from '../../crypto/token.js'
import { PortcullisError } from '../../errors.js'
import { mailedLink } from '../../mail/links.js'
import { magicLinkMessage } from '../../mail/messages.js'
import type { Outbox } from '../../mail/outbox.js'
import type { RequestContext } from '../../request-context.js'
import { consumeOnce, findLiveToken, replaceToken } from '../../store/one-time-tokens.js'
import type { Store } from '../../store/store.js'
import { findUserByEmail, markEmailVerified, normalizeEmail } from '../accounts/index.js'
import type { LockoutService } from '../lockout/index.js'
import { safeRedirect } from './redirect.js'

export interface MagicLinkDeps {
  store: Store
  clock: Clock
  random: Random
  outbox: Outbox
  lockout: LockoutService
  options: { publicUrl: string; publicOrigin: string; basePath: string; allowedRedirects: string[]; totpIssuer: string; requireVerifiedEmailForOtp: boolean }
}

/** The mailed URL for a link token; the native one is `{basePath}/magic-link/verify?token=`. */
export type LinkBuilder = (token: string, email: string) => string

export const MAGIC_LINK_TTL_SECONDS = 15 * 60
const SENDS_PER_WINDOW = 3
const ADDRESS_SENDS_PER_WINDOW = 30
const WINDOW_SECONDS = 600

export function createMagicLinkService(deps: MagicLinkDeps) {
  const now = () => deps.clock.now().getTime()
  const verifyUrl = (token: string) => mailedLink(deps.options.publicUrl, `${deps.options.basePath}/magic-link/verify`, token)

  /** @throws invalid_request when redirectTo is not a safe target. */
  function checkRedirect(redirectTo: string | undefined): string | null {
    if (redirectTo === undefined) return null
    const safe = safeRedirect(redirectTo, deps.options.publicOrigin, deps.options.allowedRedirects)
    if (!safe) {
      throw new PortcullisError('invalid_request', 'redirectTo must be a path or a URL of an allowed origin', {
        details: [{ field: 'redirectTo', message: 'not an allowed redirect' }],
      })
    }
    return safe
  }

  /**
   * Emails a one-use sign-in link; unknown emails get the same answer and no mail.
   * @throws invalid_request (unsafe redirectTo), too_many_requests
   */
  async function send(rawEmail: string, redirectTo: string | undefined, context: RequestContext, linkFor: LinkBuilder = verifyUrl): Promise<void> {
    deps.outbox.assertCapacity()
    const email = normalizeEmail(rawEmail)
    const redirect = checkRedirect(redirectTo)
    // API.md: "202 always". Past a limit nothing is sent, and the answer does not say so.
    try {
      await deps.lockout.consume(`magic-link:email:${email}`, SENDS_PER_WINDOW, WINDOW_SECONDS)
      if (context.ip) await deps.lockout.consume(`magic-link:ip:${context.ip}`, ADDRESS_SENDS_PER_WINDOW, WINDOW_SECONDS)
    } catch (error) {
      if (error instanceof PortcullisError && error.code === 'too_many_requests') return
      throw error
    }
    const user = await findUserByEmail(deps.store, email)
    // The option covers sign-in links as well as codes: both sign in through the mailbox alone.
    if (!user || (deps.options.requireVerifiedEmailForOtp && user.email_verified_at === null)) return
    const token = deps.random.token()
    await replaceToken(deps.store, {
      id: deps.random.id(),
      purpose: 'magic_link',
      user_id: user.id,
      email,
      token_hash: hashToken(token),
      challenge_id: null,
      data: redirect,
      attempts: 0,
      created_at: now(),
      expires_at: now() + MAGIC_LINK_TTL_SECONDS * 1000,
      used_at: null,
    })
    deps.outbox.send(magicLinkMessage(deps.options.totpIssuer, email, linkFor(token, email), MAGIC_LINK_TTL_SECONDS))
  }

  /**
   * Spends a link once: the user it signs in, and where to send them afterwards.
   * @throws invalid_code (unknown, expired or used)
   */
  async function verify(token: string, forEmail?: string): Promise<{ userId: string; redirectTo: string | null }> {
    // A link that also names its address (goauth's `email=`) must name the one it was sent to:
    // checked before the link is spent, so a wrong address does not use it up.
    if (forEmail !== undefined) {
      const live = await findLiveToken(deps.store, 'magic_link', hashToken(token), now())
      if (live?.email !== normalizeEmail(forEmail)) throw new PortcullisError('invalid_code', 'The link is invalid, expired or already used')
    }
    const row = await consumeOnce(deps.store.db, 'magic_link', hashToken(token), now())
    if (!row?.user_id) {
      throw new PortcullisError('invalid_code', 'The link is invalid, expired or already used')
    }
    await markEmailVerified(deps.store, row.user_id, now())
    return { userId: row.user_id, redirectTo: row.data }
  }

  return { send, verify, checkRedirect }
}

export type MagicLinkService = ReturnType<typeof createMagicLinkService>
