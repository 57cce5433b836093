export { webauthnRoutes } from './routes.js'
export { assertionResponse } from './schema.js'
export { createWebauthnService, type PasskeySummary, type WebauthnService } from './service.js'
