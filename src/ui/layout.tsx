import type { Child } from 'hono/jsx'
import type { Assets } from './assets.js'
import { ButtonForm, PageContext } from './components.js'

export interface LayoutProps {
  title: string
  product: string
  assets: Assets
  csrfToken: string
  /** The signed-in person, shown in the header beside "Sign out". */
  email?: string | undefined
  /** Wider main column, for the account pages. */
  wide?: boolean
  /** Load the small script that copies recovery codes. */
  script?: boolean
  children: Child
}

/** The page frame: one stylesheet, no inline script or style, a skip link, the product name and the main column. */
export function Layout(props: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <meta name="robots" content="noindex" />
        <title>{`${props.title} · ${props.product}`}</title>
        <link rel="stylesheet" href={props.assets.style.href} />
        <link rel="icon" href={props.assets.icon.href} type="image/svg+xml" />
        {props.script ? <script src={props.assets.script.href} defer /> : null}
        <script src={props.assets.passkeys.href} defer />
      </head>
      <body class={props.wide ? 'wide' : undefined}>
        <PageContext.Provider value={{ csrfToken: props.csrfToken }}>
          <a class="skip" href="#main">
            Skip to content
          </a>
          <header class="top">
            <a class="brand" href="/">
              <img src={props.assets.icon.href} alt="" width="24" height="24" />
              <span>{props.product}</span>
            </a>
            {props.email ? (
              <nav aria-label="Account">
                <ButtonForm action="/logout" label="Sign out" class="secondary" />
              </nav>
            ) : null}
          </header>
          <main id="main">{props.children}</main>
          <footer>
            <p>Secured by Portcullis</p>
          </footer>
        </PageContext.Provider>
      </body>
    </html>
  )
}
