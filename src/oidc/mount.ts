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
  const callbacks = new WeakMap<Provider, ReturnType<Provider['callback']>>()
  return async (incoming, outgoing) => {
    const provider = await oidc.provider()
    let callback = callbacks.get(provider)
    if (!callback) {
      callback = provider.callback()
      callbacks.set(provider, callback)
    }
    const url = incoming.url ?? '/'
    Object.assign(incoming, { originalUrl: url, url: url.slice(oidc.mountPath.length) || '/' })
    await callback(incoming, outgoing)
  }
}
