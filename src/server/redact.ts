/** A connection URL fit for logs: any password is replaced, everything else kept. */
export function redactUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return value
  }
  if (!url.password && !url.searchParams.has('password')) return value
  if (url.password) url.password = '***'
  if (url.searchParams.has('password')) url.searchParams.set('password', '***')
  return url.toString()
}
