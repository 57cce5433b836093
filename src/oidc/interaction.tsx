import { Hono } from 'hono'
import type Provider from 'oidc-provider'
import { errors } from 'oidc-provider'
import { clearCookie, OIDC_RETURN_COOKIE, SESSION_COOKIE, writeCookie } from '../http/cookies.js'
import { ButtonForm } from '../ui/components.js'
import { HOME, type UiContext, type UiEnv, type UiKit } from '../ui/kit.js'
import { MessagePage } from '../ui/pages/message.js'
import { acrOf, amrOf, wantsAal2 } from './assurance.js'
import type { Oidc } from './service.js'

type Details = Awaited<ReturnType<Provider['interactionDetails']>>

// Long enough for a sign-in with a mailed code; the interaction itself lives an hour.
const RETURN_COOKIE_SECONDS = 15 * 60

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Know who you are (your account id)',
  email: 'See your email address',
  profile: 'See your name',
  offline_access: 'Stay signed in while you are away',
}

/**
 * The interaction of an authorization request: the web UI's sign-in (second factor included),
 * a step up to aal 2 when the client asks for it, then consent. It reads the Portcullis session
 * and calls the services; it decides nothing the services or oidc-provider decide.
 */
export function oidcInteractionRoutes(ui: UiKit, oidc: Oidc) {
  const app = new Hono<UiEnv>()
  const path = `${oidc.mountPath}/interaction/:uid`

  async function load(c: UiContext): Promise<{ provider: Provider; details: Details } | null> {
    const provider = await oidc.provider()
    try {
      const details = await provider.interactionDetails(c.env.incoming, c.env.outgoing)
      return details.uid === c.req.param('uid') ? { provider, details } : null
    } catch (error) {
      // No interaction cookie, an expired interaction, or a provider session that ended meanwhile.
      if (error instanceof errors.SessionNotFound) return null
      throw error
    }
  }

  const expired = (c: UiContext) => {
    clearCookie(c, ui.options, OIDC_RETURN_COOKIE)
    const page = (
      <MessagePage title="This sign-in request has expired">
        <p>Go back to the application and sign in again.</p>
      </MessagePage>
    )
    return ui.render(c, 'Request expired', page, { status: 400 })
  }

  const finish = async (c: UiContext, provider: Provider, result: Parameters<Provider['interactionResult']>[2], afterForm: boolean) => {
    const url = await provider.interactionResult(c.env.incoming, c.env.outgoing, result, { mergeWithLastSubmission: false })
    // A consent step that follows is another interaction, whose page sets the cookie again.
    clearCookie(c, ui.options, OIDC_RETURN_COOKIE)
    return afterForm ? ui.continueTo(c, url) : ui.redirect(c, url)
  }

  app.get(path, async (c) => {
    const loaded = await load(c)
    if (!loaded) return expired(c)
    const { provider, details } = loaded
    writeCookie(c, ui.options, OIDC_RETURN_COOKIE, details.uid, RETURN_COOKIE_SECONDS)
    if (details.prompt.name === 'login') return loginStep(c, provider, details)
    if (details.prompt.name === 'consent') return consentStep(c, provider, details)
    return finish(c, provider, { error: 'access_denied', error_description: 'Unsupported interaction' }, false)
  })

  async function loginStep(c: UiContext, provider: Provider, details: Details): Promise<Response> {
    const resolved = await ui.session(c)
    const params = details.params as Record<string, string | undefined>
    const maxAgeMs = params.max_age === undefined ? null : Number(params.max_age) * 1000
    const tooOld = resolved !== null && maxAgeMs !== null && oidc.now().getTime() - resolved.session.createdAt.getTime() > maxAgeMs
    const forced = (params.prompt ?? '').split(' ').includes('login') || tooOld
    if (resolved && forced && !(await oidc.hasReauthenticated(details.uid))) {
      // prompt=login or max_age: this person signs in again. The old session ends, so the session
      // found on return is the fresh one.
      await ui.api.sessions.revoke(resolved.session.userId, resolved.session.id, resolved.session.id, ui.context(c), 'logout')
      clearCookie(c, ui.options, SESSION_COOKIE)
      await oidc.markReauthentication(details.uid, RETURN_COOKIE_SECONDS)
      return ui.redirect(c, '/login?notice=signin_required')
    }
    if (!resolved) return ui.redirect(c, '/login?notice=signin_required')
    const { session } = resolved
    if (!(await oidc.canSignIn(session.userId))) {
      return finish(c, provider, { error: 'access_denied', error_description: 'This account cannot sign in' }, false)
    }
    if (wantsAal2(params.acr_values) && session.aal < 2) {
      if (resolved.user.mfa_enabled) {
        const { challenge } = await ui.api.mfa.stepUpChallenge(session, ui.context(c))
        return ui.redirect(c, `/login/verify?challenge=${encodeURIComponent(challenge)}`)
      }
      return enrolFirst(c, details.uid)
    }
    const methods = await ui.api.sessions.methodsOf(session.id)
    const login = { accountId: session.userId, acr: acrOf(session), amr: amrOf(methods), ts: Math.floor(session.createdAt.getTime() / 1000), remember: true }
    return finish(c, provider, { login }, false)
  }

  const enrolFirst = (c: UiContext, uid: string) => {
    const page = (
      <MessagePage title="Set up two-step verification">
        <p>This application asks for a second step at sign-in, and your account has none yet.</p>
        <p>
          <a href={`${HOME}?notice=enroll_first`}>Set up an authenticator app or a passkey</a>, then come back here:
        </p>
        <p>
          <a href={`${oidc.mountPath}/interaction/${uid}`}>Continue to the application</a>
        </p>
      </MessagePage>
    )
    return ui.render(c, 'Set up two-step verification', page, { status: 403 })
  }

  async function consentStep(c: UiContext, provider: Provider, details: Details): Promise<Response> {
    const clientId = String(details.params.client_id)
    const client = await provider.Client.find(clientId)
    const scopes = String(details.params.scope ?? '')
      .split(' ')
      .filter((scope) => scope in SCOPE_TEXT)
    const action = `${oidc.mountPath}/interaction/${details.uid}`
    const page = (
      <MessagePage title={`Allow ${client?.clientName ?? 'this application'}?`}>
        <p>
          <strong>{client?.clientName ?? clientId}</strong> would like to:
        </p>
        <ul>
          {scopes.map((scope) => (
            <li>{SCOPE_TEXT[scope]}</li>
          ))}
        </ul>
        <div class="actions">
          <ButtonForm action={`${action}/consent`} label="Allow" />
          <ButtonForm action={`${action}/deny`} label="Deny" class="secondary" />
        </div>
      </MessagePage>
    )
    return ui.render(c, 'Allow access', page)
  }

  app.post(`${path}/consent`, async (c) => {
    const loaded = await load(c)
    if (loaded?.details.prompt.name !== 'consent') return expired(c)
    const { provider, details } = loaded
    const resolved = await ui.session(c)
    const accountId = details.session?.accountId
    if (!resolved || resolved.session.userId !== accountId) return ui.redirect(c, `${oidc.mountPath}/interaction/${details.uid}`)
    const clientId = String(details.params.client_id)
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId, clientId })
    if (!grant) return expired(c)
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] }
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '))
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims)
    const grantId = await grant.save()
    await oidc.recordConsent(accountId, clientId, missing.missingOIDCScope?.join(' ') ?? '', ui.context(c))
    return finish(c, provider, { consent: { grantId } }, true)
  })

  app.post(`${path}/deny`, async (c) => {
    const loaded = await load(c)
    if (!loaded) return expired(c)
    return finish(c, loaded.provider, { error: 'access_denied', error_description: 'The person declined' }, true)
  })

  return app
}
