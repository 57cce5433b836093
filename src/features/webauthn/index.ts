export { webauthnRoutes } from './routes.js'
export { createWebauthnService, type PasskeySummary, type WebauthnService } from './service.js'
