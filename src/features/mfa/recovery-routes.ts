import { Hono } from 'hono'
import { html } from 'hono/html'
import { PortcullisError } from '../../errors.js'
import { isFormPost, parseBody, parseQuery } from '../../http/body.js'
import type { AppEnv } from '../../http/env.js'
import type { HttpKit } from '../../http/kit.js'
import { simplePage } from '../../http/pages.js'
import type { MfaRecoveryService } from './recovery.js'
import { recoveryCompleteBody as completeBody, recoveryRequestBody as requestBody, recoveryTokenBody as tokenBody } from './schema.js'

export function mfaRecoveryRoutes(recovery: MfaRecoveryService, kit: HttpKit) {
  const app = new Hono<AppEnv>()
  const action = (path: string) => `${kit.options.basePath}${path}`

  app.post('/mfa/recovery/request', async (c) => {
    const body = await parseBody(c, requestBody)
    await recovery.request(body.challenge, c.get('context'))
    return c.body(null, 202)
  })

  // The mailed links' pages post forms: a person gets a page back, a client JSON or 204.
  app.post('/mfa/recovery/cancel', async (c) => {
    const body = await parseBody(c, tokenBody)
    try {
      await recovery.cancel(body.token, c.get('context'))
    } catch (error) {
      if (!isFormPost(c) || !(error instanceof PortcullisError)) throw error
      return simplePage(c, 'Link not valid', html`<p>${error.message}.</p>`, 400)
    }
    if (!isFormPost(c)) return c.body(null, 204)
    return simplePage(c, 'Recovery cancelled', html`<p>Your second factor stays as it is. If you did not ask for recovery, change your password now.</p>`)
  })

  app.post('/mfa/recovery/complete', async (c) => {
    const body = await parseBody(c, completeBody)
    try {
      await recovery.complete(body.token, body.password, c.get('context'))
    } catch (error) {
      if (!isFormPost(c) || !(error instanceof PortcullisError)) throw error
      return simplePage(c, 'Recovery not completed', html`<p>${error.message}.</p>`, 400)
    }
    return isFormPost(c) ? c.redirect('/login?notice=mfa_recovered', 303) : c.body(null, 204)
  })

  // The mailed links land on pages whose buttons post: a GET alone changes nothing.
  app.get('/mfa/recovery/cancel', (c) => {
    const { token } = parseQuery(c, tokenBody)
    return simplePage(
      c,
      'Cancel second-factor recovery',
      html`<p>Press the button to stop the recovery of your second factor.</p>
<form method="post" action="${action('/mfa/recovery/cancel')}" enctype="application/x-www-form-urlencoded"><input type="hidden" name="token" value="${token}"><button type="submit">Cancel recovery</button></form>`,
    )
  })

  app.get('/mfa/recovery/complete', (c) => {
    const { token } = parseQuery(c, tokenBody)
    return simplePage(
      c,
      'Remove your second factor',
      html`<p>Enter your password to remove your second factors. You can set up a new one afterwards.</p>
<form method="post" action="${action('/mfa/recovery/complete')}"><input type="hidden" name="token" value="${token}">
<p><label for="password">Password</label><br><input id="password" name="password" type="password" autocomplete="current-password" required></p>
<button type="submit">Remove second factors</button></form>`,
    )
  })

  return app
}
