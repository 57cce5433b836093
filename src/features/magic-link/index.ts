export { safeRedirect } from './redirect.js'
export { createMagicLinkService, MAGIC_LINK_TTL_SECONDS, type MagicLinkService } from './service.js'
