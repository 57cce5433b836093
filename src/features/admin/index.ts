export { adminGuard } from './routes.js'
export { type AdminService, type AdminUser, createAdminService } from './service.js'
