import { z } from 'zod'
import type { Clock } from '../clock.js'
import { ConfigError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { Mailer } from '../mail/mailer.js'
import { compatSchema } from './compat.js'

export const DEVELOPMENT_SECRET = 'portcullis-development-secret-do-not-use-in-production'
const MIN_SECRET_BYTES = 32

const origin = z.url().transform((value) => new URL(value).origin)

/** The schema of createAuth's options; the defaults live here so resolved options have no optionals. */
export const optionsSchema = z
  .object({
    databaseUrl: z.string().min(1).default('sqlite:./data/portcullis.db'),
    secret: z.string().default(DEVELOPMENT_SECRET),
    previousSecrets: z.array(z.string().min(MIN_SECRET_BYTES)).default([]),
    production: z.boolean().default(false),
    publicUrl: z.url().default('http://localhost:3000'),
    basePath: z
      .string()
      .regex(/^(\/[A-Za-z0-9._~-]+)*$/, 'must be empty or a path like /api/auth without a trailing slash')
      .default('/api/auth'),
    smtpUrl: z.string().optional(),
    mailFrom: z.string().default('Portcullis <no-reply@localhost>'),
    otpTtlSeconds: z.number().int().min(30).max(3600).default(300),
    challengeTtlSeconds: z.number().int().min(30).max(3600).default(300),
    lockoutThreshold: z.number().int().min(1).max(1000).default(5),
    lockoutMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(15),
    passwordMinLength: z.number().int().min(8).max(64).default(12),
    passwordMaxLength: z.number().int().min(64).max(1024).default(128),
    passwordMinScore: z.number().int().min(0).max(4).default(0),
    trustDeviceDays: z.number().int().min(0).max(365).default(30),
    recoveryDelaySeconds: z.number().int().min(0).default(86_400),
    sessionIdleTtlSeconds: z.number().int().min(60).default(3600),
    sessionMaxTtlSeconds: z.number().int().min(60).default(86_400),
    trustProxy: z.number().int().min(0).max(10).default(0),
    mfaPolicy: z.enum(['optional', 'required']).default('optional'),
    totpIssuer: z.string().min(1).max(64).default('Portcullis'),
    adminToken: z.string().min(16).optional(),
    /** Offer an emailed code as a second factor (API.md). Off makes the mailbox alone never enough. */
    emailSecondFactor: z.boolean().default(true),
    /** Mail a verification link on sign-up. */
    verifyEmailOnSignUp: z.boolean().default(true),
    /** Send email sign-in codes and links only to verified addresses. */
    requireVerifiedEmailForOtp: z.boolean().default(false),
    /** open: sign-up makes the account at once; verify_first: a mailed link first (no enumeration); closed: administrators only. */
    signupMode: z.enum(['open', 'verify_first', 'closed']).default('open'),
    /** Sign-ups per client address per window. */
    signupRateLimit: z.object({ limit: z.number().int().min(1), windowSeconds: z.number().int().min(1) }).default({ limit: 10, windowSeconds: 3600 }),
    allowedOrigins: z.array(origin).default([]),
    allowedRedirects: z.array(origin).default([]),
    /** Compatibility profiles served beside the native API (API.md, "Compatibility profiles"). */
    compat: compatSchema,
    /** Serve the OpenID Connect provider (API.md "Single sign-on"). */
    oidcEnabled: z.boolean().default(false),
    /** The OpenID issuer; unset means publicUrl + /oidc. Its path is where the standalone server mounts the provider. */
    oidcIssuer: z
      .url({ protocol: /^https?$/ })
      .refine((value) => {
        const url = new URL(value)
        return !url.search && !url.hash && url.pathname.length > 1 && !url.pathname.endsWith('/')
      }, 'must be an http(s) URL with a path (such as https://example.com/oidc), no trailing slash, query or fragment')
      .optional(),
    /** Sign-ins, sign-ups and password changes that may wait for a hashing thread before the rest are shed with 503; `auto` is two seconds of work at the measured pace. */
    hashQueueLimit: z.union([z.number().int().min(0).max(1_000_000), z.literal('auto')]).default('auto'),
  })
  .superRefine((options, ctx) => {
    if (options.production && (options.secret === DEVELOPMENT_SECRET || Buffer.byteLength(options.secret) < MIN_SECRET_BYTES)) {
      ctx.addIssue({ code: 'custom', path: ['secret'], message: `production needs a secret of at least ${MIN_SECRET_BYTES} bytes (PORTCULLIS_SECRET)` })
    }
    if (!options.production && options.secret !== DEVELOPMENT_SECRET && Buffer.byteLength(options.secret) < MIN_SECRET_BYTES) {
      ctx.addIssue({ code: 'custom', path: ['secret'], message: `must be at least ${MIN_SECRET_BYTES} bytes` })
    }
    if (options.sessionIdleTtlSeconds > options.sessionMaxTtlSeconds) {
      ctx.addIssue({ code: 'custom', path: ['sessionIdleTtlSeconds'], message: 'must not exceed sessionMaxTtlSeconds' })
    }
    if (options.oidcEnabled && options.production && new URL(options.oidcIssuer ?? options.publicUrl).protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', path: ['oidcIssuer'], message: 'production needs an https issuer (OIDC_ISSUER or PUBLIC_URL)' })
    }
    const oidcPath = new URL(options.oidcIssuer ?? `${options.publicUrl.replace(/\/+$/, '')}/oidc`).pathname
    if (options.oidcEnabled && options.basePath && (oidcPath === options.basePath || oidcPath.startsWith(`${options.basePath}/`))) {
      ctx.addIssue({ code: 'custom', path: ['oidcIssuer'], message: `its path ${oidcPath} lies inside the API's base path ${options.basePath}` })
    }
    if (options.passwordMinLength > options.passwordMaxLength) {
      ctx.addIssue({ code: 'custom', path: ['passwordMinLength'], message: 'must not exceed passwordMaxLength' })
    }
  })

type SchemaInput = z.input<typeof optionsSchema>

/** What a caller passes to createAuth: every setting optional, plus injectable clock, mailer and logger. */
export interface AuthOptions extends SchemaInput {
  clock?: Clock
  mailer?: Mailer
  logger?: Logger
}

/** Options after validation: defaults filled in, origins normalised. */
export type ResolvedOptions = z.output<typeof optionsSchema> & {
  publicOrigin: string
  secureCookies: boolean
  oidcIssuer: string
}

/**
 * Validates options and fills in defaults; never mutates the caller's object.
 * @throws ConfigError listing every problem with its path.
 */
export function resolveOptions(input: AuthOptions): ResolvedOptions {
  const { clock: _clock, mailer: _mailer, logger: _logger, ...plain } = input
  const parsed = optionsSchema.safeParse(plain)
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })))
  }
  const publicUrl = new URL(parsed.data.publicUrl)
  const oidcIssuer = parsed.data.oidcIssuer ?? `${parsed.data.publicUrl.replace(/\/+$/, '')}/oidc`
  return { ...parsed.data, publicOrigin: publicUrl.origin, secureCookies: publicUrl.protocol === 'https:', oidcIssuer }
}
