import { attrs, html } from '../html.js'

const topics = [
  { value: 'indoor', label: 'Indoor plants' },
  { value: 'seeds', label: 'Seeds & sowing' },
  { value: 'bonsai', label: 'Bonsai 盆栽' },
]

export default function Newsletter(ctx, { topic = 'seeds', note = 'Anything else? <Tell us> & "why"' } = {}) {
  const emailId = ctx.id('email')
  const topicId = ctx.id('topic')
  return html`<form class="newsletter" action="/subscribe" method="post">
    <h2>Newsletter</h2>
    <label for="${emailId}">E-mail</label>
    <input id="${emailId}" name="email" type="email" placeholder="${'you@example.com ("real" one)'}" required />
    <label for="${topicId}">Topic</label>
    <select id="${topicId}" name="topic">
      ${topics.map((t) => html`<option${attrs({ value: t.value, selected: t.value === topic })}>${t.label}</option>`)}
    </select>
    <textarea name="note" rows="3">${note}</textarea>
    <label class="inline"><input type="checkbox" name="weekly" checked /> weekly digest</label>
    <button type="submit">Subscribe</button>
  </form>`
}
