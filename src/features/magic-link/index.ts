export { safeRedirect } from './redirect.js'
export { completeMagicLink, linkConfirmPage } from './routes.js'
export type { LinkBuilder } from './service.js'
export { createMagicLinkService, MAGIC_LINK_TTL_SECONDS, type MagicLinkService } from './service.js'
