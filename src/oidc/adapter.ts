import type { Adapter, AdapterPayload } from 'oidc-provider'
import { errors } from 'oidc-provider'
import type { Clock } from '../clock.js'
import type { Store } from '../store/store.js'
import type { ClientRegistry } from './clients.js'
import * as queries from './store.js'

export interface AdapterDeps {
  store: Store
  clock: Clock
  clients: ClientRegistry
  /** Called when a code or refresh token was spent by a request racing another; its grant is already revoked. */
  onRaceReplay(kind: string, grantId: string | undefined, accountId: string | undefined): Promise<void>
}

/**
 * oidc-provider's storage on the project's store: every process on one database sees the same
 * sessions, interactions, grants, codes and tokens, and they survive restarts. Clients come from
 * the client registry, which owns their sealed secrets.
 */
export function createAdapterFactory(deps: AdapterDeps): (kind: string) => Adapter {
  return (kind) => (kind === 'Client' ? clientAdapter(deps.clients) : modelAdapter(kind, deps))
}

function modelAdapter(kind: string, deps: AdapterDeps): Adapter {
  const toPayload = (row: queries.OidcModel | undefined): AdapterPayload | undefined => {
    if (!row) return undefined
    const payload = JSON.parse(row.payload) as AdapterPayload
    return row.consumed_at === null ? payload : { ...payload, consumed: Math.floor(Number(row.consumed_at) / 1000) }
  }
  return {
    async upsert(id, payload, expiresIn) {
      await queries.upsertModel(deps.store, {
        kind,
        id,
        payload: JSON.stringify(payload),
        grant_id: payload.grantId ?? null,
        uid: payload.uid ?? null,
        user_code: payload.userCode ?? null,
        account_id: payload.accountId ?? null,
        client_id: payload.clientId ?? null,
        expires_at: expiresIn ? deps.clock.now().getTime() + expiresIn * 1000 : null,
        consumed_at: null,
      })
    },
    find: async (id) => toPayload(await queries.findModel(deps.store, kind, id)),
    findByUid: async (uid) => toPayload(await queries.findModelBy(deps.store, kind, 'uid', uid)),
    findByUserCode: async (userCode) => toPayload(await queries.findModelBy(deps.store, kind, 'user_code', userCode)),
    async consume(id) {
      // oidc-provider reads `consumed` and then consumes: two requests (or two processes) spending
      // one code or refresh token at once would both pass its read. The conditional write lets one win;
      // the other is a replay, and like any replay it revokes the whole grant.
      if (await queries.consumeModel(deps.store, kind, id, deps.clock.now().getTime())) return
      const row = await queries.findModel(deps.store, kind, id)
      const payload = toPayload(row)
      if (payload?.grantId) await queries.deleteGrantArtefacts(deps.store, payload.grantId)
      await deps.onRaceReplay(kind, payload?.grantId, payload?.accountId)
      throw new errors.InvalidGrant(kind === 'RefreshToken' ? 'refresh token already used' : 'authorization code already consumed')
    },
    async destroy(id) {
      await queries.deleteModel(deps.store, kind, id)
    },
    async revokeByGrantId(grantId) {
      await queries.deleteGrantArtefacts(deps.store, grantId)
    },
  }
}

function clientAdapter(clients: ClientRegistry): Adapter {
  const readOnly = async () => {
    throw new Error('OpenID clients are managed with `portcullis oidc client`')
  }
  return {
    find: (id) => clients.metadata(id) as Promise<AdapterPayload | undefined>,
    upsert: readOnly,
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
    consume: readOnly,
    destroy: readOnly,
    revokeByGrantId: async () => {},
  }
}
