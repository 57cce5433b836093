import type { ResolvedSession } from '../features/sessions/index.js'
import type { RequestContext } from '../request-context.js'

/** What the server passes beside each request; a library user may pass it too. */
export interface HandlerInfo {
  /** The socket's remote address; X-Forwarded-For is read only through `trustProxy`. */
  clientAddress?: string
}

/** The Hono environment of the API app. */
export interface AppEnv {
  Bindings: HandlerInfo
  Variables: {
    requestId: string
    context: RequestContext
    /** The resolved session, cached once read: undefined = not read yet, null = none. */
    auth: ResolvedSession | null | undefined
  }
}
