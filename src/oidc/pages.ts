import type { KoaContextWithOIDC } from 'oidc-provider'

// The few pages oidc-provider renders itself. Plain HTML with no script or inline style, so they
// hold under the same Content-Security-Policy as the web UI.

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}

// No form-action: the sign-out form's answer redirects to the application's origin, which
// form-action 'self' would block in the browser.
export const PAGE_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; img-src data:; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
} as const

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`
}

export function errorPage(out: { error: string; error_description?: string | undefined }): string {
  return page(
    'Sign-in could not continue',
    `<p>${escapeHtml(out.error_description ?? out.error)}</p><p><code>${escapeHtml(out.error)}</code></p><p><a href="/">Go to the start page</a></p>`,
  )
}

export async function logoutPage(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  ctx.type = 'html'
  ctx.body = page(
    'Sign out',
    `${form}<p>Do you want to sign out of this server and the applications that use it?</p><p><button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button> <button type="submit" form="op.logoutForm">No, stay signed in</button></p>`,
  )
}

export async function postLogoutPage(ctx: KoaContextWithOIDC): Promise<void> {
  ctx.type = 'html'
  ctx.body = page('Signed out', '<p>You are signed out. You can close this tab.</p><p><a href="/login">Sign in again</a></p>')
}
