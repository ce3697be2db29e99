import { Badge } from './Badge'
import { formatPrice } from '../format'

export function ProductRow({ product }) {
  const { sku, name, price, stock, tags } = product
  return (
    <tr class={stock === 0 ? 'sold-out' : undefined} data-sku={sku}>
      <td>
        <code>{sku}</code>
      </td>
      <td title={`${name} (${sku})`}>{name}</td>
      <td class="num">{formatPrice(price)}</td>
      <td class="num">
        {stock === 0 ? <Badge kind="warn">sold out</Badge> : stock < 5 ? <Badge kind="hot">only {stock} left</Badge> : stock}
      </td>
      <td>{tags.join(', ')}</td>
    </tr>
  )
}
