import type { Clock } from '../clock.js'
import type { Keyring } from '../crypto/keys.js'
import type { Random } from '../crypto/random.js'
import { open, seal } from '../crypto/secretbox.js'
import { PortcullisError } from '../errors.js'
import type { OidcClientRow } from '../store/database.js'
import type { Store } from '../store/store.js'
import * as queries from './store.js'

export interface NewClient {
  name: string
  redirectUris: string[]
  postLogoutRedirectUris?: string[]
  /** A public client (a browser or native app) has no secret and must use PKCE. */
  public: boolean
  /** A first-party client skips the consent page. */
  firstParty: boolean
}

export interface ClientSummary {
  id: string
  name: string
  public: boolean
  firstParty: boolean
  redirectUris: string[]
  postLogoutRedirectUris: string[]
  createdAt: string
}

/** Client metadata as oidc-provider reads it. */
export type ClientMetadata = Record<string, unknown> & { client_id: string }

export const FIRST_PARTY_PROPERTY = 'urn:portcullis:first_party'

/**
 * An exact redirect URI: absolute, no fragment; http only for loopback hosts, other schemes only
 * for native apps (reverse-domain custom schemes). Returns a reason, or null when it is fine.
 */
export function checkRedirectUri(value: string): string | null {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'is not an absolute URI'
  }
  if (url.hash || value.includes('#')) return 'must not have a fragment'
  if (url.protocol === 'https:') return null
  if (url.protocol === 'http:') return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) ? null : 'may use http only for localhost'
  return /^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(url.protocol) ? null : 'must be https, http on localhost, or a reverse-domain custom scheme'
}

/** The relying parties allowed to use the provider; secrets are sealed at rest and shown once. */
export function createClientRegistry(deps: { store: Store; clock: Clock; random: Random; keyring: Keyring }) {
  const parseUris = (text: string) => JSON.parse(text) as string[]

  const uriProblems = (field: string, uris: string[]) =>
    uris.flatMap((uri) => {
      const problem = checkRedirectUri(uri)
      return problem ? [{ field, message: `${uri} ${problem}` }] : []
    })

  /**
   * Registers a client; the answer holds the secret of a confidential client, which is never shown again.
   * @throws invalid_request naming each bad field
   */
  async function add(input: NewClient): Promise<{ client: ClientSummary; secret: string | null }> {
    const details = [
      ...(input.name.trim() && input.name.length <= 100 ? [] : [{ field: 'name', message: 'must be 1 to 100 characters' }]),
      ...(input.redirectUris.length > 0 ? [] : [{ field: 'redirectUris', message: 'needs at least one' }]),
      ...uriProblems('redirectUris', input.redirectUris),
      ...uriProblems('postLogoutRedirectUris', input.postLogoutRedirectUris ?? []),
    ]
    if (details.length > 0) throw new PortcullisError('invalid_request', 'The client is not valid', { details })
    const id = deps.random.id()
    const secret = input.public ? null : deps.random.token()
    const row: OidcClientRow = {
      id,
      name: input.name.trim(),
      secret_sealed: secret === null ? null : seal(deps.keyring, 'oidc-client-secret', Buffer.from(secret), id),
      redirect_uris: JSON.stringify(input.redirectUris),
      post_logout_redirect_uris: JSON.stringify(input.postLogoutRedirectUris ?? []),
      first_party: input.firstParty ? 1 : 0,
      created_at: deps.clock.now().getTime(),
    }
    await queries.insertClient(deps.store, row)
    return { client: toSummary(row), secret }
  }

  function toSummary(row: OidcClientRow): ClientSummary {
    return {
      id: row.id,
      name: row.name,
      public: row.secret_sealed === null,
      firstParty: row.first_party === 1,
      redirectUris: parseUris(row.redirect_uris),
      postLogoutRedirectUris: parseUris(row.post_logout_redirect_uris),
      createdAt: new Date(Number(row.created_at)).toISOString(),
    }
  }

  /** The client's metadata for oidc-provider, secret opened; undefined for an unknown id or a secret that does not open. */
  async function metadata(id: string): Promise<ClientMetadata | undefined> {
    const row = await queries.findClient(deps.store, id)
    if (!row) return undefined
    const secret = row.secret_sealed === null ? null : open(deps.keyring, 'oidc-client-secret', row.secret_sealed, row.id)
    if (row.secret_sealed !== null && !secret) return undefined
    return {
      client_id: row.id,
      client_name: row.name,
      ...(secret ? { client_secret: secret.toString('utf8'), token_endpoint_auth_method: 'client_secret_basic' } : { token_endpoint_auth_method: 'none' }),
      redirect_uris: parseUris(row.redirect_uris),
      post_logout_redirect_uris: parseUris(row.post_logout_redirect_uris),
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      [FIRST_PARTY_PROPERTY]: row.first_party === 1,
    }
  }

  return {
    add,
    metadata,
    list: async () => (await queries.listClients(deps.store)).map(toSummary),
    /** Removes a client and every grant, code and token issued to it; false for an unknown id. */
    remove: (id: string) => queries.deleteClient(deps.store, id),
  }
}

export type ClientRegistry = ReturnType<typeof createClientRegistry>
