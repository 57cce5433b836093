// Compiled by `npm run typecheck` and by raw-types.test.ts: each @ts-expect-error line must be a type
// error, so a client that stopped checking paths or bodies would fail the build.
import { createAuthClient } from '../../src/client/index.js'

export async function typedCalls() {
  const client = createAuthClient({ baseUrl: 'http://localhost:3000/api/auth', flow: 'token' })
  const { raw } = client

  const signIn = await raw.POST('/login', { body: { email: 'a@example.com', password: 'correct horse battery staple' } })
  if (signIn.data && 'mfaRequired' in signIn.data) signIn.data.challenge satisfies string

  // @ts-expect-error: no such path
  await raw.POST('/signin', { body: { email: 'a@example.com', password: 'x' } })
  // @ts-expect-error: a body field of the wrong name
  await raw.POST('/login', { body: { mail: 'a@example.com', password: 'x' } })
  // @ts-expect-error: a required field left out
  await raw.POST('/mfa/verify', { body: { challenge: 'c', method: 'totp' } })
  // @ts-expect-error: a method the challenge does not know
  await raw.POST('/mfa/verify', { body: { challenge: 'c', method: 'sms', code: '123456' } })
  // @ts-expect-error: GET /login does not exist
  await raw.GET('/login')
  // @ts-expect-error: a passkey step-up carries an assertion (`response`), not a code
  await client.mfa.stepUp({ method: 'webauthn', code: '123456' })
  // @ts-expect-error: email codes are no step-up method
  await client.mfa.stepUp({ method: 'email_otp', code: '123456' })

  const session = await raw.GET('/session')
  // @ts-expect-error: the session has no such field
  session.data?.session.level
  return session.data?.session.aal satisfies 1 | 2 | undefined
}
