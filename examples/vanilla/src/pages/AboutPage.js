import { html, raw } from '../html.js'
import Hero from '../components/Hero.js'
import Timeline from '../components/Timeline.js'
import TeamList from '../components/TeamList.js'
import Counter from '../components/Counter.js'
import { milestones, team } from '../data.js'

const numbers = [0.1 + 0.2, 1 / 3, 1e21, 123456789.125, 5e-7, 2 ** 53, -0, 100 / 7]

export default function AboutPage(ctx) {
  return html`${Hero('About "Grünes Blatt" & friends', html`
      <p>A family business from Köln — 38 years of <abbr title="Do it yourself">DIY</abbr> gardening.</p>
      ${Counter(ctx, 'Visits to our café ☕:')}`)}
    <section class="history">
      <h2>History</h2>
      ${Timeline(milestones)}
    </section>
    ${TeamList(team)}
    <section class="fine-print">
      <h2>Numbers &lt;for nerds&gt;</h2>
      <p class="numbers">${numbers.map((n) => String(n)).join(' | ')}</p>
      <p>${raw('Raw HTML: <b>bold</b> &amp; <i>italic</i>')}</p>
    </section>`
}
