import type { Clock } from '../../clock.js'
import type { Keyring } from '../../crypto/keys.js'
import { safeEqual } from '../../crypto/token.js'
import type { RequestContext } from '../../request-context.js'
import type { Store } from '../../store/store.js'
import { hashAuditEntry } from './chain.js'
import { appendAuditRow, lastEventAt, listAuditRows, readAuditHead, walkAuditRows } from './store.js'
import type { AuditData, AuditEvent, AuditEventType, ChainVerdict } from './types.js'

export interface AuditDeps {
  store: Store
  clock: Clock
  keyring: Keyring
  /** Told of every recorded event, after it is written: how users hear of security events by email. */
  notify?: (type: AuditEventType, userId: string | null) => Promise<void>
}

export function createAuditService(deps: AuditDeps) {
  const key = deps.keyring.key('audit-chain')

  /** Appends one event to the tamper-evident log. */
  async function record(type: AuditEventType, userId: string | null, context: RequestContext, data: AuditData = {}): Promise<void> {
    const row = {
      user_id: userId,
      type,
      at: deps.clock.now().getTime(),
      ip: context.ip,
      user_agent: context.userAgent,
      data: JSON.stringify(data),
    }
    await appendAuditRow(deps.store, row, (seq, prevHash) => hashAuditEntry(key, { ...row, seq, prev_hash: prevHash }))
    await deps.notify?.(type, userId)
  }

  /** A user's events, newest first. */
  async function list(userId: string, limit = 100): Promise<AuditEvent[]> {
    const rows = await listAuditRows(deps.store, userId, limit)
    return rows.map((row) => ({
      type: row.type as AuditEventType,
      at: new Date(Number(row.at)).toISOString(),
      ip: row.ip,
      userAgent: row.user_agent,
      data: JSON.parse(row.data) as AuditData,
    }))
  }

  /** Walks the whole chain and names the first entry that was changed, removed, inserted or reordered. */
  async function verify(): Promise<ChainVerdict> {
    let expectedSeq = 1
    let prevHash = ''
    for await (const row of walkAuditRows(deps.store)) {
      const seq = Number(row.seq)
      if (seq !== expectedSeq) return { ok: false, entries: expectedSeq - 1, seq: expectedSeq, problem: `entry ${expectedSeq} is missing` }
      if (!safeEqual(row.prev_hash, prevHash)) return { ok: false, entries: seq - 1, seq, problem: `entry ${seq} does not link to entry ${seq - 1}` }
      if (!safeEqual(row.hash, hashAuditEntry(key, row))) return { ok: false, entries: seq - 1, seq, problem: `entry ${seq} was altered` }
      prevHash = row.hash
      expectedSeq = seq + 1
    }
    const head = await readAuditHead(deps.store)
    const last = expectedSeq - 1
    if (Number(head.seq) !== last || !safeEqual(head.hash, prevHash)) {
      return { ok: false, entries: last, seq: last + 1, problem: `the log ends at entry ${last} but ${Number(head.seq)} were written` }
    }
    return { ok: true, entries: last }
  }

  /** When the user last had an event of this type (e.g. their last sign-in), or null. */
  async function lastAt(userId: string, type: AuditEventType): Promise<Date | null> {
    const at = await lastEventAt(deps.store, userId, type)
    return at === null ? null : new Date(at)
  }

  return { record, list, verify, lastAt }
}

export type AuditService = ReturnType<typeof createAuditService>
