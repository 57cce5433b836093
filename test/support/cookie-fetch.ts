/** A fetch that keeps cookies like a browser tab would (one origin, no expiry), for cookie-flow tests in Node. */
export function createCookieFetch(inner: typeof fetch = globalThis.fetch): typeof fetch & { cookies: Map<string, string> } {
  const cookies = new Map<string, string>()
  const cookieFetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    if (cookies.size > 0) request.headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '))
    const response = await inner(request)
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';')
      const at = pair.indexOf('=')
      const name = pair.slice(0, at).trim()
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute))
      if (expired) cookies.delete(name)
      else cookies.set(name, pair.slice(at + 1))
    }
    return response
  }
  return Object.assign(cookieFetch, { cookies })
}
