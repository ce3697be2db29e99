import { useId } from 'preact/hooks'

export function Newsletter() {
  const emailId = useId()
  const topicId = useId()
  return (
    <form class="newsletter" action="/subscribe" method="post">
      <h2>Newsletter</h2>
      <label for={emailId}>E-mail</label>
      <input id={emailId} name="email" type="email" placeholder='you@example.com ("real" one)' required />
      <label for={topicId}>Topic</label>
      <select id={topicId} name="topic" value="seeds">
        <option value="indoor">Indoor plants</option>
        <option value="seeds">Seeds &amp; sowing</option>
        <option value="bonsai">Bonsai 盆栽</option>
      </select>
      <textarea name="note" value={'Anything else? <Tell us> & "why"'} rows={3} />
      <label class="inline">
        <input type="checkbox" name="weekly" checked /> weekly digest
      </label>
      <button type="submit">Subscribe</button>
    </form>
  )
}
