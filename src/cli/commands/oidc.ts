import { PortcullisError } from '../../errors.js'
import type { Command } from '../command.js'
import { openAuth } from '../open-auth.js'

const list = (value: string | boolean | string[] | undefined): string[] => (Array.isArray(value) ? value : typeof value === 'string' ? [value] : [])

export const oidcClientAddCommand: Command = {
  words: ['oidc', 'client', 'add'],
  summary: 'Register an OpenID Connect client (relying party)',
  help:
    'Prints the client id and, for a confidential client, its secret: the secret is stored sealed and never shown again. ' +
    'Redirect URIs match exactly. --public makes a client without a secret (PKCE S256 required); ' +
    '--first-party skips the consent page. --redirect-uri and --post-logout-redirect-uri may repeat.',
  options: {
    name: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'post-logout-redirect-uri': { type: 'string', multiple: true },
    public: { type: 'boolean' },
    'first-party': { type: 'boolean' },
  },
  async run({ values, io }) {
    const auth = await openAuth(io.env)
    try {
      const { client, secret } = await auth.oidc.clients.add({
        name: typeof values.name === 'string' ? values.name : '',
        redirectUris: list(values['redirect-uri'] as string[] | undefined),
        postLogoutRedirectUris: list(values['post-logout-redirect-uri'] as string[] | undefined),
        public: values.public === true,
        firstParty: values['first-party'] === true,
      })
      io.out(`client_id: ${client.id}`)
      if (secret) io.out(`client_secret: ${secret}`)
      io.out(`token_endpoint_auth_method: ${client.public ? 'none (PKCE S256 required)' : 'client_secret_basic'}`)
      return 0
    } catch (error) {
      if (!(error instanceof PortcullisError) || error.code !== 'invalid_request') throw error
      for (const detail of (error.details ?? []) as Array<{ field: string; message: string }>) io.err(`${detail.field}: ${detail.message}`)
      return 1
    } finally {
      await auth.close()
    }
  },
}

export const oidcClientListCommand: Command = {
  words: ['oidc', 'client', 'list'],
  summary: 'List the registered OpenID Connect clients',
  async run({ io }) {
    const auth = await openAuth(io.env)
    try {
      for (const client of await auth.oidc.clients.list()) {
        const kind = [client.public ? 'public' : 'confidential', ...(client.firstParty ? ['first-party'] : [])].join(', ')
        io.out(`${client.id}  ${client.name}  (${kind})  ${client.redirectUris.join(' ')}`)
      }
      return 0
    } finally {
      await auth.close()
    }
  },
}

export const oidcClientRemoveCommand: Command = {
  words: ['oidc', 'client', 'remove'],
  args: ['<client-id>'],
  summary: 'Remove an OpenID Connect client with every grant and token issued to it',
  async run({ positionals, io }) {
    const auth = await openAuth(io.env)
    try {
      if (!(await auth.oidc.clients.remove(positionals[0] as string))) {
        io.err(`No client ${positionals[0]}.`)
        return 1
      }
      io.out(`Removed ${positionals[0]}.`)
      return 0
    } finally {
      await auth.close()
    }
  },
}

export const oidcRotateKeysCommand: Command = {
  words: ['oidc', 'rotate-keys'],
  summary: 'Make a new OpenID signing key; the old one stays in JWKS until its tokens expire',
  help: 'Running servers pick the new key up within a minute.',
  async run({ io }) {
    const auth = await openAuth(io.env)
    try {
      const { kid, retiredUntil } = await auth.oidc.rotateKeys()
      io.out(`New signing key ${kid}; the previous key stays in JWKS until ${retiredUntil.toISOString()}.`)
      return 0
    } finally {
      await auth.close()
    }
  },
}
