// Number formatting without Intl (which the server engine does not have):
// the same code runs in Node, in the browser and in mod_ssr.

export function formatPrice(cents) {
  const euros = Math.floor(cents / 100)
  const rest = String(cents % 100).padStart(2, '0')
  const grouped = String(euros).replace(/\B(?=(\d{3})+(?!\d))/g, '.')
  return `${grouped},${rest} €`
}

export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`
}
