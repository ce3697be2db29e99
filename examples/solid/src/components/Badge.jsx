export default function Badge(props) {
  return <span class={`badge badge-${props.kind || 'info'}`}>{props.children}</span>
}
