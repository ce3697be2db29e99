import { attrs, html } from '../html.js'
import Badge from './Badge.js'
import { formatPrice } from '../format.js'

function stockCell(stock) {
  if (stock === 0) return Badge('warn', 'sold out')
  if (stock < 5) return Badge('hot', `only ${stock} left`)
  return stock
}

export default function ProductRow({ sku, name, price, stock, tags }) {
  return html`
          <tr${attrs({ class: stock === 0 ? 'sold-out' : null, dataSku: sku })}>
            <td><code>${sku}</code></td>
            <td title="${`${name} (${sku})`}">${name}</td>
            <td class="num">${formatPrice(price)}</td>
            <td class="num">${stockCell(stock)}</td>
            <td>${tags.join(', ')}</td>
          </tr>`
}
