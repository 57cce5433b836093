import { createHmac } from 'node:crypto'
import type { AuditEventRow } from '../../store/database.js'

/**
 * The keyed hash of one entry: its sequence number, content and the previous entry's hash,
 * so an edited, removed, inserted or reordered entry breaks every link after it.
 */
export function hashAuditEntry(key: Buffer, row: Omit<AuditEventRow, 'hash'>): string {
  const content = JSON.stringify([Number(row.seq), row.prev_hash, row.user_id, row.type, Number(row.at), row.ip, row.user_agent, row.data])
  return createHmac('sha256', key).update(content).digest('base64url')
}
