export function Badge({ kind = 'info', children }) {
  return <span class={`badge badge-${kind}`}>{children}</span>
}
