export default function Badge({ kind = 'info', children }) {
  return <span className={`badge badge-${kind}`}>{children}</span>
}
