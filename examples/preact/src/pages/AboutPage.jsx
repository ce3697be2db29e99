import { Hero } from '../components/Hero'
import { Timeline } from '../components/Timeline'
import { TeamList } from '../components/TeamList'
import { Counter } from '../components/Counter'
import { milestones, team } from '../data'

const numbers = [0.1 + 0.2, 1 / 3, 1e21, 123456789.125, 5e-7, 2 ** 53, -0, 100 / 7]

export function AboutPage() {
  return (
    <>
      <Hero title={'About "Grünes Blatt" & friends'}>
        <p>
          A family business from Köln — 38 years of <abbr title="Do it yourself">DIY</abbr> gardening.
        </p>
        <Counter label="Visits to our café ☕:" />
      </Hero>
      <section class="history">
        <h2>History</h2>
        <Timeline milestones={milestones} />
      </section>
      <TeamList team={team} />
      <section class="fine-print">
        <h2>Numbers &lt;for nerds&gt;</h2>
        <p class="numbers">{numbers.map((n) => String(n)).join(' | ')}</p>
        <p dangerouslySetInnerHTML={{ __html: 'Raw HTML: <b>bold</b> &amp; <i>italic</i>' }} />
      </section>
    </>
  )
}
