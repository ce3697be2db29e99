import { Match, Switch } from 'solid-js'
import Badge from './Badge.jsx'
import { formatPrice } from '../format.js'

export default function ProductRow(props) {
  const p = props.product
  return (
    <tr class={p.stock === 0 ? 'sold-out' : undefined} data-sku={p.sku}>
      <td>
        <code>{p.sku}</code>
      </td>
      <td title={`${p.name} (${p.sku})`}>{p.name}</td>
      <td class="num">{formatPrice(p.price)}</td>
      <td class="num">
        <Switch fallback={p.stock}>
          <Match when={p.stock === 0}>
            <Badge kind="warn">sold out</Badge>
          </Match>
          <Match when={p.stock < 5}>
            <Badge kind="hot">only {p.stock} left</Badge>
          </Match>
        </Switch>
      </td>
      <td>{p.tags.join(', ')}</td>
    </tr>
  )
}
