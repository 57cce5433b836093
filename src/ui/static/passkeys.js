// Passkey buttons: add one on the security page, sign in with one, or complete a second step with
// one. Buttons stay hidden where the browser has no WebAuthn. The server's options are JSON with
// base64url strings; navigator.credentials wants ArrayBuffers, and answers with them.
const toBytes = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (char) => char.charCodeAt(0))
const toText = (buffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
const withIds = (list) => (list || []).map((item) => ({ ...item, id: toBytes(item.id) }))

async function post(url, body) {
  const response = await fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
  const answer = await response.json().catch(() => ({}))
  if (!response.ok) throw new Error(answer.error?.message || 'The server refused the passkey.')
  return answer
}

function credentialJson(credential) {
  const { response } = credential
  const json = { id: credential.id, rawId: toText(credential.rawId), type: credential.type, clientExtensionResults: credential.getClientExtensionResults() }
  if (credential.authenticatorAttachment) json.authenticatorAttachment = credential.authenticatorAttachment
  if (response.attestationObject) {
    json.response = { clientDataJSON: toText(response.clientDataJSON), attestationObject: toText(response.attestationObject) }
    if (response.getTransports) json.response.transports = response.getTransports()
  } else {
    json.response = {
      clientDataJSON: toText(response.clientDataJSON),
      authenticatorData: toText(response.authenticatorData),
      signature: toText(response.signature),
    }
    if (response.userHandle) json.response.userHandle = toText(response.userHandle)
  }
  return json
}

async function register(api, name) {
  const options = await post(`${api}/webauthn/register/options`, {})
  const publicKey = {
    ...options,
    challenge: toBytes(options.challenge),
    user: { ...options.user, id: toBytes(options.user.id) },
    excludeCredentials: withIds(options.excludeCredentials),
  }
  const credential = await navigator.credentials.create({ publicKey })
  return post(`${api}/webauthn/register/verify`, { response: credentialJson(credential), ...(name ? { name } : {}) })
}

// A first passkey comes with recovery codes, shown once: they replace the button until saved.
function showRecoveryCodes(group, codes, next) {
  const box = document.createElement('div')
  box.className = 'alert ok'
  box.setAttribute('role', 'status')
  const title = document.createElement('h3')
  title.textContent = 'Save your recovery codes'
  const text = document.createElement('p')
  text.textContent = 'Each code signs you in once if you lose your passkeys. They are shown only now: write them down or keep them in a password manager.'
  const list = document.createElement('ol')
  list.className = 'codes'
  for (const code of codes) {
    const item = document.createElement('li')
    item.textContent = code
    list.append(item)
  }
  const done = document.createElement('a')
  done.href = next
  done.className = 'button'
  done.textContent = 'I saved my recovery codes'
  box.append(title, text, list, done)
  group.replaceChildren(box)
}

async function authenticate(api, challenge) {
  const options = await post(`${api}/webauthn/authenticate/options`, challenge ? { challenge } : {})
  const publicKey = { ...options, challenge: toBytes(options.challenge), allowCredentials: withIds(options.allowCredentials) }
  const credential = await navigator.credentials.get({ publicKey })
  await post(`${api}/webauthn/authenticate/verify`, { response: credentialJson(credential), ...(challenge ? { challenge } : {}) })
}

// A signed-in user confirms a sensitive change with a passkey (POST /mfa/step-up).
async function stepUp(api) {
  const options = await post(`${api}/webauthn/authenticate/options`, { stepUp: true })
  const publicKey = { ...options, challenge: toBytes(options.challenge), allowCredentials: withIds(options.allowCredentials) }
  const credential = await navigator.credentials.get({ publicKey })
  await post(`${api}/mfa/step-up`, { method: 'webauthn', response: credentialJson(credential) })
}

for (const button of document.querySelectorAll('button[data-passkey]')) {
  if (!window.PublicKeyCredential) continue
  const status = document.getElementById(button.dataset.status)
  const group = button.closest('[data-passkey-group]')
  if (group) group.hidden = false
  button.hidden = false
  button.addEventListener('click', async () => {
    button.disabled = true
    if (status) status.textContent = 'Waiting for your passkey…'
    try {
      const { api, passkey, challenge, next } = button.dataset
      if (passkey === 'register') {
        const name = document.getElementById('passkey-name')?.value.trim()
        const answer = await register(api, name)
        if (answer.recoveryCodes && group) {
          showRecoveryCodes(group, answer.recoveryCodes, next || '/account/security')
          return
        }
      } else if (passkey === 'step-up') {
        await stepUp(api)
      } else {
        await authenticate(api, passkey === 'challenge' ? challenge : undefined)
      }
      window.location.assign(next || '/account/security')
    } catch (error) {
      // NotAllowedError: the person cancelled, or the device timed out.
      if (status) status.textContent = error.name === 'NotAllowedError' ? 'No passkey was used. Try again.' : error.message
      button.disabled = false
    }
  })
}
