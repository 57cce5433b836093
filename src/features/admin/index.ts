export { adminGuard } from './routes.js'
export { type AdminService, createAdminService } from './service.js'
