export { type AuditService, createAuditService } from './service.js'
export { AUDIT_EVENT_TYPES, type AuditData, type AuditEvent, type AuditEventType, type ChainVerdict } from './types.js'
