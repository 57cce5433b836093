export { hotpCode, matchTotpStep, totpCodeAt } from './code-match.js'
export { decodeSecret, encodeSecret, otpauthUri } from './enrollment-uri.js'
export { createTotpService, type TotpEnrollment, type TotpService } from './service.js'
