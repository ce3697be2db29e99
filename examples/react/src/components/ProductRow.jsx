import Badge from './Badge.jsx'
import { formatPrice } from '../format.js'

export default function ProductRow({ product }) {
  const { sku, name, price, stock, tags } = product
  return (
    <tr className={stock === 0 ? 'sold-out' : undefined} data-sku={sku}>
      <td>
        <code>{sku}</code>
      </td>
      <td title={`${name} (${sku})`}>{name}</td>
      <td className="num">{formatPrice(price)}</td>
      <td className="num">
        {stock === 0 ? <Badge kind="warn">sold out</Badge> : stock < 5 ? <Badge kind="hot">only {stock} left</Badge> : stock}
      </td>
      <td>{tags.join(', ')}</td>
    </tr>
  )
}
