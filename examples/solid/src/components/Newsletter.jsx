import { createUniqueId } from 'solid-js'

export default function Newsletter() {
  const emailId = createUniqueId()
  const topicId = createUniqueId()
  return (
    <form class="newsletter" action="/subscribe" method="post">
      <h2>Newsletter</h2>
      <label for={emailId}>E-mail</label>
      <input id={emailId} name="email" type="email" placeholder='you@example.com ("real" one)' required />
      <label for={topicId}>Topic</label>
      <select id={topicId} name="topic">
        <option value="indoor">Indoor plants</option>
        <option value="seeds" selected>
          Seeds &amp; sowing
        </option>
        <option value="bonsai">Bonsai 盆栽</option>
      </select>
      <textarea name="note" rows={3}>
        {'Anything else? <Tell us> & "why"'}
      </textarea>
      <label class="inline">
        <input type="checkbox" name="weekly" checked /> weekly digest
      </label>
      <button type="submit">Subscribe</button>
    </form>
  )
}
