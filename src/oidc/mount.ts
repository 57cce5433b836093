import type { IncomingMessage, ServerResponse } from 'node:http'
import type Provider from 'oidc-provider'
import type { Oidc } from './service.js'

type NodeHandler = (incoming: IncomingMessage, outgoing: ServerResponse) => Promise<void>

/** True for a path the provider owns: under its mount, except the interaction pages the web UI serves. */
export function isProviderPath(mountPath: string, path: string): boolean {
  if (path !== mountPath && !path.startsWith(`${mountPath}/`) && !path.startsWith(`${mountPath}?`)) return false
  return !path.startsWith(`${mountPath}/interaction/`)
}

/**
 * oidc-provider (a Koa app) on Node's request and response, mounted at the issuer's path: the
 * prefix is moved to `originalUrl`, which is how oidc-provider learns its mount point.
 */
export function createProviderHandler(oidc: Oidc): NodeHandler {
  const issuer = new URL(oidc.issuer)
  const callbacks = new WeakMap<Provider, ReturnType<Provider['callback']>>()
  return async (incoming, outgoing) => {
    const provider = await oidc.provider()
    let callback = callbacks.get(provider)
    if (!callback) {
      callback = provider.callback()
      callbacks.set(provider, callback)
    }
    const url = incoming.url ?? '/'
    // The provider runs in Koa's proxy mode (behind TLS termination it must see https) and builds
    // its URLs from X-Forwarded-Host and -Proto. A client could send those itself; the issuer is
    // fixed by configuration, so they are always set from it and never taken from the request.
    incoming.headers['x-forwarded-host'] = issuer.host
    incoming.headers['x-forwarded-proto'] = issuer.protocol.slice(0, -1)
    Object.assign(incoming, { originalUrl: url, url: url.slice(oidc.mountPath.length) || '/' })
    await callback(incoming, outgoing)
  }
}
