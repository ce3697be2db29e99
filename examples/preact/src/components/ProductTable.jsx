import { ProductRow } from './ProductRow'
import { formatPrice, plural } from '../format'

export function ProductTable({ products }) {
  const total = products.reduce((sum, p) => sum + p.price * p.stock, 0)
  const inStock = products.filter((p) => p.stock > 0).length
  return (
    <section class="products">
      <h2>Our plants &amp; supplies</h2>
      <table>
        <caption>
          {plural(products.length, 'product', 'products')}, {inStock} in stock
        </caption>
        <thead>
          <tr>
            <th scope="col">SKU</th>
            <th scope="col">Name</th>
            <th scope="col" class="num">
              Price
            </th>
            <th scope="col" class="num">
              Stock
            </th>
            <th scope="col">Tags</th>
          </tr>
        </thead>
        <tbody>
          {products.map((p) => (
            <ProductRow key={p.sku} product={p} />
          ))}
        </tbody>
        <tfoot>
          <tr>
            <td colSpan={2}>Stock value</td>
            <td class="num" colSpan={3}>
              {formatPrice(total)}
            </td>
          </tr>
        </tfoot>
      </table>
    </section>
  )
}
