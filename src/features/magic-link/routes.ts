import { type Context, Hono } from 'hono'
import { html } from 'hono/html'
import { isFormPost, parseBody, parseQuery } from '../../http/body.js'
import type { AppEnv } from '../../http/env.js'
import type { HttpKit } from '../../http/kit.js'
import { simplePage } from '../../http/pages.js'
import { signInResponse } from '../../http/sign-in-response.js'
import type { AccountService } from '../accounts/index.js'
import type { MfaService } from '../mfa/index.js'
import { sendBody, tokenBody } from './schema.js'
import type { MagicLinkService } from './service.js'

export function magicLinkRoutes(magicLinks: MagicLinkService, mfa: MfaService, accounts: AccountService, kit: HttpKit) {
  const app = new Hono<AppEnv>()

  app.post('/magic-link/send', async (c) => {
    const body = await parseBody(c, sendBody)
    await magicLinks.send(body.email, body.redirectTo, c.get('context'))
    return c.body(null, 202)
  })

  // Mail scanners fetch links: a GET only shows a button, so nothing is spent until a person presses it.
  app.get('/magic-link/verify', (c) => {
    const { token } = parseQuery(c, tokenBody)
    return linkConfirmPage(c, `${kit.options.basePath}/magic-link/verify`, { token })
  })

  app.post('/magic-link/verify', async (c) => {
    const body = await parseBody(c, tokenBody)
    return completeMagicLink(c, { magicLinks, mfa, accounts, kit }, body.token)
  })

  return app
}

/** The page a mailed sign-in link opens: a button that posts the link's fields to `action`. */
export function linkConfirmPage(c: Context, action: string, fields: Record<string, string>) {
  const inputs = Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)
  return simplePage(
    c,
    'Sign in',
    html`<p>Press the button to finish signing in.</p>
<form method="post" action="${action}">${inputs}<button type="submit">Sign in</button></form>`,
  )
}

/**
 * Spends a magic link and answers like /login; a person's form post is redirected to the
 * second-factor step or to where the link leads. `email`, when the link carries one, must match.
 */
export async function completeMagicLink(
  c: Context<AppEnv>,
  deps: { magicLinks: MagicLinkService; mfa: MfaService; accounts: AccountService; kit: HttpKit },
  token: string,
  email?: string,
): Promise<Response> {
  const { magicLinks, mfa, accounts, kit } = deps
  const form = isFormPost(c)
  let signedIn: { userId: string; redirectTo: string | null }
  try {
    signedIn = await magicLinks.verify(token, email)
  } catch (error) {
    if (!form) throw error
    return simplePage(c, 'Link expired', html`<p>This sign-in link is invalid, expired or was already used. Ask for a new one.</p>`, 400)
  }
  // The link's redirectTo rides on the challenge, so it survives the second-factor step.
  const outcome = await mfa.afterFirstFactor(signedIn.userId, 'magic_link', c.get('context'), null, signedIn.redirectTo)
  const response = signInResponse(c, kit.options, await accounts.getUser(signedIn.userId), outcome)
  if (!form) return response
  // A person's browser: continue to the second-factor step or to where the link was meant to lead.
  const target = outcome.kind === 'challenge' ? `/login/verify?challenge=${encodeURIComponent(outcome.challenge)}` : (signedIn.redirectTo ?? '/')
  return c.redirect(target, 303)
}
